package dev.internvl.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.ImagePreprocessor;
import dev.internvl.image.PreprocessOptions;
import dev.internvl.image.PreprocessedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code preprocess}: an image to InternVL tiles, raw and normalized. */
@Command(name = "preprocess", description = "Tile and normalize an image as the reference does; writes tiles.json, "
        + "tile-K.rgb (448x448x3 uint8, thumbnail last) and pixel_values.npy [N,3,448,448].")
final class PreprocessCommand implements Callable<Integer> {

    @Option(names = "--image", required = true, description = "JPEG, PNG, BMP, GIF or WebP file.")
    Path image;

    @Option(names = "--min-tiles", defaultValue = "1", description = "Minimum tiles (default 1).")
    int minTiles;

    @Option(names = "--max-tiles", defaultValue = "12", description = "Maximum tiles, 1..40 (default 12).")
    int maxTiles;

    @Option(names = "--no-thumbnail", description = "Do not append the thumbnail tile.")
    boolean noThumbnail;

    @Option(names = "--out", required = true, description = "Output folder (created).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PreprocessOptions options = new PreprocessOptions(448, minTiles, maxTiles, !noThumbnail);
        PreprocessedImage p = new ImagePreprocessor(options).preprocess(ImageDecoder.decode(image));
        Files.createDirectories(out);
        JsonObject meta = new JsonObject();
        JsonArray grid = new JsonArray();
        grid.add(p.grid().cols());
        grid.add(p.grid().rows());
        meta.add("grid", grid);
        meta.addProperty("tiles", p.numTiles());
        Files.writeString(out.resolve("tiles.json"), meta + "\n", StandardCharsets.UTF_8);
        for (int k = 0; k < p.numTiles(); k++) {
            Files.write(out.resolve("tile-" + k + ".rgb"), p.tiles().get(k).rgb());
        }
        Npy.write(out.resolve("pixel_values.npy"), p.pixelValues(), p.shape());
        return 0;
    }
}
