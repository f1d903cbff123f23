package dev.internvl.spring.ai.tools;

import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundingParser;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A {@link VisionBackend} whose "model" answers with fixed text: the tools' own parsing (the real
 * {@link GroundingParser} and {@link OcrResult#of}) then runs on it, so typed results can be checked exactly.
 * Records every call.
 */
final class ScriptedBackend implements VisionBackend {

    /** One call: the task, the image it saw, the phrase or question, and the region for region questions. */
    record Call(String task, RgbImage image, String text, BoundingBox region) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Function<Call, String> answers;

    ScriptedBackend(String answer) {
        this(call -> answer);
    }

    ScriptedBackend(Function<Call, String> answers) {
        this.answers = answers;
    }

    void answer(String text) {
        answers = call -> text;
    }

    private String run(String task, RgbImage image, String text, BoundingBox region) {
        Call call = new Call(task, image, text, region);
        calls.add(call);
        return answers.apply(call);
    }

    @Override
    public GroundingResult locate(RgbImage image, String phrase) {
        return GroundingParser.parse(run("locate", image, phrase, null), image.width(), image.height());
    }

    @Override
    public GroundingResult detectAll(RgbImage image, String category) {
        return GroundingParser.parse(run("detectAll", image, category, null), image.width(), image.height());
    }

    @Override
    public OcrResult readText(RgbImage image) {
        return OcrResult.of(run("readText", image, null, null));
    }

    @Override
    public OcrResult readKeyValues(RgbImage image) {
        return OcrResult.of(run("readKeyValues", image, null, null));
    }

    @Override
    public String ask(RgbImage image, String question) {
        return run("ask", image, question, null);
    }

    @Override
    public String askAboutRegion(RgbImage image, String question, BoundingBox region) {
        return run("askAboutRegion", image, question, region);
    }
}
