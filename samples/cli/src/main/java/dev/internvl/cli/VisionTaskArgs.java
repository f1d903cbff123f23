package dev.internvl.cli;

import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that {@code ground} and {@code ocr} share with {@code chat}. Required ones are checked by the
 * commands themselves, so that a missing one gives the CLI's one-line error.
 */
final class VisionTaskArgs {

    @Option(names = "--model", description = "Checkpoint folder, or Hugging Face model id (org/name[@revision]) "
            + "downloaded into the Hugging Face cache (required).")
    ModelLocation model;

    @Option(names = "--image", description = "Image file (required). Boxes are in pixels of this image.")
    Path image;

    @Option(names = "--max-new-tokens", defaultValue = "1024", description = "Upper bound on the answer's tokens.")
    int maxNewTokens;

    @Option(names = "--max-tiles", description = "Maximum tiles per image (default: config.json's).")
    Integer maxTiles;

    @Option(names = "--dtype", defaultValue = "bf16", description = "Compute dtype: bf16, fp16, fp32.")
    String dtype;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N.")
    String device;

    void requireModelAndImage() {
        if (model == null) {
            throw new IllegalArgumentException("--model is required: the checkpoint folder or model id");
        }
        if (image == null) {
            throw new IllegalArgumentException("--image is required: the image file");
        }
    }

    RgbImage decodeImage() {
        return ImageDecoder.decode(image);
    }

    EngineOptions engineOptions() {
        return EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.parse(dtype)).withDevice(device));
    }

    /** Greedy decoding of up to {@code --max-new-tokens}. */
    VisionTaskOptions taskOptions() {
        return VisionTaskOptions.defaults().withMaxTiles(maxTiles)
                .withGeneration(GenerationOptions.builder().maxNewTokens(maxNewTokens).build());
    }
}
