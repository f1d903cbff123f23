package dev.internvl.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingParser;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import dev.internvl.spring.web.VisionService;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample page in headless Chromium (Debian's chromium driven by the npm package {@code playwright-core}):
 * upload an image, find phrases, see the boxes, read the text. The tiny random model's boxes are meaningless, so
 * this app runs with a {@link VisionService} that answers with fixed model text, read by the real parser; the real
 * grounding path is tested by the endpoint tests. The screenshot is left in {@code target/browser/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BrowserTest {

    static final Path SCREENSHOT = Path.of("target/browser/sample-page.png").toAbsolutePath();

    @TempDir
    static Path tmp;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("spring.ai.internvl.model.path", () -> TinyCheckpoint.path().toString());
        registry.add("spring.ai.internvl.max-tiles", () -> "1");
    }

    /** Fixed model answers: what a real checkpoint would write for these phrases, and for reading the text. */
    @TestConfiguration(proxyBeanMethods = false)
    static class FixedAnswers {
        static final List<String> CALLS = new CopyOnWriteArrayList<>();
        static final Map<String, String> ANSWERS = Map.of(
                "the red square", "<ref>the red square</ref><box>[[333, 250, 500, 500]]</box>",
                "the clouds", "<ref>the clouds</ref><box>[[60, 40, 250, 150], [620, 60, 860, 170]]</box>");
        static final String TEXT = "TOTAL 12.50\nThank you for visiting";

        @Bean
        VisionService fixedAnswers() {
            return new VisionService() {
                @Override
                public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                        ChatListener listener) {
                    CALLS.add("ground " + phrase + " all=" + all);
                    return GroundingParser.parse(ANSWERS.getOrDefault(phrase, "I cannot find it in the image."),
                            image.width(), image.height());
                }

                @Override
                public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles,
                        ChatListener listener) {
                    CALLS.add("ocr");
                    return OcrResult.of(TEXT);
                }
            };
        }
    }

    @LocalServerPort
    int port;

    /** A 640×480 picture: sky with two clouds, grass, a red square and a line of text. */
    static byte[] picture() throws IOException {
        BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(120, 180, 240), 0, 300, new Color(200, 230, 255)));
        g.fillRect(0, 0, 640, 300);
        g.setPaint(new GradientPaint(0, 300, new Color(90, 160, 80), 0, 480, new Color(50, 110, 50)));
        g.fillRect(0, 300, 640, 180);
        g.setColor(Color.WHITE);
        g.fillOval(38, 19, 122, 53);
        g.fillOval(397, 29, 153, 53);
        g.setColor(new Color(220, 40, 40));
        g.fillRect(213, 120, 107, 120);
        g.setColor(new Color(120, 20, 20));
        g.setStroke(new BasicStroke(3));
        g.drawRect(213, 120, 107, 120);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 34));
        g.drawString("TOTAL 12.50", 330, 420);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void aPersonFindsThingsAndReadsTextOnThePage() throws Exception {
        Node.requireChromium();
        Node.requirePackages();
        Path image = Files.write(tmp.resolve("scene.png"), picture());
        Path notImage = Files.writeString(tmp.resolve("notes.png"), "these are notes, not a picture");
        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);
        FixedAnswers.CALLS.clear();

        Node.Result r = Node.node("browser.mjs", Map.of("BASE_URL", "http://127.0.0.1:" + port + "/",
                "IMAGE", image.toString(), "NOT_IMAGE", notImage.toString(), "SCREENSHOT", SCREENSHOT.toString()),
                Duration.ofMinutes(2));
        assertThat(r.exitCode()).as(r.output()).isZero();
        List<String> lines = r.output().strip().lines().toList();
        JsonObject page = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();

        assertThat(page.get("model").getAsString()).isEqualTo("tiny-internvl");
        assertThat(FixedAnswers.CALLS).containsExactly("ground the red square all=true", "ground the clouds all=true",
                "ground a unicorn all=true", "ocr");
        JsonArray boxes = page.getAsJsonArray("boxes");
        assertThat(boxes).hasSize(3);
        // where each box is drawn, as a fraction of the displayed image: the model's 0-1000 numbers / 1000
        double[][] expected = {{0.333, 0.25, 0.167, 0.25}, {0.06, 0.04, 0.19, 0.11}, {0.62, 0.06, 0.24, 0.11}};
        String[] labels = {"the red square", "the clouds", "the clouds"};
        for (int i = 0; i < 3; i++) {
            JsonObject b = boxes.get(i).getAsJsonObject();
            assertThat(b.get("label").getAsString()).isEqualTo(labels[i]);
            assertThat(b.get("tag").getAsString()).isEqualTo(labels[i]);
            assertThat(b.get("left").getAsDouble()).as("left of box " + i).isCloseTo(expected[i][0], within(0.006));
            assertThat(b.get("top").getAsDouble()).as("top of box " + i).isCloseTo(expected[i][1], within(0.006));
            assertThat(b.get("width").getAsDouble()).as("width of box " + i).isCloseTo(expected[i][2], within(0.006));
            assertThat(b.get("height").getAsDouble()).as("height of box " + i).isCloseTo(expected[i][3],
                    within(0.006));
        }
        assertThat(page.getAsJsonArray("legend").toString()).contains("“a unicorn”: not found");
        assertThat(page.get("status").getAsString()).isEqualTo("Found 3 boxes.");
        assertThat(page.get("ocr").getAsString()).isEqualTo(FixedAnswers.TEXT);
        assertThat(page.get("error").getAsString()).contains("unsupported or unrecognized image format");
        assertThat(page.getAsJsonArray("consoleErrors").toString())
                .as("only the refused upload's 400 in the console").doesNotContain("TypeError", "ReferenceError");
        assertThat(SCREENSHOT).isNotEmptyFile();
    }
}
