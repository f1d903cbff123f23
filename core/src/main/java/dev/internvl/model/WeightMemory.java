package dev.internvl.model;

import dev.internvl.checkpoint.PlannedTensor;
import java.util.List;

/**
 * The bytes the engine's weights take once loaded, computed from {@link InternVLModel#plannedTensors} without
 * loading anything: what {@link Decoder#weightBytes()} measures for the decoder, plus the vision encoder and the
 * projector, which always stay in the compute dtype. With {@link Quantization} the decoder's matrices take the
 * layouts of {@code weights.ts.py}:
 *
 * <ul>
 *   <li>int8: one byte per weight plus one compute-dtype scale per output row; the embedding is int8 rows too, and a
 *       tied head shares it;</li>
 *   <li>int4: half a byte per weight plus a compute-dtype scale and zero per group of input columns and output row;
 *       the embedding is int8 rows (for lookups) and the head has its own int4 copy, its rows padded to a multiple
 *       of 16, even when tied.</li>
 * </ul>
 * Norms and biases stay in the compute dtype. Weights only: the KV cache and activations come on top. All parts are
 * assumed on one device (a device map that separates a tied head from the embedding copies it). Packed bf16 matrices
 * ({@link ModelOptions#packedWeights()}) take the bytes of plain ones, but a tied head gets its own packed copy; the
 * embedding stays a mapping of the checkpoint of which only the rows of the tokens seen are then read.
 */
public final class WeightMemory {

    private WeightMemory() {
    }

    /**
     * Resident bytes of {@code tensors}.
     *
     * @param tensors  planned tensors (any subset: only their parts are counted)
     * @param tiedHead whether the head is the embedding (no {@link PlannedTensor.Part#HEAD} tensor is stored)
     * @param dtype    the compute dtype
     * @param q        the decoder's quantization
     */
    public static long bytes(List<PlannedTensor> tensors, boolean tiedHead, ComputeDType dtype, Quantization q) {
        return bytes(tensors, tiedHead, dtype, q, false);
    }

    /** {@link #bytes(List, boolean, ComputeDType, Quantization)}, with {@code packed} matrices (own head copy). */
    public static long bytes(List<PlannedTensor> tensors, boolean tiedHead, ComputeDType dtype, Quantization q,
            boolean packed) {
        long e = dtype == ComputeDType.FP32 ? 4 : 2;
        long total = 0;
        for (PlannedTensor t : tensors) {
            total += switch (t.part()) {
                case VISION, PROJECTOR, FINAL_NORM -> t.numel() * e;
                case LAYER -> t.isMatrix() ? matrix(t.shape()[0], t.shape()[1], e, q) : t.numel() * e;
                case EMBEDDING -> {
                    long rows = t.shape()[0];
                    long cols = t.shape()[1];
                    long own = q.enabled() ? int8(rows, cols, e) : rows * cols * e;
                    yield own + (tiedHead && (q.bits() == 4 || packed) ? head(rows, cols, e, q) : 0);
                }
                case HEAD -> head(t.shape()[0], t.shape()[1], e, q);
            };
        }
        return total;
    }

    private static long head(long rows, long cols, long e, Quantization q) {
        if (q.bits() == 4) {
            return matrix((rows + 15) / 16 * 16, cols, e, q); // int4 packing pads the vocabulary rows
        }
        return matrix(rows, cols, e, q);
    }

    private static long matrix(long rows, long cols, long e, Quantization q) {
        return switch (q.bits()) {
            case 8 -> int8(rows, cols, e);
            case 4 -> rows * cols / 2 + cols / q.groupSize() * rows * 2 * e;
            default -> rows * cols * e;
        };
    }

    private static long int8(long rows, long cols, long e) {
        return rows * cols + rows * e;
    }
}
