package dev.internvl.checkpoint;

import java.util.Arrays;
import java.util.List;

/**
 * How a decoder stretches its rotary position embedding ({@code llm_config.rope_scaling}), and the rotary
 * frequencies that follow for one forward call. The frequencies are computed here, in float arithmetic in the
 * order the reference code computes them in fp32 tensors, and handed to the single decoder kernel.
 *
 * <ul>
 *   <li>{@link Type#DEFAULT}: {@code inv_freq[i] = 1 / theta^(2i/hd)}.</li>
 *   <li>{@link Type#LINEAR} (InternLM2, Llama): positions divided by {@code factor}, done here as
 *       {@code inv_freq / factor}.</li>
 *   <li>{@link Type#DYNAMIC} (dynamic NTK; InternLM2 and Llama as InternVL runs them): when the sequence is longer
 *       than {@code max_position_embeddings}, the base becomes
 *       {@code theta * (factor * len / max - (factor - 1))^(hd / (hd - 2))} for that call. The reference takes
 *       {@code len} as the key/value length (past + new tokens, padding included).</li>
 *   <li>{@link Type#LLAMA3}: low frequencies divided by {@code factor}, high ones kept, the band between
 *       interpolated (transformers' {@code _compute_llama3_parameters}).</li>
 *   <li>{@link Type#LONGROPE} (Phi-3 {@code su} / {@code longrope}): {@code inv_freq[i] = 1 / (ext[i] * theta^(2i/hd))}
 *       with {@code ext} = {@code short_factor} while the call's largest position + 1 is at most
 *       {@code original_max_position_embeddings}, else {@code long_factor}; cos and sin are multiplied by
 *       {@code sqrt(1 + ln(max / original_max) / ln(original_max))} (1 when max ≤ original_max).</li>
 * </ul>
 *
 * @param type              the scaling
 * @param factor            linear/dynamic/llama3 factor (1 when unused)
 * @param lowFreqFactor     llama3 {@code low_freq_factor}
 * @param highFreqFactor    llama3 {@code high_freq_factor}
 * @param originalMaxPositions llama3 {@code rope_scaling.original_max_position_embeddings}, or Phi-3's
 *                          {@code original_max_position_embeddings}
 * @param shortFactor       longrope factors for short sequences (hd/2 values)
 * @param longFactor        longrope factors for long sequences (hd/2 values)
 * @param attentionFactor   longrope multiplier of cos and sin (1 otherwise)
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositions, double[] shortFactor, double[] longFactor, double attentionFactor) {

    /** The scaling kinds this engine implements. */
    public enum Type { DEFAULT, LINEAR, DYNAMIC, LLAMA3, LONGROPE }

    /** Rotary frequencies for one call: {@code invFreq} [hd/2] and the cos/sin multiplier. */
    public record Frequencies(float[] invFreq, float scale) {
    }

    /** Plain RoPE. */
    public static final RopeScaling NONE = new RopeScaling(Type.DEFAULT, 1, 0, 0, 0, new double[0], new double[0], 1);

    /** Whether the frequencies depend on the sequence length (dynamic NTK, longrope). */
    public boolean dependsOnLength() {
        return type == Type.DYNAMIC || type == Type.LONGROPE;
    }

    /**
     * The frequencies for a call whose sequence length is {@code seqLen}: the key/value length for dynamic NTK,
     * the largest position + 1 for longrope (see {@code Decoder}).
     */
    public Frequencies frequencies(double theta, int headDim, int maxPositions, long seqLen) {
        int half = headDim / 2;
        float[] inv = new float[half];
        double base = theta;
        if (type == Type.DYNAMIC && seqLen > maxPositions) {
            base = theta * Math.pow(factor * seqLen / maxPositions - (factor - 1), (double) headDim / (headDim - 2));
        }
        double[] ext = null;
        if (type == Type.LONGROPE) {
            ext = seqLen > originalMaxPositions ? longFactor : shortFactor;
        }
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) headDim;        // arange(0, hd, 2).float() / hd
            float power = (float) Math.pow(base, exponent);               // base ** exponent, an fp32 tensor
            float denominator = ext == null ? power : (float) ext[i] * power;
            inv[i] = 1f / denominator;
        }
        switch (type) {
            case LINEAR -> {
                for (int i = 0; i < half; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case LLAMA3 -> llama3(inv);
            default -> {
            }
        }
        return new Frequencies(inv, (float) attentionFactor);
    }

    private void llama3(float[] inv) {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI / inv[i]);
            float scaled = wavelen > lowWavelen ? (float) (inv[i] / factor) : inv[i];
            if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                float smooth = (float) ((originalMaxPositions / wavelen - lowFreqFactor)
                        / (highFreqFactor - lowFreqFactor));
                scaled = (float) ((1 - smooth) * scaled / factor + smooth * scaled);
            }
            inv[i] = scaled;
        }
    }

    /**
     * Parses {@code rope_scaling} for one decoder family, with that family's accepted kinds.
     *
     * @param j        the {@code llm_config} object
     * @param family   architecture name, for messages
     * @param allowed  the kinds the family's reference code accepts
     * @param headDim  per-head width (longrope factor lists have hd/2 entries)
     */
    static RopeScaling parse(Json j, String family, List<Type> allowed, int headDim, int maxPositions) {
        if (!j.has("rope_scaling")) {
            return NONE;
        }
        Json r = j.child("rope_scaling");
        String name = r.getString("type", r.getString("rope_type", null));
        if (name == null) {
            throw j.invalid("rope_scaling", "has no type");
        }
        Type type = switch (name) {
            case "default" -> Type.DEFAULT;
            case "linear" -> Type.LINEAR;
            case "dynamic" -> Type.DYNAMIC;
            case "llama3" -> Type.LLAMA3;
            case "su", "longrope" -> Type.LONGROPE;
            default -> null;
        };
        if (type == null || !allowed.contains(type)) {
            throw j.invalid("rope_scaling", "type " + name + " is not supported for " + family + " (supported: "
                    + String.join(", ", allowed.stream().map(t -> t.name().toLowerCase()).toList()) + ")");
        }
        switch (type) {
            case DEFAULT -> {
                return NONE;
            }
            case LINEAR, DYNAMIC -> {
                double factor = r.getDouble("factor", Double.NaN);
                if (!(factor >= 1.0)) {
                    throw r.invalid("factor", "must be a number >= 1 for " + name + " scaling, got " + factor);
                }
                return new RopeScaling(type, factor, 0, 0, 0, new double[0], new double[0], 1);
            }
            case LLAMA3 -> {
                double factor = r.getDouble("factor", Double.NaN);
                double low = r.getDouble("low_freq_factor", Double.NaN);
                double high = r.getDouble("high_freq_factor", Double.NaN);
                int original = r.getInt("original_max_position_embeddings", -1);
                if (!(factor >= 1.0) || !(low > 0) || !(high > low) || original <= 0) {
                    throw j.invalid("rope_scaling", "llama3 needs factor >= 1, 0 < low_freq_factor < "
                            + "high_freq_factor and original_max_position_embeddings > 0");
                }
                return new RopeScaling(type, factor, low, high, original, new double[0], new double[0], 1);
            }
            case LONGROPE -> {
                double[] shortF = r.getDoubleList("short_factor").stream().mapToDouble(Double::doubleValue).toArray();
                double[] longF = r.getDoubleList("long_factor").stream().mapToDouble(Double::doubleValue).toArray();
                if (shortF.length != headDim / 2 || longF.length != headDim / 2) {
                    throw j.invalid("rope_scaling", "short_factor and long_factor must have head_dim/2 = "
                            + headDim / 2 + " entries, got " + shortF.length + " and " + longF.length);
                }
                int original = j.getInt("original_max_position_embeddings", 4096);
                if (original <= 0) {
                    throw j.invalid("original_max_position_embeddings", "must be positive");
                }
                double scale = (double) maxPositions / original;
                double attention = scale <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(scale) / Math.log(original));
                if (r.has("attention_factor")) {
                    attention = r.getDouble("attention_factor", attention);
                }
                return new RopeScaling(type, 1, 0, 0, original, shortF, longF, attention);
            }
            default -> throw new IllegalStateException(type.name());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeScaling r && type == r.type && factor == r.factor && lowFreqFactor == r.lowFreqFactor
                && highFreqFactor == r.highFreqFactor && originalMaxPositions == r.originalMaxPositions
                && Arrays.equals(shortFactor, r.shortFactor) && Arrays.equals(longFactor, r.longFactor)
                && attentionFactor == r.attentionFactor;
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + Double.hashCode(factor);
    }

    @Override
    public String toString() {
        return switch (type) {
            case DEFAULT -> "none";
            case LINEAR, DYNAMIC -> type.name().toLowerCase() + "(factor " + factor + ")";
            case LLAMA3 -> "llama3(factor " + factor + ", low " + lowFreqFactor + ", high " + highFreqFactor
                    + ", original " + originalMaxPositions + ")";
            case LONGROPE -> "longrope(original " + originalMaxPositions + ", attention " + attentionFactor + ")";
        };
    }
}
