package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.DecoderFamily;
import dev.internvl.checkpoint.FloatFormats;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.checkpoint.WeightPlan;
import dev.internvl.testing.TinyModel;
import dev.internvl.torch.KernelLayout.DecoderWeight;
import dev.internvl.torch.KernelLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weight lists the Java side fills and the TorchScript kernels read agree slot by slot: the sources name every
 * index through {@link KernelLayout} (no bare numbers that could drift from the Java order), every slot is read by
 * some kernel, and each loaded list holds, at each slot's index, the checkpoint tensor the part's plan names.
 */
class WeightSlotsTest {

    @TempDir
    static Path dir;

    static InternVLModel model;
    static Checkpoint ckpt;

    @BeforeAll
    static void load() {
        TinyModel.write(dir);
        model = InternVLModel.load(dir, ModelOptions.defaults().withDtype(ComputeDType.FP32));
        ckpt = Checkpoint.open(dir);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static String source(String part) throws IOException {
        try (InputStream in = WeightSlotsTest.class.getResourceAsStream("/dev/internvl/model/" + part + ".ts.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String code(String part) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String line : source(part).split("\n")) {
            if (!line.startsWith("#")) {
                out.append(line.replaceAll("\\s+#.*$", "")).append('\n');
            }
        }
        return out.toString();
    }

    @Test
    void theKernelSourcesIndexWeightListsOnlyByName() throws IOException {
        // w[...] and s[...] are weight and scale lists; an index with a digit and no $NAME is a hard-coded slot
        Pattern index = Pattern.compile("\\b[ws]\\[([^\\]]*)\\]");
        List<String> bare = new ArrayList<>();
        for (String part : List.of("weights", "vision", "projector", "decoder")) {
            Matcher m = index.matcher(code(part));
            while (m.find()) {
                String inside = m.group(1).replaceAll("\\$[A-Z0-9_]+", "");
                if (inside.matches(".*\\d.*")) {
                    bare.add(part + ".ts.py: " + m.group());
                }
            }
        }
        assertEquals(List.of(), bare);
    }

    @Test
    void everySlotIsReadBySomeKernel() throws IOException {
        StringBuilder all = new StringBuilder();
        for (String part : List.of("weights", "vision", "projector", "decoder")) {
            all.append(code(part));
        }
        List<String> unread = new ArrayList<>();
        for (String name : KernelLayout.constants().keySet()) {
            boolean slotOrDim = name.startsWith("DECODER_") || name.startsWith("VISION_")
                    || name.startsWith("PROJECTOR_");
            if (slotOrDim && !Pattern.compile("\\$" + name + "\\b").matcher(all).find()) {
                unread.add(name);
            }
        }
        assertEquals(List.of(), unread);
    }

    @Test
    void eachDecoderSlotHoldsTheTensorItsPlanNames() {
        LlmConfig cfg = model.config().llm();
        DecoderFamily family = cfg.family();
        List<float[]> expected = new ArrayList<>();
        List<String> names = new ArrayList<>();
        // the part's own slots in DecoderWeight order (the tiny model stores its head)
        for (DecoderWeight slot : DecoderWeight.values()) {
            String name = switch (slot) {
                case EMBEDDING -> family.embedding();
                case FINAL_NORM -> family.finalNorm();
                case HEAD -> family.head();
            };
            names.add(slot + " " + name);
            expected.add(values(ckpt.tensor(name)));
        }
        for (int i = 0; i < cfg.numLayers(); i++) {
            addPlan(family.layer(cfg, i), expected, names);
        }
        assertSlots(model.decoder().weightList(), expected, names);
    }

    @Test
    void eachVisionAndProjectorSlotHoldsTheTensorItsPlanNames() {
        List<float[]> expected = new ArrayList<>();
        List<String> names = new ArrayList<>();
        VisionEncoder.plans(model.config()).forEach(p -> addPlan(p, expected, names));
        assertSlots(model.vision().weightList(), expected, names);
        expected.clear();
        names.clear();
        addPlan(Projector.plan(model.config()), expected, names);
        assertSlots(model.projector().weightList(), expected, names);
    }

    private static void addPlan(WeightPlan<?> plan, List<float[]> expected, List<String> names) {
        for (WeightPlan.Slot slot : plan.slots()) {
            if (slot instanceof WeightPlan.Single one) {
                names.add(one.tensor().name());
                expected.add(values(ckpt.tensor(one.tensor().name())));
            } else if (slot instanceof WeightPlan.Concatenated cat) {
                names.add(cat.parts().get(0).name() + " ...");
                List<float[]> parts = cat.parts().stream().map(p -> values(ckpt.tensor(p.name()))).toList();
                float[] all = new float[parts.stream().mapToInt(a -> a.length).sum()];
                int at = 0;
                for (float[] p : parts) {
                    System.arraycopy(p, 0, all, at, p.length);
                    at += p.length;
                }
                expected.add(all);
            } else if (slot instanceof WeightPlan.Absent) {
                names.add("(absent)");
                expected.add(new float[0]);
            } else {
                throw new IllegalStateException("the tiny Qwen2 model has no regrouped weights: " + slot);
            }
        }
    }

    private static void assertSlots(IValue list, List<float[]> expected, List<String> names) {
        IValue[] loaded = list.toIValueArray();
        try {
            assertEquals(expected.size(), loaded.length, "slots");
            for (int k = 0; k < loaded.length; k++) {
                float[] got = model.toFloats(loaded[k]);
                assertArrayEquals(expected.get(k), got, "slot " + k + " should hold " + names.get(k));
            }
        } finally {
            for (IValue v : loaded) {
                v.close();
            }
        }
        assertTrue(loaded.length > 0);
    }

    /** A stored bf16 tensor's values (exact in fp32). */
    private static float[] values(TensorInfo t) {
        ByteBuffer raw = ByteBuffer.allocate((int) t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(t.file())) {
            while (raw.hasRemaining() && ch.read(raw, t.offset() + raw.position()) >= 0) {
                // reads until full
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        raw.flip();
        float[] out = new float[(int) t.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = FloatFormats.fromBf16(raw.getShort());
        }
        return out;
    }
}
