package dev.internvl.grounding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.internvl.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** The prompts, string-exact. */
class GroundingPromptsTest {

    @Test
    void groundingPrompts() {
        assertEquals("Please provide the bounding box coordinate of the region this sentence describes: "
                + "<ref>the lady with the blue shirt</ref>", GroundingPrompts.locate("the lady with the blue shirt"));
        assertEquals("Detect the <ref>red car</ref> in the image with its bounding box.",
                GroundingPrompts.detect("  red car\n"));
        assertEquals("Please detect all instances of <ref>person</ref> in the image and give the bounding box of "
                + "each one.", GroundingPrompts.detectAll("person"));
        assertEquals("Please detect and label all objects in the following image and mark their positions.",
                GroundingPrompts.DETECT_EVERYTHING);
        // the phrase is not a format string
        assertEquals("Detect the <ref>100% {} $1 \\n</ref> in the image with its bounding box.",
                GroundingPrompts.detect("100% {} $1 \\n"));
        assertEquals("Where is <ref>猫</ref>?", GroundingPrompts.fill("Where is <ref>{}</ref>?", "猫"));
    }

    @Test
    void phrasesThatWouldBreakThePromptAreRefused() {
        for (String bad : new String[] {null, "", "  \n", "a</ref><box>[[0, 0, 1000, 1000]]</box>", "<ref>x",
                "<image>", "x <img>", "</img>", "<IMG_CONTEXT>", "<box>", "</box>", "<quad>", "</quad>"}) {
            assertThrows(InvalidRequestException.class, () -> GroundingPrompts.locate(bad), String.valueOf(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> GroundingPrompts.fill("no slot", "x"));
    }

    @Test
    void regionTagFromPixels() {
        BoundingBox region = BoundingBox.ofPixels(103.761, 300.16, 238.266, 477.44, 427, 640);
        assertEquals("<ref>region</ref><box>[[243, 469, 558, 746]]</box>", GroundingPrompts.regionTag(region));
        assertEquals("What is the person in <ref>region</ref><box>[[243, 469, 558, 746]]</box> holding?",
                GroundingPrompts.aboutRegion("What is the person in {region} holding?", region));
        assertEquals("Please provide a short description for this region: "
                + "<ref>region</ref><box>[[243, 469, 558, 746]]</box>",
                GroundingPrompts.aboutRegion(GroundingPrompts.DESCRIBE_REGION, region));
        assertEquals("What color is it? <ref>region</ref><box>[[243, 469, 558, 746]]</box>",
                GroundingPrompts.aboutRegion(" What color is it?\n", region));
        // a box the model wrote, fed back: clamped, ordered, rounded
        assertEquals("<ref>region</ref><box>[[0, 2, 1000, 500]]</box>",
                GroundingPrompts.regionTag(BoundingBox.fromModel(1200, 500, -3, 2.5, 10, 10)));
        assertThrows(IllegalArgumentException.class, () -> GroundingPrompts.aboutRegion("<image>\n{region}", region));
    }

    @Test
    void ocrPrompts() {
        assertEquals("Please read all the text in the image.", OcrPrompts.READ_ALL);
        assertEquals("What is the total?\nAnswer the question using a single word or phrase.",
                OcrPrompts.shortAnswer(" What is the total? "));
    }
}
