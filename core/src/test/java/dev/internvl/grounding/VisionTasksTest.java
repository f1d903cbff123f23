package dev.internvl.grounding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.image.RgbImage;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import dev.internvl.testing.TinyModel;
import dev.internvl.text.PythonStrings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service: the requests it builds, and a run on a tiny random checkpoint (meaningless text, real path). */
class VisionTasksTest {

    @TempDir
    static Path dir;

    static InternVL engine;

    static final VisionTaskOptions SHORT = VisionTaskOptions.defaults().withMaxTiles(2)
            .withGeneration(GenerationOptions.builder().maxNewTokens(10).build());

    @BeforeAll
    static void load() {
        TinyModel.write(dir);
        engine = InternVL.load(dir, EngineOptions.defaults().withModel(ModelOptions.defaults()
                .withDtype(ComputeDType.FP32)));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** A 300x200 picture: not square, so pixel boxes differ per axis. */
    static RgbImage picture() {
        int w = 300;
        int h = 200;
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 7 % 251);
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void groundingRequestsKeepSpecialTokensAndAreGreedy() {
        RgbImage img = picture();
        ChatRequest r = VisionTasks.groundingRequest(img, GroundingPrompts.locate("the red car"),
                VisionTaskOptions.defaults());
        assertEquals("Please provide the bounding box coordinate of the region this sentence describes: "
                + "<ref>the red car</ref>", r.question());
        assertEquals(List.of(img), r.images());
        assertFalse(r.generation().skipSpecialTokens());
        assertTrue(r.generation().greedy());
        assertEquals(null, r.maxTiles());
        // caller's options are kept, except that special tokens are always kept for grounding
        GenerationOptions sampled = GenerationOptions.builder().temperature(0.7).seed(3L).maxNewTokens(77).build();
        ChatRequest s = VisionTasks.groundingRequest(img, "q", new VisionTaskOptions(4, false, sampled));
        assertFalse(s.generation().skipSpecialTokens());
        assertEquals(0.7, s.generation().temperature());
        assertEquals(77, s.generation().maxNewTokens());
        assertEquals(4, s.maxTiles());
        assertEquals(false, s.thumbnail());
        // text tasks decode as chat() does
        ChatRequest ocr = VisionTasks.request(img, OcrPrompts.READ_ALL, null, true);
        assertTrue(ocr.generation().skipSpecialTokens());
        assertTrue(ocr.generation().greedy());
        assertThrows(IllegalArgumentException.class,
                () -> VisionTasks.groundingRequest(img, "<image>\nwhere?", VisionTaskOptions.defaults()));
    }

    @Test
    void groundRunsOnTheModelAndKeepsSpecialTokensInTheRawText() {
        RgbImage img = picture();
        GroundingResult g = VisionTasks.ground(engine, img, "the red car", SHORT);
        ChatAnswer same = engine.chat(VisionTasks.groundingRequest(img, GroundingPrompts.locate("the red car"), SHORT));
        assertEquals(same.text(), g.raw()); // greedy: the same answer
        assertEquals(PythonStrings.strip(engine.tokenizer().decode(same.tokenIds(), false)), g.raw());
        assertEquals(GroundingParser.parse(g.raw(), 300, 200), g);
        // special tokens survive that decoding, and are dropped by the default one
        long[] ids = engine.tokenizer().encode("<ref>cat</ref><box>[[1, 2, 3, 4]]</box>");
        assertEquals("<ref>cat</ref><box>[[1, 2, 3, 4]]</box>", engine.tokenizer().decode(ids, false));
        assertEquals("cat[[1, 2, 3, 4]]", engine.tokenizer().decode(ids, true));
    }

    @Test
    void otherTasksRunToo() {
        RgbImage img = picture();
        OcrResult o = VisionTasks.ocr(engine, img, SHORT);
        assertEquals(OcrResult.of(o.raw()), o);
        assertSame(o.keyValues().getClass(), OcrResult.of("a: b").keyValues().getClass());
        assertEquals(GroundingParser.parse(VisionTasks.detectAll(engine, img, "car", SHORT).raw(), 300, 200),
                VisionTasks.detectAll(engine, img, "car", SHORT));
        String answer = VisionTasks.askAboutRegion(engine, img, GroundingPrompts.DESCRIBE_REGION,
                BoundingBox.ofPixels(30, 20, 150, 100, img.width(), img.height()), SHORT);
        ChatAnswer same = engine.chat(ChatRequest.builder("Please provide a short description for this region: "
                + "<ref>region</ref><box>[[100, 100, 500, 500]]</box>").image(img).maxTiles(2)
                .generation(SHORT.generation()).build());
        assertEquals(same.text(), answer);
        assertThrows(IllegalArgumentException.class, () -> VisionTasks.ground(engine, img, " ", SHORT));
    }
}
