package dev.internvl.torch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Java hands the TorchScript kernels, defined once: the slots of each model part's weight list, the model
 * dimensions bound at load, and the dtypes. The kernel sources ({@code dev/internvl/model/*.ts.py}) name every
 * index and dtype as {@code $NAME} ({@code w[b + $DECODER_LAYER_QKV_WEIGHT]}, {@code torch.to(x, $FLOAT32)}), and
 * {@link TorchKernels} writes the numbers in when it compiles them, so the Java side that fills a list and the
 * TorchScript side that reads it cannot disagree about an order.
 *
 * <p>A part with layers is its own slots, then the same per-layer slots for each layer: layer {@code i}'s slot
 * {@code k} is at {@code PART_WEIGHTS + PART_LAYER_WEIGHTS * i + k}.
 */
public final class KernelLayout {

    private KernelLayout() {
    }

    /** The decoder's own weights, before its layers. */
    public enum DecoderWeight {
        /** token embedding [V,D] (int8 rows when quantized) */
        EMBEDDING,
        /** final RMSNorm [D] */
        FINAL_NORM,
        /** output head [V,D] (the embedding's own tensor when tied) */
        HEAD
    }

    /** One decoder layer's weights (the Qwen2 layout every family is mapped onto). */
    public enum DecoderLayerWeight {
        /** RMSNorm before attention [D] */
        INPUT_NORM,
        /** q;k;v rows [(H+2KV)*hd, D] */
        QKV_WEIGHT,
        /** q;k;v bias [(H+2KV)*hd], empty when the family has none */
        QKV_BIAS,
        /** attention output [D, H*hd] */
        O_WEIGHT,
        /** RMSNorm before the MLP [D] */
        POST_NORM,
        /** gate;up rows [2I, D] */
        GATE_UP_WEIGHT,
        /** down projection [D, I] */
        DOWN_WEIGHT
    }

    /** The decoder's dimensions, bound once at load and passed as one {@code List[int]}. */
    public enum DecoderDim {
        LAYERS, HEADS, KV_HEADS, HEAD_DIM,
        /** int4 quantization group (0 when not int4) */
        QUANT_GROUP
    }

    /** The decoder's real-valued constants, bound once at load and passed as one {@code List[float]}. */
    public enum DecoderFactor {
        /** RMSNorm epsilon */
        NORM_EPS,
        /** the cos/sin multiplier of the rotary tables (Phi-3 longrope's attention factor, else 1) */
        ROPE_SCALE
    }

    /** InternViT's own weights, before its layers. */
    public enum VisionWeight {
        /** patch embedding convolution [C,3,p,p] and its bias [C] */
        PATCH_WEIGHT, PATCH_BIAS,
        /** CLS token [1,1,C] */
        CLASS_EMBEDDING,
        /** position embedding [1,1+G*G,C] */
        POSITION_EMBEDDING
    }

    /** One InternViT layer's weights (absent biases and qk-norm weights are empty tensors). */
    public enum VisionLayerWeight {
        NORM1_WEIGHT, NORM1_BIAS, QKV_WEIGHT, QKV_BIAS, Q_NORM, K_NORM, PROJ_WEIGHT, PROJ_BIAS,
        /** layer scale after attention [C] */
        LS1,
        NORM2_WEIGHT, NORM2_BIAS, FC1_WEIGHT, FC1_BIAS, FC2_WEIGHT, FC2_BIAS,
        /** layer scale after the MLP [C] */
        LS2
    }

    /** The projector {@code mlp1}: LayerNorm, Linear, GELU, Linear. */
    public enum ProjectorWeight {
        NORM_WEIGHT, NORM_BIAS, FC1_WEIGHT, FC1_BIAS, FC2_WEIGHT, FC2_BIAS
    }

    /** The enums whose constants the kernel sources name, each with its prefix ("" for the dtypes). */
    private static final Map<String, Class<? extends Enum<?>>> NAMED = namedEnums();

    private static Map<String, Class<? extends Enum<?>>> namedEnums() {
        Map<String, Class<? extends Enum<?>>> m = new LinkedHashMap<>();
        m.put("", ScalarType.class);
        m.put("DECODER_", DecoderWeight.class);
        m.put("DECODER_LAYER_", DecoderLayerWeight.class);
        m.put("DECODER_DIM_", DecoderDim.class);
        m.put("DECODER_FACTOR_", DecoderFactor.class);
        m.put("VISION_", VisionWeight.class);
        m.put("VISION_LAYER_", VisionLayerWeight.class);
        m.put("PROJECTOR_", ProjectorWeight.class);
        return m;
    }

    /** The slot enums of parts with layers, whose sizes the sources read as {@code $<PREFIX>WEIGHTS}. */
    private static final List<Class<? extends Enum<?>>> LISTS = List.of(DecoderWeight.class, DecoderLayerWeight.class,
            VisionWeight.class, VisionLayerWeight.class);

    private static final Map<String, Long> CONSTANTS = Collections.unmodifiableMap(build());

    /**
     * Every name the kernel sources may use, without its {@code $}, and its value: a dtype's code, a slot's or a
     * dimension's index, and {@code <PREFIX>WEIGHTS}, the number of slots before a part's layers and in each.
     */
    public static Map<String, Long> constants() {
        return CONSTANTS;
    }

    private static Map<String, Long> build() {
        Map<String, Long> out = new LinkedHashMap<>();
        NAMED.forEach((prefix, type) -> {
            for (Enum<?> e : type.getEnumConstants()) {
                long value = e instanceof ScalarType t ? t.code() : e.ordinal();
                define(out, prefix + e.name(), value);
            }
            if (LISTS.contains(type)) {
                define(out, prefix + "WEIGHTS", type.getEnumConstants().length);
            }
        });
        return out;
    }

    private static void define(Map<String, Long> names, String name, long value) {
        if (names.put(name, value) != null) {
            throw new IllegalStateException("kernel constant $" + name + " is defined twice");
        }
    }
}
