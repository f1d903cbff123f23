package dev.internvl.model;

/**
 * How to load a checkpoint.
 *
 * @param dtype        compute dtype (bf16 default)
 * @param device       torch device string: {@code cpu}, {@code cuda}, {@code cuda:1}
 * @param loadVision   load the vision encoder and projector
 * @param loadLanguage load the decoder
 * @param quantization weight-only quantization of the decoder (none by default)
 */
public record ModelOptions(ComputeDType dtype, String device, boolean loadVision, boolean loadLanguage,
        Quantization quantization) {

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
        if (!loadVision && !loadLanguage) {
            throw new IllegalArgumentException("nothing to load: enable the vision part, the language part or both");
        }
    }

    /** The whole model in bf16 on the CPU. */
    public static ModelOptions defaults() {
        return new ModelOptions(ComputeDType.BF16, "cpu", true, true, Quantization.NONE);
    }

    public ModelOptions withDtype(ComputeDType d) {
        return new ModelOptions(d, device, loadVision, loadLanguage, quantization);
    }

    public ModelOptions withDevice(String d) {
        return new ModelOptions(dtype, d, loadVision, loadLanguage, quantization);
    }

    /** Only the vision encoder and projector (what the parity CLI's {@code vision} command needs). */
    public ModelOptions visionOnly() {
        return new ModelOptions(dtype, device, true, false, quantization);
    }

    /** Only the decoder. */
    public ModelOptions languageOnly() {
        return new ModelOptions(dtype, device, false, true, quantization);
    }

    public ModelOptions withQuantization(Quantization q) {
        return new ModelOptions(dtype, device, loadVision, loadLanguage, q);
    }
}
