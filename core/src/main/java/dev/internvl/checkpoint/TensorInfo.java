package dev.internvl.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor lives: its file, the absolute byte offset of its data in that file, its element type and
 * shape. Nothing is read: the engine maps the bytes when it loads the weight.
 */
public record TensorInfo(String name, Path file, long offset, TensorDType dtype, long[] shape) {

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Number of data bytes. */
    public long byteLength() {
        return numel() * dtype.bytes();
    }

    /** The shape as an int array (every dimension of a model weight fits in an int). */
    public int[] intShape() {
        return Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName();
    }
}
