package dev.internvl.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The engine's compute kernels: TorchScript methods of one module, compiled by libtorch at start-up from the
 * sources in {@code dev/internvl/model/*.ts.py} (one file per model part). Running whole model parts as
 * TorchScript keeps bf16 real on CPU and GPU (DJL's Java API aborts the JVM on bf16), gives fused
 * {@code scaled_dot_product_attention}, and costs one JNI crossing per forward pass instead of one per op.
 *
 * <p>Arguments are converted from Java: {@code Long/Integer} to int, {@code Double/Float} to float,
 * {@code Boolean}, {@code String}, {@code long[]} to {@code List[int]}, {@link PtNDArray} to Tensor, and
 * {@link IValue} as is. The caller owns (and closes) the returned {@link IValue}.
 */
public final class TorchKernels implements AutoCloseable {

    /** The kernel source files, in the order they are concatenated into the module. */
    static final List<String> PARTS = List.of("weights", "vision", "projector", "decoder", "bench");

    private final PtNDManager manager;
    private final PtSymbolBlock module;

    private TorchKernels(PtNDManager manager, PtSymbolBlock module) {
        this.manager = manager;
        this.module = module;
    }

    /** Loads libtorch (once per JVM) and compiles the kernels. */
    public static TorchKernels load() {
        PtNDManager manager;
        DjlSettings.optOutOfTracking();
        try {
            NativeLibraries.loading(() -> Engine.getEngine("PyTorch"));
            manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new TorchException("cannot load the PyTorch native library through DJL (" + e.getMessage()
                    + "); put ai.djl.pytorch:pytorch-native-cpu:2.7.1 with the classifier of this platform ("
                    + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + "; one of linux-x86_64, "
                    + "linux-aarch64, osx-aarch64, win-x86_64) or a CUDA variant on the classpath, or allow DJL to "
                    + "download it", e);
        }
        byte[] archive = TorchScriptArchive.toBytes("Kernels", moduleSource());
        try {
            PtSymbolBlock block = JniUtils.loadModule(manager, new ByteArrayInputStream(archive), false, false);
            return new TorchKernels(manager, block);
        } catch (IOException | EngineException e) {
            manager.close();
            throw new TorchException("the engine's TorchScript kernels did not compile: " + summary(e), e);
        }
    }

    /**
     * The complete {@code __torch__.py} source: the part files indented into one module class, with every
     * {@code $NAME} replaced by its value from {@link KernelLayout#constants()}.
     */
    static String moduleSource() {
        StringBuilder src = new StringBuilder();
        src.append("class Kernels(Module):\n");
        src.append("    __parameters__ = []\n");
        src.append("    __buffers__ = []\n");
        src.append("    training : bool\n");
        for (String part : PARTS) {
            String resource = "/dev/internvl/model/" + part + ".ts.py";
            try (InputStream in = TorchKernels.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing kernel source " + resource);
                }
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                    boolean code = !line.isBlank() && !line.startsWith("#");
                    if (code) {
                        src.append("    ").append(substitute(resource, line));
                    }
                    src.append('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return src.toString();
    }

    private static final Pattern NAME = Pattern.compile("\\$([A-Z][A-Z0-9_]*)");

    /** {@code source} (code, not comments) with each {@code $NAME} replaced by its value; an unknown name fails. */
    static String substitute(String file, String source) {
        Map<String, Long> constants = KernelLayout.constants();
        Matcher m = NAME.matcher(source);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Long value = constants.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException(file + ": unknown kernel constant $" + m.group(1));
            }
            m.appendReplacement(out, Long.toString(value));
        }
        return m.appendTail(out).toString();
    }

    /** The NDManager that owns tensors created on the Java side. */
    public PtNDManager manager() {
        return manager;
    }

    /** Runs kernel {@code method}; the caller closes the result. */
    public IValue call(String method, Object... args) {
        List<IValue> temporaries = new ArrayList<>(args.length);
        IValue[] inputs = new IValue[args.length];
        try {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a instanceof IValue v) {
                    inputs[i] = v;
                    continue;
                }
                IValue v;
                if (a instanceof Long || a instanceof Integer) {
                    v = IValue.from(((Number) a).longValue());
                } else if (a instanceof Double || a instanceof Float) {
                    v = IValue.from(((Number) a).doubleValue());
                } else if (a instanceof Boolean b) {
                    v = IValue.from(b);
                } else if (a instanceof String s) {
                    v = IValue.from(s);
                } else if (a instanceof long[] l) {
                    v = IValue.listFrom(l);
                } else if (a instanceof PtNDArray t) {
                    v = IValue.from(t);
                } else {
                    throw new IllegalArgumentException("unsupported kernel argument " + a);
                }
                temporaries.add(v);
                inputs[i] = v;
            }
            return IValueUtils.runMethod(module, method, inputs);
        } catch (EngineException e) {
            throw new TorchException(method + " failed: " + summary(e), e);
        } finally {
            temporaries.forEach(IValue::close);
        }
    }

    /** Runs a kernel whose result is not needed. */
    public void run(String method, Object... args) {
        call(method, args).close();
    }

    /** One line out of a TorchScript error: its {@code ...Error: ...} line, else its first line. */
    static String summary(Throwable e) {
        String msg = String.valueOf(e.getMessage()).strip();
        String first = null;
        for (String line : msg.split("\n")) {
            String l = line.strip();
            if (l.matches("^[A-Za-z.]*Error: .*")) {
                return l;
            }
            if (first == null && !l.isEmpty()) {
                first = l;
            }
        }
        return first == null ? e.getClass().getSimpleName() : first;
    }

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}
