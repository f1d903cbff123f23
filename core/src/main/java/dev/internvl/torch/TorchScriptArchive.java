package dev.internvl.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive (the zip that {@code torch.jit.save} produces) for a module that has no
 * tensors of its own: only TorchScript source. The engine's kernels are methods of such a module; weights
 * are passed in as arguments, so the archive stays a few kilobytes and is built at start-up.
 *
 * <p>Layout: {@code <root>/version}, {@code <root>/code/__torch__.py} (the class source),
 * {@code <root>/data.pkl} (the pickled module object, protocol 2), {@code <root>/constants.pkl} (an empty tuple).
 */
public final class TorchScriptArchive {

    private static final String FILE_FORMAT_VERSION = "3";

    private TorchScriptArchive() {
    }

    /**
     * Writes the archive.
     *
     * @param className the module class defined in {@code source} (e.g. {@code Kernels})
     * @param source the complete {@code code/__torch__.py} text defining {@code className(Module)}
     * @param out where the zip goes; not closed
     */
    public static void write(String className, String source, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        String root = "archive/";
        stored(zip, root + "version", (FILE_FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
        stored(zip, root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
        stored(zip, root + "data.pkl", moduleObjectPickle(className));
        stored(zip, root + "constants.pkl", emptyTuplePickle());
        zip.finish();
    }

    /** The bytes of a whole archive, for loading from memory. */
    public static byte[] toBytes(String className, String source) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            write(className, source, bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /** {@code __torch__.<className>()} with state {@code {"training": False}}, pickle protocol 2. */
    static byte[] moduleObjectPickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT (the state)
        p.write('('); // MARK
        binUnicode(p, "training");
        p.write(0x89); // NEWFALSE
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    static byte[] emptyTuplePickle() {
        return new byte[] {(byte) 0x80, 2, ')', '.'};
    }

    private static void binUnicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.write(b.length & 0xff);
        p.write((b.length >>> 8) & 0xff);
        p.write((b.length >>> 16) & 0xff);
        p.write((b.length >>> 24) & 0xff);
        p.writeBytes(b);
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
