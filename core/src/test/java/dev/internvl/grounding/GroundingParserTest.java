package dev.internvl.grounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser on answers in the formats InternVL writes (taken from the official data-format documentation,
 * evaluation code and public fine-tuning data) and on adversarial text.
 */
class GroundingParserTest {

    static final double EPS = 1e-9;

    /** Labels and raw numbers of every box, as "label:[a, b, c, d]" strings, for compact assertions. */
    static List<String> summary(GroundingResult r) {
        return r.refs().stream().flatMap(ref -> ref.boxes().stream().map(b -> ref.label() + ":"
                + fmt(b.rawX1()) + "," + fmt(b.rawY1()) + "," + fmt(b.rawX2()) + "," + fmt(b.rawY2()))).toList();
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static void assertBox(BoundingBox b, double x1, double y1, double x2, double y2) {
        assertArrayEquals(new double[] {x1, y1, x2, y2}, new double[] {b.x1(), b.y1(), b.x2(), b.y2()}, EPS,
                b.toString());
    }

    static void assertEmpty(String text) {
        GroundingResult r = GroundingParser.parse(text, 640, 480);
        assertTrue(r.isEmpty(), () -> "expected no boxes in " + text + ", got " + summary(r));
        assertSame(text, r.raw());
    }

    // ---- real formats ----

    @Test
    void refcocoAnswerInPixelsOfTheOriginalImage() {
        // RefCOCO training sample of the official data-format docs: a 427x640 image.
        String text = "<ref>the lady with the blue shirt</ref><box>[[243, 469, 558, 746]]</box>";
        GroundingResult r = GroundingParser.parse(text, 427, 640);
        assertEquals(1, r.refs().size());
        GroundedRef ref = r.refs().get(0);
        assertEquals("the lady with the blue shirt", ref.label());
        assertEquals(1, ref.boxes().size());
        BoundingBox b = ref.boxes().get(0);
        assertArrayEquals(new double[] {243, 469, 558, 746}, b.raw());
        // raw / 1000 * W, computed in the same order as the reference demo (float(x) / 1000 * width)
        assertBox(b, 243 / 1000.0 * 427, 469 / 1000.0 * 640, 558 / 1000.0 * 427, 746 / 1000.0 * 640);
        assertEquals(103.761, b.x1(), 1e-12);
        assertEquals(477.44, b.y2(), 1e-12);
        assertEquals(text, r.raw());
    }

    @Test
    void detectionAnswerWithManyRefsAFenceAndRefsWithTwoBoxes() {
        // V3Det sample of the official data-format docs (an 800x800 image), with the code fence it carries.
        String text = "Sure, I will detect and label all objects in the image and mark their positions.\n\n```\n"
                + "<ref>Bulletproof Helmet</ref><box>[[1, 2, 269, 235]]</box>\n"
                + "<ref>Bulletproof Clothing</ref><box>[[650, 619, 990, 993]]</box>\n"
                + "<ref>Gun Model</ref><box>[[32, 231, 977, 662]]</box>\n"
                + "<ref>screw</ref><box>[[754, 376, 851, 429]]</box>\n"
                + "<ref>handcuff</ref><box>[[698, 228, 931, 386]]</box>\n"
                + "<ref>95 Type Assault Rifle</ref><box>[[39, 229, 983, 667]]</box>\n"
                + "<ref>shield</ref><box>[[30, 597, 273, 993]]</box>\n"
                + "<ref>telescope</ref><box>[[666, 38, 890, 217]]</box>\n"
                + "<ref>Wireless Walkie-Talkie</ref><box>[[295, 2, 370, 226], [374, 0, 447, 226]]</box>\n"
                + "<ref>bomb</ref><box>[[473, 61, 552, 181], [569, 61, 648, 183]]</box>\n"
                + "<ref>weapon</ref><box>[[302, 617, 342, 993]]</box>\n"
                + "<ref>vessel</ref><box>[[355, 653, 644, 991]]</box>\n"
                + "<ref>artifact</ref><box>[[915, 0, 981, 294]]</box>\n```\n";
        GroundingResult r = GroundingParser.parse(text, 800, 800);
        assertEquals(13, r.refs().size());
        assertEquals(15, r.boxes().size());
        assertEquals(List.of("Bulletproof Helmet", "Bulletproof Clothing", "Gun Model", "screw", "handcuff",
                "95 Type Assault Rifle", "shield", "telescope", "Wireless Walkie-Talkie", "bomb", "weapon", "vessel",
                "artifact"), r.refs().stream().map(GroundedRef::label).toList());
        List<BoundingBox> walkie = r.boxesFor("Wireless Walkie-Talkie");
        assertEquals(2, walkie.size());
        assertBox(walkie.get(0), 236, 1.6, 296, 180.8);
        assertBox(walkie.get(1), 299.2, 0, 357.6, 180.8);
        assertBox(r.boxesFor("artifact").get(0), 732, 0, 784.8, 235.2);
    }

    @Test
    void severalBoxesWithoutSpaces() {
        // A fine-tuning sample in the InternVL format: four circles on a 630x640 flowchart.
        String text = "<ref>circle</ref><box>[[278,24,354,100],[515,10,611,106],[174,299,228,353],[407,415,489,497]]"
                + "</box>";
        GroundingResult r = GroundingParser.parse(text, 630, 640);
        assertEquals(List.of("circle:278,24,354,100", "circle:515,10,611,106", "circle:174,299,228,353",
                "circle:407,415,489,497"), summary(r));
        assertEquals(1, r.refs().size());
    }

    @Test
    void sceneGraphCaptionWithTextBetweenTagsAndBoxesWithoutRefs() {
        // A grounded scene-graph caption: boxes after <pred>...</pred> belong to no <ref>.
        String text = "In the image, a tall red <ref>bus</ref><box>[[290, 202, 835, 851]]</box> is "
                + "<pred>driving on</pred><box>[[290, 202, 835, 851]]</box><box>[[0, 604, 984, 999]]</box> a "
                + "<ref>road</ref><box>[[0, 604, 984, 999]]</box> through a busy intersection. The bus is surrounded "
                + "by various <ref>cars</ref><box>[[827, 590, 885, 682], [1, 604, 238, 804]]</box>.";
        GroundingResult r = GroundingParser.parse(text, 1000, 1000);
        assertEquals(List.of("bus:290,202,835,851", "null:290,202,835,851", "null:0,604,984,999",
                "road:0,604,984,999", "cars:827,590,885,682", "cars:1,604,238,804"), summary(r));
        assertEquals(4, r.refs().size()); // the two unlabelled boxes are one group: only whitespace between them
        assertEquals(2, r.boxesFor(null).size());
    }

    @Test
    void chineseLabelsAndUnicode() {
        String text = "图中有<ref>红色的汽车</ref><box>[[12, 40, 300, 388]]</box>和两个<ref>行人</ref>"
                + "<box>[[500, 100, 560, 400], [600, 110, 650, 420]]</box>。"
                + "<ref>🐱 猫 (ねこ) مرحبا</ref><box>[[1, 2, 3, 4]]</box>";
        GroundingResult r = GroundingParser.parse(text, 1000, 500);
        assertEquals(List.of("红色的汽车:12,40,300,388", "行人:500,100,560,400", "行人:600,110,650,420",
                "🐱 猫 (ねこ) مرحبا:1,2,3,4"), summary(r));
        assertBox(r.boxesFor("行人").get(1), 600, 55, 650, 210);
    }

    @Test
    void spacesNewlinesDecimalsAndSingleBrackets() {
        String text = "<ref>  a cat \n</ref>\n <box>\n[[ 10 ,20,\n\t30 , 40 ]]\n</box>"
                + "<ref>dog</ref><box>[[10.5, 20.25, 30., .5]]</box>"
                + "<ref>bird</ref><box>[100, 200, 300, 400]</box>"
                + "<ref>fish</ref><box>[[1, 2, 3, 4,]]</box>"
                + "<ref>cow</ref><box>[[+1, 2, 3, 4]]\u00a0</box>";
        GroundingResult r = GroundingParser.parse(text);
        assertEquals(List.of("a cat:10,20,30,40", "dog:10.5,20.25,30,0.5", "bird:100,200,300,400", "fish:1,2,3,4",
                "cow:1,2,3,4"), summary(r));
    }

    @Test
    void consecutiveBoxesContinueTheirRefAndRepeatedLabelsStaySeparate() {
        String text = "<ref>cup</ref><box>[[1, 1, 2, 2]]</box>\n<box>[[3, 3, 4, 4]]</box> and "
                + "<ref>cup</ref><box>[[5, 5, 6, 6]]</box>";
        GroundingResult r = GroundingParser.parse(text);
        assertEquals(2, r.refs().size());
        assertEquals(2, r.refs().get(0).boxes().size());
        assertEquals(3, r.boxesFor("cup").size());
    }

    @Test
    void boxesWithoutARef() {
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("<box>[[1, 2, 3, 4]]</box>")));
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("<ref></ref><box>[[1, 2, 3, 4]]</box>")));
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("<ref> \n</ref><box>[[1,2,3,4]]</box>")));
        // text between </ref> and <box> detaches the box from the phrase
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("<ref>cat</ref> is at <box>[[1,2,3,4]]</box>")));
        // a <ref> without a box is a mention, not a grounded phrase
        assertTrue(GroundingParser.parse("I cannot find <ref>the unicorn</ref> in the image.").isEmpty());
    }

    @Test
    void outputDecodedWithSpecialTokensSkippedStillGivesBoxes() {
        // chat() with skip_special_tokens=True turns "<ref>x</ref><box>[[..]]</box>" into "x[[..]]", as the
        // official RefCOCO evaluation reads it.
        GroundingResult r = GroundingParser.parse("the lady with the blue shirt[[243, 469, 558, 746]]", 427, 640);
        assertEquals(List.of("null:243,469,558,746"), summary(r));
        assertEquals(List.of("null:1,2,3,4", "null:5,6,7,8"),
                summary(GroundingParser.parse("boxes: [[1, 2, 3, 4], [5, 6, 7, 8]] done")));
        assertEquals(List.of("x:1,2,3,4"), summary(GroundingParser.parse("<ref>x</ref> [[1,2,3,4]]")));
        // once the text has <box> tags, bare lists are just text
        assertEquals(List.of("null:1,2,3,4"),
                summary(GroundingParser.parse("<box>[[1,2,3,4]]</box> and [[5, 6, 7, 8]]")));
        // prose in double brackets is not a box, and what follows is still read
        assertEquals(List.of("null:5,6,7,8"), summary(GroundingParser.parse("see [[wiki link]] then [[5,6,7,8]]")));
    }

    @Test
    void specialTokensAroundTheAnswerAreJustText() {
        GroundingResult r = GroundingParser.parse("<|im_start|>assistant\n<ref>cat</ref><box>[[1,2,3,4]]</box>"
                + "<|im_end|><|endoftext|><quad>junk</quad><img></img><IMG_CONTEXT>");
        assertEquals(List.of("cat:1,2,3,4"), summary(r));
    }

    // ---- truncation ----

    @Test
    void truncatedOutputKeepsCompleteBoxesOnly() {
        assertEquals(List.of("a:1,2,3,4"),
                summary(GroundingParser.parse("<ref>a</ref><box>[[1,2,3,4]]</box><ref>b</ref><box>[[5,6,7")));
        assertEquals(List.of("a:1,2,3,4"), summary(GroundingParser.parse("<ref>a</ref><box>[[1,2,3,4], [5, 6, 7, 8")));
        assertEquals(List.of("a:1,2,3,4"), summary(GroundingParser.parse("<ref>a</ref><box>[[1,2,3,4]]")));
        assertEquals(List.of("a:1,2,3,4"), summary(GroundingParser.parse("<ref>a</ref><box>[[1,2,3,4]")));
        for (String t : new String[] {"<ref>a", "<ref>a</ref>", "<ref>a</ref><box>", "<ref>a</ref><box>[[",
                "<ref>a</ref><box>[[1, 2, 3, 4", "<ref>a</ref><box>[[1, 2, 3, 40", "<ref>a</ref><box>[[1, 2, 3,",
                "[[1, 2, 3, 4", "x [[1, 2"}) {
            assertEmpty(t);
        }
        // every prefix of a real answer parses without error, and boxes only appear when complete
        String full = "<ref>Wireless Walkie-Talkie</ref><box>[[295, 2, 370, 226], [374, 0, 447, 226]]</box>";
        for (int i = 0; i <= full.length(); i++) {
            String prefix = full.substring(0, i);
            int boxes = GroundingParser.parse(prefix, 800, 800).boxes().size();
            int expected = i >= full.indexOf("226]") + 4 ? (i >= full.lastIndexOf("226]") + 4 ? 2 : 1) : 0;
            assertEquals(expected, boxes, prefix);
        }
    }

    // ---- coordinates ----

    @Test
    void coordinatesAreClampedAndOrderedOnNonSquareImages() {
        GroundingResult r = GroundingParser.parse("<ref>a</ref><box>[[100, 200, 500, 900]]</box>"
                + "<ref>inverted</ref><box>[[800, 900, 100, 50]]</box>"
                + "<ref>outside</ref><box>[[-50, 20, 1200, 999999]]</box>"
                + "<ref>huge</ref><box>[[1" + "0".repeat(30) + ", -0, 0.0, 1000.0]]</box>", 1920, 1080);
        assertBox(r.boxesFor("a").get(0), 192, 216, 960, 972);
        BoundingBox inv = r.boxesFor("inverted").get(0);
        assertBox(inv, 192, 54, 1536, 972);
        assertArrayEquals(new double[] {800, 900, 100, 50}, inv.raw()); // raw stays as written
        assertArrayEquals(new int[] {100, 50, 800, 900}, inv.normalized());
        BoundingBox out = r.boxesFor("outside").get(0);
        assertBox(out, 0, 21.6, 1920, 1080);
        assertArrayEquals(new double[] {-50, 20, 1200, 999999}, out.raw());
        assertArrayEquals(new int[] {0, 20, 1000, 1000}, out.normalized());
        assertBox(r.boxesFor("huge").get(0), 0, 0, 1920, 1080);
        // the same answer in a portrait image
        assertBox(GroundingParser.parse("<box>[[100, 200, 500, 900]]</box>", 480, 640).boxes().get(0),
                48, 128, 240, 576);
        // a 1x1 image and a very wide one
        assertBox(GroundingParser.parse("<box>[[0, 0, 1000, 1000]]</box>", 1, 1).boxes().get(0), 0, 0, 1, 1);
        assertBox(GroundingParser.parse("<box>[[250, 500, 750, 1000]]</box>", 100_000, 2).boxes().get(0),
                25_000, 1, 75_000, 2);
    }

    @Test
    void aBadSizeIsTheCallersErrorButNeverTheTexts() {
        assertThrows(IllegalArgumentException.class, () -> GroundingParser.parse("x", 0, 10));
        assertThrows(IllegalArgumentException.class, () -> GroundingParser.parse("x", 10, -1));
        assertThrows(IllegalArgumentException.class, () -> GroundingParser.parse("x", 10, 10, -1));
        GroundingResult r = GroundingParser.parse(null, 10, 10);
        assertTrue(r.isEmpty());
        assertEquals("", r.raw());
    }

    // ---- invalid boxes ----

    @Test
    void numbersThatAreNotPlainDecimalsInvalidateTheirBox() {
        for (String box : new String[] {"NaN, 1, 2, 3", "nan, 1, 2, 3", "inf, 1, 2, 3", "-Infinity, 1, 2, 3",
                "1e3, 1, 2, 3", "1E3, 1, 2, 3", "0x10, 1, 2, 3", "1/2, 1, 2, 3", "1.2.3, 1, 2, 3", "--1, 1, 2, 3",
                "1-2, 1, 2, 3", "-, 1, 2, 3", "., 1, 2, 3", "__import__('os').system('rm -rf /'), 1, 2, 3",
                "None, 1, 2, 3", "1_000, 1, 2, 3", "１, 2, 3, 4", "1 2, 3, 4, 5", "1,, 2, 3, 4", ", 1, 2, 3, 4",
                "'1', 2, 3, 4", "(1), 2, 3, 4", "1" + "0".repeat(40) + ", 1, 2, 3"}) {
            assertEmpty("<ref>x</ref><box>[[" + box + "]]</box>");
        }
    }

    @Test
    void onlyGroupsOfExactlyFourNumbersAreBoxes() {
        assertEmpty("<ref>x</ref><box>[[1, 2, 3]]</box>");
        assertEmpty("<ref>x</ref><box>[[1, 2, 3, 4, 5]]</box>");
        assertEmpty("<ref>x</ref><box>[[]]</box>");
        assertEmpty("<ref>x</ref><box>[]</box>");
        assertEmpty("<ref>x</ref><box>null</box>");
        assertEmpty("<ref>x</ref><box></box>");
        assertEquals(List.of("x:10,20,30,40"), summary(GroundingParser.parse(
                "<ref>x</ref><box>[[1, 2, 3], [10, 20, 30, 40], [1, 2, 3, 4, 5], [NaN, 1, 2, 3]]</box>")));
        // a bad group does not spoil the next one
        assertEquals(List.of("x:5,6,7,8"), summary(GroundingParser.parse("<ref>x</ref><box>[[a, b], [5, 6, 7, 8]]</box>")));
    }

    // ---- unbalanced, nested and noisy tags ----

    @Test
    void nestedAndUnbalancedTags() {
        assertEquals(List.of("cat:1,2,3,4"),
                summary(GroundingParser.parse("<ref><ref>cat</ref><box>[[1,2,3,4]]</box>")));
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("<ref>cat<box>[[1,2,3,4]]</box>")));
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("<box><box>[[1,2,3,4]]</box></box>")));
        assertEquals(List.of("null:1,2,3,4"), summary(GroundingParser.parse("</box></ref><box>[[1,2,3,4]]</box>")));
        assertEquals(List.of("null:1,2,3,4"),
                summary(GroundingParser.parse("<ref>a</ref></ref><box>[[1,2,3,4]]</box>")));
        assertEquals(List.of("b:5,6,7,8"),
                summary(GroundingParser.parse("<box>[[1,2,<ref>b</ref><box>[[5,6,7,8]]</box>")));
        assertEquals(List.of("a:1,2,3,4", "a:5,6,7,8"),
                summary(GroundingParser.parse("<ref>a</ref><box>[[1,2,3,4]]<box>[[5,6,7,8]]</box>")));
        assertEmpty("<ref>a</box><box>[[1,2</ref>3,4]]</box>");
        assertEmpty("</ref></box></ref></box>");
        assertEmpty("<ref><box></ref></box>");
    }

    @Test
    void htmlLikeNoiseIsText() {
        GroundingResult r = GroundingParser.parse("<div class=\"x\"><ref>a <b>bold</b> cat</ref><box>[[1,2,3,4]]</box>"
                + "</div><br/><script>alert('<box>')</script><BOX>[[5,6,7,8]]</BOX><box >[[9,9,9,9]]</box >"
                + "&lt;ref&gt;x&lt;/ref&gt;<refx><box>[[10, 20, 30, 40]]</box>");
        assertEquals(List.of("a <b>bold</b> cat:1,2,3,4", "null:10,20,30,40"), summary(r));
    }

    @Test
    void garbageGivesAnEmptyResultWithTheText() {
        for (String t : new String[] {"", " ", "\n\n", "hello", "<", "<<<>>>", "<ref", "</", "<box", "[[", "]]",
                "[[[[[]]]]]", "\u0000\u0001\uffff", "\ud800", "\udc00<box>", "<box>\ud83d</box>",
                "<ref>\u0000</ref><box>[[\u0000]]</box>", "{\"x1\": 1, \"y1\": 2}", "(1, 2), (3, 4)"}) {
            assertEmpty(t);
        }
    }

    // ---- bounded work ----

    @Test
    void megabytesOfRepeatedTagsFinishFast() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertEmpty("<box>".repeat(1_000_000));
            assertEmpty("<ref>".repeat(1_000_000) + "</ref>");
            assertEmpty("<box>[[".repeat(500_000));
            assertEmpty("[[".repeat(2_000_000));
            assertEmpty("<box>" + "[".repeat(3_000_000));
            assertEmpty("<ref>a</ref><box>[[" + "1, ".repeat(1_000_000) + "]]</box>");
            assertEmpty("<ref>a</ref><box>[[" + "9".repeat(2_000_000) + ", 1, 2, 3]]</box>");
            assertEmpty("<ref>" + "x".repeat(3_000_000));
            assertEmpty("<".repeat(3_000_000));
            assertEmpty("<box>[[1, 2, 3".repeat(300_000));
            assertEmpty("<ref>a</ref>".repeat(300_000));
            String many = "<ref>a</ref><box>[[1, 2, 3, 4]]</box>".repeat(200_000);
            GroundingResult r = GroundingParser.parse(many, 640, 480);
            assertEquals(GroundingParser.DEFAULT_MAX_BOXES, r.boxes().size());
            assertEquals(GroundingParser.DEFAULT_MAX_BOXES, GroundingParser.parse(
                    "[[1, 2, 3, 4]]".repeat(500_000)).boxes().size());
            assertEquals(GroundingParser.DEFAULT_MAX_BOXES, GroundingParser.parse(
                    "<box>[" + "[1, 2, 3, 4],".repeat(500_000) + "]</box>").boxes().size());
        });
    }

    @Test
    void theBoxCapCanBeChosen() {
        String text = "<ref>a</ref><box>[[1,1,2,2],[3,3,4,4]]</box><ref>b</ref><box>[[5,5,6,6]]</box>";
        assertEquals(List.of("a:1,1,2,2", "a:3,3,4,4"), summary(GroundingParser.parse(text, 10, 10, 2)));
        assertTrue(GroundingParser.parse(text, 10, 10, 0).isEmpty());
        assertEquals(3, GroundingParser.parse(text, 10, 10, 3).boxes().size());
    }

    @Test
    void randomTextNeverBreaksTheInvariants() {
        String[] parts = {"<ref>", "</ref>", "<box>", "</box>", "[[", "]]", "[", "]", ",", ", ", " ", "\n", "1", "23",
                "456", "1000", "-7", "3.5", ".", "e", "NaN", "cat", "猫", "<", ">", "/", "<b>", "\ud83d\udc31"};
        Random rnd = new Random(7);
        for (int t = 0; t < 20_000; t++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(40);
            for (int k = 0; k < len; k++) {
                sb.append(parts[rnd.nextInt(parts.length)]);
            }
            String text = sb.toString();
            int w = 1 + rnd.nextInt(3000);
            int h = 1 + rnd.nextInt(3000);
            GroundingResult r = GroundingParser.parse(text, w, h, 5);
            assertSame(text, r.raw());
            assertTrue(r.boxes().size() <= 5);
            for (GroundedRef ref : r.refs()) {
                assertTrue(!ref.boxes().isEmpty());
                assertTrue(ref.label() == null || (!ref.label().isBlank() && ref.label().equals(ref.label().strip())));
                for (BoundingBox b : ref.boxes()) {
                    assertTrue(0 <= b.x1() && b.x1() <= b.x2() && b.x2() <= w, text);
                    assertTrue(0 <= b.y1() && b.y1() <= b.y2() && b.y2() <= h, text);
                }
            }
        }
    }

    @Test
    void numberGrammar() {
        assertEquals(12.5, GroundingParser.parseNumber("x12.5y", 1, 5));
        assertEquals(-3, GroundingParser.parseNumber("-3", 0, 2));
        assertEquals(0.5, GroundingParser.parseNumber(".5", 0, 2));
        assertEquals(7, GroundingParser.parseNumber("7.", 0, 2));
        for (String bad : new String[] {"", "-", "+", ".", "-.", "1e5", "1.2.3", "--1", "1-", "0x1", "NaN"}) {
            assertTrue(Double.isNaN(GroundingParser.parseNumber(bad, 0, bad.length())), bad);
        }
        assertNull(GroundingParser.parse("<box>[[1,2,3,4]]</box>").refs().get(0).label());
    }
}
