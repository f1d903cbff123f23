package dev.internvl.cli;

import dev.internvl.InternVL;
import dev.internvl.grounding.GroundingPrompts;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.RgbImage;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ground}: asks the model where a phrase is and prints the boxes. */
@Command(name = "ground", description = "Locate what a phrase describes; prints the same JSON as 'boxes', in pixels "
        + "of the image.")
final class GroundCommand implements Callable<Integer> {

    @Mixin
    VisionTaskArgs args;

    @Option(names = "--ref", description = "The phrase to locate (required).")
    String ref;

    @Option(names = "--all", description = "Ask for every instance of the phrase, not one region.")
    boolean all;

    @Override
    public Integer call() throws Exception {
        args.requireModelAndImage();
        if (ref == null || ref.isBlank()) {
            throw new IllegalArgumentException("--ref is required: the phrase to locate");
        }
        // built first: a phrase that would break the prompt is refused before any work
        String prompt = all ? GroundingPrompts.detectAll(ref) : GroundingPrompts.locate(ref);
        RgbImage image = args.decodeImage();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InternVL engine = InternVL.load(args.model.dir(), args.engineOptions())) {
            GroundingResult r = VisionTasks.groundWith(engine, image, prompt, args.taskOptions());
            out.println(GroundingJson.toJson(GroundingJson.grounding(r)));
        }
        return 0;
    }
}
