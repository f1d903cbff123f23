package dev.internvl.cli;

import dev.internvl.grounding.GroundingParser;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code boxes}: parses a model answer into pixel boxes (reads no weights). */
@Command(name = "boxes", description = "Parse a model answer's <ref>label</ref><box>[[x1, y1, x2, y2]]</box> tags "
        + "(0-1000 coordinates) into pixel boxes of a W x H original image; prints "
        + "{\"refs\":[{\"label\",\"boxes\":[{\"x1\",\"y1\",\"x2\",\"y2\",\"raw\"}]}],\"raw\"}.")
final class BoxesCommand implements Callable<Integer> {

    @Option(names = "--width", description = "Width of the original image in pixels (required).")
    Integer width;

    @Option(names = "--height", description = "Height of the original image in pixels (required).")
    Integer height;

    @Option(names = "--max-boxes", defaultValue = "1000", description = "Read at most this many boxes.")
    int maxBoxes;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "The model's answer; - reads standard input.")
    String text;

    @Override
    public Integer call() throws Exception {
        if (width == null || height == null) {
            throw new IllegalArgumentException("--width and --height are required: the original image's size in "
                    + "pixels");
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("--width and --height must be positive, got " + width + "x" + height);
        }
        if (maxBoxes < 0) {
            throw new IllegalArgumentException("--max-boxes must be >= 0, got " + maxBoxes);
        }
        if (text == null) {
            throw new IllegalArgumentException("TEXT is required: the model's answer (- reads standard input)");
        }
        String answer = text.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : text;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(GroundingJson.toJson(GroundingJson.grounding(
                GroundingParser.parse(answer, width, height, maxBoxes))));
        return 0;
    }
}
