package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceMapTest {

    static List<String> gpus(int n) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            d.add("cuda:" + i);
        }
        return d;
    }

    /** The reference split_model, transcribed step by step (layer index to GPU index). */
    static int[] referenceSplit(int numLayers, int worldSize) {
        int[] map = new int[numLayers];
        int perGpu = (int) Math.ceil(numLayers / (worldSize - 0.5));
        int[] counts = new int[worldSize];
        java.util.Arrays.fill(counts, perGpu);
        counts[0] = (int) Math.ceil(counts[0] * 0.5);
        int layer = 0;
        for (int i = 0; i < worldSize; i++) {
            for (int j = 0; j < counts[i]; j++) {
                if (layer < numLayers) {
                    map[layer] = i;
                }
                layer++;
            }
        }
        map[numLayers - 1] = 0;
        return map;
    }

    @Test
    void autoFollowsTheReferenceSplitForManyShapes() {
        for (int layers : new int[] {1, 2, 3, 12, 24, 32, 48, 60, 80}) {
            for (int n = 2; n <= 8; n++) {
                DeviceMap m = DeviceMap.auto(layers, gpus(n));
                int[] ref = referenceSplit(layers, n);
                for (int i = 0; i < layers; i++) {
                    assertEquals("cuda:" + ref[i], m.layer(i), layers + " layers on " + n + " GPUs, layer " + i);
                }
                assertEquals("cuda:0", m.vision());
                assertEquals("cuda:0", m.embedding());
                assertEquals("cuda:0", m.head());
                assertEquals("cuda:0", m.layer(layers - 1));
            }
        }
    }

    @Test
    void autoOnTheReferenceExample() {
        // InternVL2-76B's 80 layers on 2 GPUs: 27 on the first (plus the last layer), the rest on the second
        Map<String, Integer> counts = DeviceMap.auto(80, gpus(2)).layerCounts();
        assertEquals(28, counts.get("cuda:0"));
        assertEquals(52, counts.get("cuda:1"));
        // and on 4 GPUs: ceil(80/3.5) = 23 per device, 12 on the first
        Map<String, Integer> four = DeviceMap.auto(80, gpus(4)).layerCounts();
        assertEquals(13, four.get("cuda:0"));
        assertEquals(80, four.values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void oneDeviceHoldsEverything() {
        DeviceMap m = DeviceMap.auto(24, List.of("cpu"));
        assertEquals(List.of("cpu"), m.devices());
        assertEquals(24, m.layerCounts().get("cpu"));
        assertTrue(m.decoderOn("cpu"));
        assertFalse(m.decoderOn("cuda:0"));
    }

    @Test
    void explicitMapByPrefix() {
        DeviceMap m = DeviceMap.parse("vision_model=cuda:0, language_model.model.layers.0-11=cuda:1,"
                + " language_model.model.layers.12-23=cpu, language_model=cuda:0", 24);
        assertEquals("cuda:0", m.vision());
        assertEquals("cuda:0", m.projector(), "mlp1 follows the vision encoder");
        assertEquals("cuda:1", m.layer(0));
        assertEquals("cuda:1", m.layer(11));
        assertEquals("cpu", m.layer(12));
        assertEquals("cuda:0", m.embedding());
        assertEquals("cuda:0", m.head());
        assertEquals(List.of("cuda:0", "cuda:1", "cpu"), m.devices());
        assertFalse(m.decoderOn("cpu"), "layers 0-11 are on cuda:1");
        DeviceMap visionApart = DeviceMap.parse("vision_model=cuda:0, language_model=cpu", 24);
        assertTrue(visionApart.decoderOn("cpu"), "the vision encoder is not the decoder");
        DeviceMap headApart = DeviceMap.parse("language_model.lm_head=cuda:0, *=cpu", 24);
        assertFalse(headApart.decoderOn("cpu"), "the head is");
    }

    @Test
    void aCpuOnlyExplicitMapWorks() {
        DeviceMap m = DeviceMap.parse("*=cpu,language_model.model.layers.3=cpu", 4);
        assertEquals(List.of("cpu"), m.devices());
    }

    @Test
    void badMapsNameTheProblem() {
        assertMessage(() -> DeviceMap.parse("vision_model=gpu0", 4), "gpu0");
        assertMessage(() -> DeviceMap.parse("visoin_model=cpu,*=cpu", 4), "unknown module 'visoin_model'");
        assertMessage(() -> DeviceMap.parse("language_model.model.layers.0-5=cpu,*=cpu", 4), "outside 0-3");
        assertMessage(() -> DeviceMap.parse("language_model.model.layers.0-2=cpu,language_model.model.layers.2=cpu,*=cpu",
                4), "layer 2 twice");
        assertMessage(() -> DeviceMap.parse("vision_model=cpu", 4), "no device for");
        assertMessage(() -> DeviceMap.parse("vision_model", 4), "prefix=device");
        assertMessage(() -> DeviceMap.parse("language_model.model.layers.x=cpu,*=cpu", 4), "not a layer number");
        assertMessage(() -> DeviceMap.auto(4, List.of()), "at least one device");
    }

    static void assertMessage(Runnable r, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
