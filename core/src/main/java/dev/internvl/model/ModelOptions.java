package dev.internvl.model;

/**
 * How to load a checkpoint.
 *
 * @param dtype        compute dtype (bf16 default)
 * @param device       torch device string: {@code cpu}, {@code cuda}, {@code cuda:1}
 * @param loadVision   load the vision encoder and projector
 * @param loadLanguage load the decoder
 * @param quantization weight-only quantization of the decoder (none by default)
 * @param deviceMap    null to put everything on {@code device}; {@code auto} for the reference split over all
 *                     CUDA devices; or an explicit map by module prefix (see {@link DeviceMap#parse})
 * @param quantizationCache where a quantized decoder is kept so that later loads map it instead of quantizing
 *                     again: {@code auto} (default: an {@code internvl-cache} folder inside the checkpoint folder,
 *                     skipped with a warning when that is not writable), {@code off}, or a folder
 *                     (see {@link QuantizedCache})
 * @param packedWeights pack the bf16 matrices of an unquantized decoder and of the vision encoder on the CPU into
 *                     oneDNN's blocked layout at load (default): about twice as fast at decode, where the CPU has
 *                     AVX-512 and the memory to hold them (elsewhere it does nothing); off keeps libtorch's plain
 *                     layout, whose bf16 results can differ in the last bit (engine.md, "Packed bf16 matrices")
 */
public record ModelOptions(ComputeDType dtype, String device, boolean loadVision, boolean loadLanguage,
        Quantization quantization, String deviceMap, String quantizationCache, boolean packedWeights) {

    public ModelOptions {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        if (device == null || !device.matches("cpu|cuda(:\\d+)?|mps")) {
            throw new IllegalArgumentException("device '" + device + "' is not cpu, cuda, cuda:N or mps");
        }
        if (quantization == null) {
            quantization = Quantization.NONE;
        }
        if (quantizationCache == null || quantizationCache.isBlank()) {
            quantizationCache = QuantizedCache.AUTO;
        }
        if (!loadVision && !loadLanguage) {
            throw new IllegalArgumentException("nothing to load: enable the vision part, the language part or both");
        }
    }

    /** The whole model in bf16 on the CPU. */
    public static ModelOptions defaults() {
        return new ModelOptions(ComputeDType.BF16, "cpu", true, true, Quantization.NONE, null, QuantizedCache.AUTO,
                true);
    }

    public ModelOptions withDtype(ComputeDType d) {
        return new ModelOptions(d, device, loadVision, loadLanguage, quantization, deviceMap, quantizationCache,
                packedWeights);
    }

    public ModelOptions withDevice(String d) {
        return new ModelOptions(dtype, d, loadVision, loadLanguage, quantization, deviceMap, quantizationCache,
                packedWeights);
    }

    /** Only the vision encoder and projector (what the parity CLI's {@code vision} command needs). */
    public ModelOptions visionOnly() {
        return new ModelOptions(dtype, device, true, false, quantization, deviceMap, quantizationCache, packedWeights);
    }

    /** Only the decoder. */
    public ModelOptions languageOnly() {
        return new ModelOptions(dtype, device, false, true, quantization, deviceMap, quantizationCache, packedWeights);
    }

    public ModelOptions withQuantization(Quantization q) {
        return new ModelOptions(dtype, device, loadVision, loadLanguage, q, deviceMap, quantizationCache,
                packedWeights);
    }

    /** Places the model's parts by {@code spec} ({@code auto} or a prefix map); null for one device. */
    public ModelOptions withDeviceMap(String spec) {
        return new ModelOptions(dtype, device, loadVision, loadLanguage, quantization, spec, quantizationCache,
                packedWeights);
    }

    /** Where a quantized decoder is cached: {@code auto}, {@code off} or a folder (see {@link QuantizedCache}). */
    public ModelOptions withQuantizationCache(String cache) {
        return new ModelOptions(dtype, device, loadVision, loadLanguage, quantization, deviceMap, cache, packedWeights);
    }

    /** Whether bf16 matrices on the CPU are packed at load (see {@link #packedWeights()}). */
    public ModelOptions withPackedWeights(boolean pack) {
        return new ModelOptions(dtype, device, loadVision, loadLanguage, quantization, deviceMap, quantizationCache,
                pack);
    }

    /** The placement of every part for a decoder of {@code numLayers} layers. */
    public DeviceMap resolveDeviceMap(int numLayers, int cudaDevices) {
        if (deviceMap == null || deviceMap.isBlank()) {
            return DeviceMap.single(device, numLayers);
        }
        if (deviceMap.strip().equals("auto")) {
            if (cudaDevices == 0) {
                return DeviceMap.single(device, numLayers);
            }
            java.util.List<String> gpus = new java.util.ArrayList<>();
            for (int i = 0; i < cudaDevices; i++) {
                gpus.add("cuda:" + i);
            }
            return DeviceMap.auto(numLayers, gpus);
        }
        return DeviceMap.parse(deviceMap, numLayers);
    }
}
