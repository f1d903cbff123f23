package dev.internvl.spring.ai.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundingParser;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.tool.ToolCallback;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every built-in tool on the engine: a tiny random-weight checkpoint with the real tokenizer. The answers are
 * meaningless (random weights), so this checks the path: the tools answer what {@link VisionTasks} answers with the
 * same options (greedy decoding is deterministic), their results are well-formed, and boxes parsed from whatever
 * the model wrote lie inside the image.
 */
class VisionToolsTinyModelTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    static InternVL engine;
    static VisionTaskOptions options;
    static ImageStore store;
    static InternVLToolCallbackProvider tools;
    static RgbImage picture;
    static String id;

    @BeforeAll
    static void load() {
        engine = InternVL.load(TinyModel.write(dir.resolve("tiny-internvl")));
        options = VisionTaskOptions.defaults().withMaxTiles(1)
                .withGeneration(GenerationOptions.builder().maxNewTokens(12).build());
        store = new ImageStore();
        tools = InternVLToolCallbackProvider.builder(new InternVLVisionBackend(engine, options), store).build();
        picture = ImageDecoder.decode(TinyModel.png(96, 64, 3), "picture");
        id = store.put(picture).id();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static JsonNode call(String name, String arguments) {
        for (ToolCallback c : tools.getToolCallbacks()) {
            if (c.getToolDefinition().name().equals(name)) {
                return JSON.readTree(c.call(arguments));
            }
        }
        throw new AssertionError("no tool " + name);
    }

    static void assertBoxesMatch(JsonNode result, GroundingResult expected, RgbImage image) {
        List<BoundingBox> boxes = expected.boxes();
        assertThat(result.get("count").asInt()).isEqualTo(boxes.size());
        assertThat(result.get("boxes")).hasSize(boxes.size());
        for (int i = 0; i < boxes.size(); i++) {
            JsonNode b = result.get("boxes").get(i);
            assertThat(b.get("x1").asDouble()).isEqualTo(Box.round(boxes.get(i).x1()));
            assertThat(b.get("y2").asDouble()).isEqualTo(Box.round(boxes.get(i).y2()));
            assertThat(b.get("x1").asDouble()).isBetween(0.0, b.get("x2").asDouble());
            assertThat(b.get("x2").asDouble()).isLessThanOrEqualTo(image.width());
            assertThat(b.get("y1").asDouble()).isBetween(0.0, b.get("y2").asDouble());
            assertThat(b.get("y2").asDouble()).isLessThanOrEqualTo(image.height());
            assertThat(b.get("label").asString()).isNotBlank();
        }
    }

    @Test
    void locateObjectsAnswersWhatVisionTasksAnswers() {
        JsonNode one = call("locate_objects", "{\"image\":\"" + id + "\",\"phrase\":\"the red square\"}");
        GroundingResult expected = VisionTasks.ground(engine, picture, "the red square", options);
        assertThat(one.get("answer").asString()).isEqualTo(expected.raw());
        assertThat(one.get("image_width").asInt()).isEqualTo(96);
        assertThat(one.get("image_height").asInt()).isEqualTo(64);
        assertBoxesMatch(one, GroundingParser.parse(expected.raw(), 96, 64), picture);

        JsonNode all = call("locate_objects", "{\"image\":\"" + id + "\",\"phrase\":\"square\",\"all\":true}");
        GroundingResult every = VisionTasks.detectAll(engine, picture, "square", options);
        assertThat(all.get("answer").asString()).isEqualTo(every.raw());
        assertBoxesMatch(all, every, picture);
    }

    @Test
    void readTextAnswersWhatVisionTasksAnswers() {
        JsonNode text = call("read_text", "{\"image\":\"" + id + "\"}");
        OcrResult expected = VisionTasks.ocr(engine, picture, options);
        assertThat(text.get("text").asString()).isEqualTo(expected.text());
        assertThat(JSON.convertValue(text.get("lines"), List.class)).isEqualTo(expected.lines());
        JsonNode fields = call("read_text", "{\"image\":\"" + id + "\",\"key_values\":true}");
        OcrResult expectedFields = VisionTasks.ocrKeyValues(engine, picture, options);
        assertThat(fields.get("text").asString()).isEqualTo(expectedFields.text());
        assertThat(fields.get("key_values").size()).isEqualTo(expectedFields.keyValues().size());
    }

    @Test
    void describeImageAndAskAboutRegion() {
        JsonNode described = call("describe_image", "{\"image\":\"" + id + "\"}");
        String expected = VisionTasks.ocrWith(engine, picture, DescribeImageTool.DEFAULT_QUESTION, options).raw();
        assertThat(described.get("answer").asString()).isEqualTo(expected);

        String box = "{\"x1\":32,\"y1\":16,\"x2\":48,\"y2\":32}";
        JsonNode refer = call("ask_about_region", "{\"image\":\"" + id + "\",\"box\":" + box
                + ",\"question\":\"What colour is {region}?\",\"mode\":\"refer\"}");
        assertThat(refer.get("answer").asString()).isEqualTo(VisionTasks.askAboutRegion(engine, picture,
                "What colour is {region}?", BoundingBox.ofPixels(32, 16, 48, 32, 96, 64), options));
        JsonNode crop = call("ask_about_region", "{\"image\":\"" + id + "\",\"box\":" + box
                + ",\"question\":\"What colour is it?\"}");
        assertThat(crop.get("answer").asString()).isEqualTo(VisionTasks.ocrWith(engine,
                picture.crop(32, 16, 16, 16), "What colour is it?", options).raw());
    }

    @Test
    void cropThenUseTheCropThenDraw() {
        JsonNode crop = call("crop_region", "{\"image\":\"" + id + "\",\"box\":{\"x1\":10,\"y1\":5,\"x2\":60,"
                + "\"y2\":45}}");
        String cropId = crop.get("image").asString();
        assertThat(store.get(cropId).orElseThrow().image()).isEqualTo(picture.crop(10, 5, 50, 40));
        JsonNode located = call("locate_objects", "{\"image\":\"" + cropId + "\",\"phrase\":\"square\"}");
        assertThat(located.get("image_width").asInt()).isEqualTo(50);
        JsonNode drawn = call("draw_boxes", "{\"image\":\"" + cropId + "\",\"boxes\":" + located.get("boxes")
                + "}");
        assertThat(drawn.get("boxes").asInt()).isEqualTo(located.get("count").asInt());
        assertThat(drawn.get("width").asInt()).isEqualTo(50);
        assertThat(drawn.get("height").asInt()).isEqualTo(40);
        assertThat(store.get(drawn.get("image").asString())).isPresent();
    }
}
