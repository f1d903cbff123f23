package dev.internvl.cli;

import com.google.gson.JsonObject;
import dev.internvl.InternVL;
import dev.internvl.grounding.OcrPrompts;
import dev.internvl.grounding.OcrResult;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.RgbImage;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ocr}: reads the text of an image. */
@Command(name = "ocr", description = "Read the text in an image; prints {\"text\",\"lines\",\"raw\"} "
        + "(with --key-values, also \"fields\").")
final class OcrCommand implements Callable<Integer> {

    @Mixin
    VisionTaskArgs args;

    @Option(names = "--key-values", description = "Ask for key: value lines and add them as \"fields\".")
    boolean keyValues;

    @Option(names = "--question", description = "Ask this instead of the default reading prompt.")
    String question;

    @Override
    public Integer call() throws Exception {
        args.requireModelAndImage();
        if (question != null && question.isBlank()) {
            throw new IllegalArgumentException("--question is empty");
        }
        RgbImage image = args.decodeImage();
        String q = question != null ? question : keyValues ? OcrPrompts.KEY_VALUES : OcrPrompts.READ_ALL;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InternVL engine = InternVL.load(args.model.dir(), args.engineOptions())) {
            OcrResult r = VisionTasks.ocrWith(engine, image, q, args.taskOptions());
            out.println(GroundingJson.toJson(GroundingJson.ocr(new JsonObject(), r, keyValues)));
        }
        return 0;
    }
}
