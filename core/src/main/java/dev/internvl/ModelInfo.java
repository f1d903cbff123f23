package dev.internvl;

import java.nio.file.Path;

/**
 * What an engine has loaded ({@link InternVL#info()}).
 *
 * @param dir                the checkpoint folder
 * @param architecture       the decoder family, e.g. {@code Qwen2ForCausalLM}
 * @param dtype              the compute dtype: {@code bf16}, {@code fp16} or {@code fp32}
 * @param device             where the model runs ({@code cpu}, {@code cuda:0}, ...)
 * @param devices            the devices the decoder's layers are spread over (one unless a device map is set)
 * @param quantization       the decoder's weight-only quantization, {@code none}, {@code int8} or {@code int4/g<N>}
 * @param template           the conversation template's name
 * @param systemMessage      the system message prompts carry (the checkpoint's or the one configured)
 * @param imageSize          the tile size in pixels
 * @param minTiles           the fewest tiles an image is cut into
 * @param maxTiles           the most tiles an image is cut into (the thumbnail not counted)
 * @param thumbnail          whether a thumbnail tile is added to a tiled image
 * @param imageTokensPerTile decoder positions each tile takes
 * @param contextLength      the most positions a prompt and its answer may take together
 * @param packedWeights      whether the decoder's matrices are packed into oneDNN's layout (bf16 on a CPU with
 *                           AVX-512, see {@code ModelOptions.packedWeights})
 */
public record ModelInfo(Path dir, String architecture, String dtype, String device, java.util.List<String> devices,
        String quantization, String template, String systemMessage, int imageSize, int minTiles, int maxTiles,
        boolean thumbnail, int imageTokensPerTile, int contextLength, boolean packedWeights) {
}
