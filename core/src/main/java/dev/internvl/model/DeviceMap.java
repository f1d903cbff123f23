package dev.internvl.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which device each part of the model lives on: the vision encoder and projector, the token embedding, each
 * decoder layer, and the final norm with the head. Hidden states move between devices at layer boundaries; each
 * layer's KV cache lives on that layer's device.
 *
 * <p>{@link #auto} is the reference {@code split_model} rule: the first device holds the vision encoder, so it counts
 * as half a device; layers are spread by count; the embedding, final norm, head and the last layer join the vision
 * encoder on the first device (which avoids the device errors users hit when they are split apart). {@link #parse}
 * takes an explicit map by module-name prefix.
 */
public final class DeviceMap {

    /** Module names an explicit map may assign (besides {@code language_model.model.layers.N} and ranges). */
    public static final List<String> MODULES = List.of("vision_model", "mlp1", "language_model.model.embed_tokens",
            "language_model.model.norm", "language_model.lm_head", "language_model", "*");

    private static final String LAYERS = "language_model.model.layers.";

    private final String vision;
    private final String projector;
    private final String embedding;
    private final String head;
    private final String[] layers;

    private DeviceMap(String vision, String projector, String embedding, String head, String[] layers) {
        this.vision = vision;
        this.projector = projector;
        this.embedding = embedding;
        this.head = head;
        this.layers = layers;
    }

    /** Everything on one device. */
    public static DeviceMap single(String device, int numLayers) {
        checkDevice(device);
        String[] l = new String[numLayers];
        java.util.Arrays.fill(l, device);
        return new DeviceMap(device, device, device, device, l);
    }

    /**
     * The reference split over {@code devices} (e.g. {@code cuda:0, cuda:1}): the first counts as half a device,
     * {@code ceil(layers / (n - 0.5))} layers per device, half of that (rounded up) on the first, and the last layer
     * on the first device with the vision encoder, embedding, final norm and head.
     */
    public static DeviceMap auto(int numLayers, List<String> devices) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("the device map needs at least one device");
        }
        devices.forEach(DeviceMap::checkDevice);
        if (numLayers < 1) {
            throw new IllegalArgumentException("the decoder has no layers");
        }
        int n = devices.size();
        String first = devices.get(0);
        if (n == 1) {
            return single(first, numLayers);
        }
        int perDevice = (int) Math.ceil(numLayers / (n - 0.5));
        String[] l = new String[numLayers];
        int layer = 0;
        for (int d = 0; d < n && layer < numLayers; d++) {
            int count = d == 0 ? (int) Math.ceil(perDevice * 0.5) : perDevice;
            for (int j = 0; j < count && layer < numLayers; j++) {
                l[layer++] = devices.get(d);
            }
        }
        while (layer < numLayers) { // cannot happen with the rounding above; kept so every layer has a device
            l[layer++] = devices.get(n - 1);
        }
        l[numLayers - 1] = first;
        return new DeviceMap(first, first, first, first, l);
    }

    /**
     * An explicit map: comma-separated {@code prefix=device} entries, e.g.
     * {@code vision_model=cuda:0,mlp1=cuda:0,language_model.model.layers.0-11=cuda:1,*=cuda:0}. Prefixes are the
     * names in {@link #MODULES}, {@code language_model.model.layers.N} or a range {@code N-M}; {@code language_model}
     * covers every language part not named more precisely and {@code *} everything not named at all. Every part must
     * end up with a device; unknown names, overlapping layer assignments and malformed devices are errors.
     */
    public static DeviceMap parse(String spec, int numLayers) {
        Map<String, String> named = new LinkedHashMap<>();
        String[] l = new String[numLayers];
        for (String entry : spec.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException("device map entry '" + e + "' is not prefix=device");
            }
            String key = e.substring(0, eq).strip();
            String device = e.substring(eq + 1).strip();
            checkDevice(device);
            if (key.startsWith(LAYERS)) {
                int[] range = range(key.substring(LAYERS.length()), numLayers, e);
                for (int i = range[0]; i <= range[1]; i++) {
                    if (l[i] != null) {
                        throw new IllegalArgumentException("device map assigns layer " + i + " twice ('" + e + "')");
                    }
                    l[i] = device;
                }
            } else if (MODULES.contains(key)) {
                if (named.put(key, device) != null) {
                    throw new IllegalArgumentException("device map names " + key + " twice");
                }
            } else {
                throw new IllegalArgumentException("device map entry '" + e + "' names unknown module '" + key
                        + "' (known: " + String.join(", ", MODULES) + ", " + LAYERS + "N or N-M)");
            }
        }
        String any = named.get("*");
        String language = named.getOrDefault("language_model", any);
        for (int i = 0; i < numLayers; i++) {
            l[i] = l[i] != null ? l[i] : require(language, LAYERS + i);
        }
        return new DeviceMap(require(named.getOrDefault("vision_model", any), "vision_model"),
                require(named.getOrDefault("mlp1", named.getOrDefault("vision_model", any)), "mlp1"),
                require(named.getOrDefault("language_model.model.embed_tokens", language),
                        "language_model.model.embed_tokens"),
                require(named.getOrDefault("language_model.lm_head",
                        named.getOrDefault("language_model.model.norm", language)), "language_model.lm_head"),
                l);
    }

    private static int[] range(String text, int numLayers, String entry) {
        try {
            int dash = text.indexOf('-');
            int a = Integer.parseInt(dash < 0 ? text : text.substring(0, dash));
            int b = dash < 0 ? a : Integer.parseInt(text.substring(dash + 1));
            if (a < 0 || b < a || b >= numLayers) {
                throw new IllegalArgumentException("device map entry '" + entry + "': layers " + text
                        + " are outside 0-" + (numLayers - 1));
            }
            return new int[] {a, b};
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("device map entry '" + entry + "': '" + text
                    + "' is not a layer number or range N-M");
        }
    }

    private static String require(String device, String part) {
        if (device == null) {
            throw new IllegalArgumentException("device map gives no device for " + part
                    + " (name it, or add language_model=... or *=...)");
        }
        return device;
    }

    private static void checkDevice(String device) {
        if (device == null || !device.matches("cpu|cuda(:\\d+)?|mps")) {
            throw new IllegalArgumentException("device '" + device + "' is not cpu, cuda, cuda:N or mps");
        }
    }

    public String vision() {
        return vision;
    }

    public String projector() {
        return projector;
    }

    public String embedding() {
        return embedding;
    }

    /** Device of the final norm and the head. */
    public String head() {
        return head;
    }

    public String layer(int i) {
        return layers[i];
    }

    public int numLayers() {
        return layers.length;
    }

    /** Whether the decoder (embedding, every layer and head) is wholly on {@code device}. */
    public boolean decoderOn(String device) {
        return embedding.equals(device) && head.equals(device) && Arrays.stream(layers).allMatch(device::equals);
    }

    /** The distinct devices in use, vision first. */
    public List<String> devices() {
        Set<String> all = new LinkedHashSet<>();
        all.add(vision);
        all.add(projector);
        all.add(embedding);
        all.addAll(List.of(layers));
        all.add(head);
        return new ArrayList<>(all);
    }

    /** Layers per device, in device order of {@link #devices()}. */
    public Map<String, Integer> layerCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String d : devices()) {
            counts.put(d, 0);
        }
        for (String d : layers) {
            counts.merge(d, 1, Integer::sum);
        }
        return counts;
    }
}
