package dev.internvl.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy {@code .npy} format 1.0, little-endian float32 ({@code <f4}), C order: the parity CLI's tensor format. */
final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** A float32 array with its shape. */
    record Array(long[] shape, float[] data) {
    }

    private Npy() {
    }

    static void write(Path file, float[] data, long... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String dimText = shape.length == 1 ? dims.toString().trim() : dims.substring(0, Math.max(0, dims.length() - 2));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dimText + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0});
            out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).array());
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : data) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    static Array read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": file not found");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IllegalArgumentException(file + ": not a .npy file (bad magic)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLen;
        int dataStart;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            dataStart = 10 + headerLen;
        } else if (major == 2 || major == 3) {
            headerLen = b.getInt(8);
            dataStart = 12 + headerLen;
        } else {
            throw new IllegalArgumentException(file + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || dataStart > bytes.length) {
            throw new IllegalArgumentException(file + ": truncated .npy header");
        }
        String header = new String(bytes, dataStart - headerLen, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IllegalArgumentException(file + ": malformed .npy header " + header.strip());
        }
        if (!d.group(1).equals("<f4")) {
            throw new IllegalArgumentException(file + ": dtype " + d.group(1) + " is not little-endian float32 (<f4)");
        }
        if (f.group(1).equals("True")) {
            throw new IllegalArgumentException(file + ": Fortran-ordered arrays are not supported");
        }
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        if ((long) bytes.length - dataStart != n * 4) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " needs " + n * 4
                    + " data bytes, file has " + (bytes.length - dataStart));
        }
        float[] data = new float[(int) n];
        b.position(dataStart);
        b.asFloatBuffer().get(data);
        return new Array(shape, data);
    }
}
