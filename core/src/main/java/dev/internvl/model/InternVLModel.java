package dev.internvl.model;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.InternVLConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.torch.ScalarType;
import dev.internvl.torch.TorchKernels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded InternVL checkpoint: {@link VisionEncoder} then {@link Projector} turn tiles into embeddings, which
 * replace the {@code <IMG_CONTEXT>} rows the {@link Decoder} reads. Thread-confined: one caller at a time (the
 * generation layer above serializes access).
 */
public final class InternVLModel implements AutoCloseable {

    private final Checkpoint checkpoint;
    private final ModelOptions options;
    private final TorchKernels kernels;
    private final VisionEncoder vision;
    private final Projector projector;
    private final Decoder decoder;

    private InternVLModel(Checkpoint checkpoint, ModelOptions options, TorchKernels kernels, VisionEncoder vision,
            Projector projector, Decoder decoder) {
        this.checkpoint = checkpoint;
        this.options = options;
        this.kernels = kernels;
        this.vision = vision;
        this.projector = projector;
        this.decoder = decoder;
    }

    /** Loads the parts {@code options} asks for from the checkpoint folder {@code dir}. */
    public static InternVLModel load(Path dir, ModelOptions options) {
        Checkpoint ckpt = Checkpoint.open(dir, name -> (options.loadVision()
                && (name.startsWith("vision_model.") || name.startsWith("mlp1.")))
                || (options.loadLanguage() && name.startsWith("language_model.")));
        TorchKernels kernels = TorchKernels.load();
        VisionEncoder vision = null;
        Projector projector = null;
        Decoder decoder = null;
        try (WeightLoader loader = new WeightLoader(kernels, options.dtype(), options.device())) {
            DeviceMap map = options.resolveDeviceMap(ckpt.config().llm().numLayers(), cudaDevices(options));
            if (options.loadVision()) {
                vision = VisionEncoder.load(ckpt, loader, kernels, options.dtype(), map.vision(),
                        options.packedWeights());
                projector = Projector.load(ckpt, loader, kernels, map.projector());
            }
            if (options.loadLanguage()) {
                decoder = Decoder.load(ckpt, loader, kernels, options.dtype(), map, options.quantization(),
                        options.quantizationCache(), options.packedWeights());
            }
            return new InternVLModel(ckpt, options, kernels, vision, projector, decoder);
        } catch (RuntimeException e) {
            for (AutoCloseable part : new AutoCloseable[] {decoder, projector, vision, kernels}) {
                closeQuietly(part, e);
            }
            throw e;
        }
    }

    /**
     * The checkpoint tensors {@link #load} reads for the whole model, in load order, each with the shape
     * {@code config.json} implies, without reading anything: the vision encoder's (the layers up to
     * {@code select_layer}), the projector's and the decoder's. The decoder's head is listed only when
     * {@code headStored}: a checkpoint without it uses the embedding as the head.
     */
    public static List<PlannedTensor> plannedTensors(InternVLConfig config, boolean headStored) {
        config.llm().validate();
        List<PlannedTensor> all = new ArrayList<>();
        VisionEncoder.plans(config).forEach(p -> all.addAll(p.tensors()));
        all.addAll(Projector.plan(config).tensors());
        all.addAll(Decoder.plannedTensors(config.llm(), headStored));
        return all;
    }

    /** The checkpoint name of the decoder's output head (optional: without it the head is the embedding). */
    public static String headTensorName(InternVLConfig config) {
        return Decoder.headName(config.llm());
    }

    /**
     * Checks, without loading, that the decoder can take quantization {@code q} (int4 groups must tile every matrix
     * and its rows come in multiples of 16).
     *
     * @throws IllegalArgumentException saying why not
     */
    public static void checkQuantization(InternVLConfig config, Quantization q) {
        if (q.bits() == 4) {
            Decoder.checkGroups(config.llm(), q.groupSize());
        }
    }

    /** CUDA devices libtorch sees, asked only when the device map is {@code auto}. */
    private static int cudaDevices(ModelOptions options) {
        if (options.deviceMap() == null || !options.deviceMap().strip().equals("auto")) {
            return 0;
        }
        return dev.internvl.torch.NativeLibraries.loading(() -> ai.djl.engine.Engine.getEngine("PyTorch"))
                .getGpuCount();
    }

    /** Tiles (float32 [tiles,3,S,S], normalized) to the embeddings of their {@code <IMG_CONTEXT>} rows. */
    public VisionEmbeddings encodeImages(float[] pixelValues, int tiles) {
        requireVision();
        try (IValue vit = vision.forward(pixelValues, tiles, config().imageSize())) {
            return new VisionEmbeddings(projector.forward(vit), tiles * config().numImageTokens());
        }
    }

    /** Starts encoding tiles a few layers at a time (see {@link VisionEncoding}); nothing but the embedding runs yet. */
    public VisionEncoding startEncoding(float[] pixelValues, int tiles) {
        requireVision();
        return new VisionEncoding(vision, projector, vision.embed(pixelValues, tiles, config().imageSize()),
                tiles * config().numImageTokens());
    }

    /** The embeddings of several encodings, in order, as one (the parts stay open). */
    public VisionEmbeddings concat(java.util.List<VisionEmbeddings> parts) {
        try (IValue list = kernels.call("list_of", parts.get(0).value())) {
            for (VisionEmbeddings p : parts.subList(1, parts.size())) {
                kernels.run("push", list, p.value());
            }
            return new VisionEmbeddings(kernels.call("cat_rows", list),
                    parts.stream().mapToInt(VisionEmbeddings::rows).sum());
        }
    }

    /** Rows {@code from..from+rows-1} of {@code embeddings} (a view; it must not outlive them). */
    public VisionEmbeddings slice(VisionEmbeddings embeddings, int from, int rows) {
        if (from < 0 || rows < 0 || from + rows > embeddings.rows()) {
            throw new IllegalArgumentException("rows " + from + "+" + rows + " outside " + embeddings.rows());
        }
        return new VisionEmbeddings(kernels.call("narrow_rows", embeddings.value(), (long) from, (long) rows), rows);
    }

    /** Copies a tensor produced by the engine to Java as float32 (converting from bf16/fp16 inside libtorch). */
    public float[] toFloats(IValue tensor) {
        try (IValue f32 = kernels.call("convert", tensor, (long) ScalarType.FLOAT32.code(), "cpu"); PtNDArray nd = f32.toTensor(kernels.manager())) {
            return nd.toFloatArray();
        }
    }

    /** Copies image embeddings to Java as float32 [rows * D]. */
    public float[] toFloats(VisionEmbeddings embeddings) {
        return toFloats(embeddings.value());
    }

    public InternVLConfig config() {
        return checkpoint.config();
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    public ModelOptions options() {
        return options;
    }

    public VisionEncoder vision() {
        requireVision();
        return vision;
    }

    public Projector projector() {
        requireVision();
        return projector;
    }

    public Decoder decoder() {
        if (decoder == null) {
            throw new IllegalStateException("the language model was not loaded (ModelOptions.loadLanguage)");
        }
        return decoder;
    }

    private void requireVision() {
        if (vision == null) {
            throw new IllegalStateException("the vision encoder was not loaded (ModelOptions.loadVision)");
        }
    }

    private static void closeQuietly(AutoCloseable c, Exception primary) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable part : new AutoCloseable[] {decoder, projector, vision}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        kernels.close();
    }
}
