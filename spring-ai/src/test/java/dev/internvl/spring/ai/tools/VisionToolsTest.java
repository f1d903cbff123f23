package dev.internvl.spring.ai.tools;

import dev.internvl.testing.TinyModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.grounding.BoundingBox;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.DefaultToolCallingManager;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.ai.tool.execution.DefaultToolExecutionExceptionProcessor;
import org.springframework.ai.tool.execution.ToolExecutionException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each built-in tool through its Spring AI callback, on a scripted model answer: the typed results exactly (pixel
 * coordinates, clamping, labels, crops, drawings), the schemas, and the errors the model reads.
 */
class VisionToolsTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    final ImageStore store = new ImageStore();
    final ScriptedBackend backend = new ScriptedBackend("");
    final InternVLToolCallbackProvider tools = InternVLToolCallbackProvider.builder(backend, store).build();

    /** A {@code w x h} image whose pixel (x, y) is (x, y, 7), for w and h up to 256. */
    static RgbImage coordinates(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                rgb[i] = (byte) x;
                rgb[i + 1] = (byte) y;
                rgb[i + 2] = 7;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    static RgbImage blank(int w, int h) {
        return new RgbImage(w, h, new byte[w * h * 3]);
    }

    ToolCallback tool(String name) {
        for (ToolCallback c : tools.getToolCallbacks()) {
            if (c.getToolDefinition().name().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no tool " + name);
    }

    JsonNode call(String name, String arguments) {
        return JSON.readTree(tool(name).call(arguments));
    }

    static String error(ToolCallback tool, String arguments) {
        try {
            tool.call(arguments);
        } catch (ToolExecutionException e) {
            assertThat(e.getToolDefinition().name()).isEqualTo(tool.getToolDefinition().name());
            return e.getMessage();
        }
        throw new AssertionError("no error for " + arguments);
    }

    static List<Double> numbers(JsonNode array) {
        return JSON.convertValue(array, JSON.getTypeFactory().constructCollectionType(List.class, Double.class));
    }

    // --- definitions -------------------------------------------------------------------------------------------

    @Test
    void sixToolsWithDescriptionsAndSchemas() {
        assertThat(tools.getToolNames()).containsExactly("locate_objects", "read_text", "describe_image",
                "crop_region", "ask_about_region", "draw_boxes");
        Map<String, List<String>> required = Map.of(
                "locate_objects", List.of("image", "phrase"),
                "read_text", List.of("image"),
                "describe_image", List.of("image"),
                "crop_region", List.of("image", "box"),
                "ask_about_region", List.of("image", "box", "question"),
                "draw_boxes", List.of("image", "boxes"));
        Map<String, List<String>> properties = Map.of(
                "locate_objects", List.of("image", "phrase", "all"),
                "read_text", List.of("image", "key_values"),
                "describe_image", List.of("image", "question"),
                "crop_region", List.of("image", "box"),
                "ask_about_region", List.of("image", "box", "question", "mode"),
                "draw_boxes", List.of("image", "boxes", "include_data_uri"));
        for (ToolCallback c : tools.getToolCallbacks()) {
            String name = c.getToolDefinition().name();
            assertThat(c.getToolDefinition().description()).as(name).hasSizeGreaterThan(100).contains("Returns {");
            JsonNode schema = JSON.readTree(c.getToolDefinition().inputSchema());
            assertThat(schema.get("type").asString()).isEqualTo("object");
            assertThat(schema.get("additionalProperties").asBoolean()).isFalse();
            assertThat(schema.get("properties").propertyNames()).as(name).containsExactlyElementsOf(properties.get(name));
            assertThat(JSON.convertValue(schema.get("required"), List.class)).as(name)
                    .containsExactlyInAnyOrderElementsOf(required.get(name));
            schema.get("properties").forEach(p -> assertThat(p.get("description").asString()).isNotBlank());
            assertThat(schema.get("properties").get("image").get("description").asString())
                    .contains("image id (img-...)", "data: URI");
        }
        JsonNode box = JSON.readTree(tool("draw_boxes").getToolDefinition().inputSchema())
                .get("properties").get("boxes").get("items");
        assertThat(box.get("properties").propertyNames()).containsExactly("label", "x1", "y1", "x2", "y2", "raw",
                "image_width", "image_height");
        assertThat(JSON.convertValue(box.get("required"), List.class)).containsExactlyInAnyOrder("x1", "y1", "x2",
                "y2");
    }

    // --- locate_objects ----------------------------------------------------------------------------------------

    @Test
    void locateReturnsTypedPixelBoxesExactly() {
        String id = store.put(blank(427, 640)).id();
        backend.answer("<ref>the lady with the blue shirt</ref><box>[[243, 469, 558, 746]]</box>");
        String out = tool("locate_objects").call("{\"image\":\"" + id + "\",\"phrase\":\" the lady \"}");
        // the JSON as the model reads it: field order, 3-decimal pixels (as the CLI), raw numbers as written
        assertThat(out).isEqualTo("{\"image\":\"" + id + "\",\"image_width\":427,\"image_height\":640,"
                + "\"phrase\":\"the lady\",\"count\":1,\"boxes\":[{\"label\":\"the lady with the blue shirt\","
                + "\"x1\":103.761,\"y1\":300.16,\"x2\":238.266,\"y2\":477.44,\"raw\":[243.0,469.0,558.0,746.0],"
                + "\"image_width\":427,\"image_height\":640}],"
                + "\"answer\":\"<ref>the lady with the blue shirt</ref><box>[[243, 469, 558, 746]]</box>\"}");
        assertThat(backend.calls).singleElement().satisfies(c -> {
            assertThat(c.task()).isEqualTo("locate");
            assertThat(c.text()).isEqualTo("the lady");
            assertThat(c.image()).isSameAs(store.get(id).orElseThrow().image());
        });
    }

    @Test
    void pixelsAreRoundedHalfToEvenTo3DecimalsAsTheCliWritesThem() {
        // 0.3125 / 1000 * 8 = 0.0025 and 0.4375 / 1000 * 8 = 0.0035: ties, to the even neighbour
        Box box = Box.of("x", BoundingBox.fromModel(0.3125, 0.4375, 1000, 1000, 8, 8), 8, 8);
        assertThat(box.x1()).isEqualTo(0.002);
        assertThat(box.y1()).isEqualTo(0.004);
        assertThat(box.x2()).isEqualTo(8.0);
        assertThat(box.raw()).containsExactly(0.3125, 0.4375, 1000.0, 1000.0);
        assertThat(Box.round(103.76099999999999)).isEqualTo(103.761);
    }

    @Test
    void locateAllDetectsEveryInstanceClampsAndLabels() {
        String id = store.put(blank(200, 100)).id();
        backend.answer("Here they are:\n```\n<ref>car</ref><box>[[0, 0, 100, 100], [500, 500, 1000, 1000]]</box>\n"
                + "<ref>bus</ref><box>[[-20, 100, 1200, 900]]</box>\nand <box>[[600, 700, 400, 300]]</box>\n```");
        JsonNode r = call("locate_objects", "{\"image\":\"" + id + "\",\"phrase\":\"vehicle\",\"all\":true}");
        assertThat(backend.calls).singleElement().extracting(ScriptedBackend.Call::task).isEqualTo("detectAll");
        assertThat(r.get("count").asInt()).isEqualTo(4);
        JsonNode boxes = r.get("boxes");
        assertThat(boxes.get(0).get("label").asString()).isEqualTo("car");
        assertThat(List.of(boxes.get(0).get("x1").asDouble(), boxes.get(0).get("y1").asDouble(),
                boxes.get(0).get("x2").asDouble(), boxes.get(0).get("y2").asDouble())).containsExactly(0.0, 0.0,
                20.0, 10.0);
        assertThat(List.of(boxes.get(1).get("x1").asDouble(), boxes.get(1).get("y1").asDouble(),
                boxes.get(1).get("x2").asDouble(), boxes.get(1).get("y2").asDouble())).containsExactly(100.0, 50.0,
                200.0, 100.0);
        // outside 0-1000: clamped to the image, raw kept as written
        assertThat(boxes.get(2).get("label").asString()).isEqualTo("bus");
        assertThat(List.of(boxes.get(2).get("x1").asDouble(), boxes.get(2).get("y1").asDouble(),
                boxes.get(2).get("x2").asDouble(), boxes.get(2).get("y2").asDouble())).containsExactly(0.0, 10.0,
                200.0, 90.0);
        assertThat(numbers(boxes.get(2).get("raw"))).containsExactly(-20.0, 100.0, 1200.0, 900.0);
        // no <ref> before it: labelled with the phrase; inverted: ordered
        assertThat(boxes.get(3).get("label").asString()).isEqualTo("vehicle");
        assertThat(List.of(boxes.get(3).get("x1").asDouble(), boxes.get(3).get("y1").asDouble(),
                boxes.get(3).get("x2").asDouble(), boxes.get(3).get("y2").asDouble())).containsExactly(80.0, 30.0,
                120.0, 70.0);
        assertThat(numbers(boxes.get(3).get("raw"))).containsExactly(600.0, 700.0, 400.0, 300.0);
        boxes.forEach(b -> {
            assertThat(b.get("image_width").asInt()).isEqualTo(200);
            assertThat(b.get("image_height").asInt()).isEqualTo(100);
        });
    }

    @Test
    void locateWithNothingFoundAndFromADataUri() {
        backend.answer("I cannot see a giraffe.");
        String uri = "data:image/png;base64," + Base64.getEncoder().encodeToString(TinyModel.png(64, 48, 0));
        JsonNode r = call("locate_objects", JSON.writeValueAsString(Map.of("image", uri, "phrase", "a giraffe",
                "all", false)));
        assertThat(r.get("count").asInt()).isZero();
        assertThat(r.get("boxes")).isEmpty();
        assertThat(r.get("answer").asString()).isEqualTo("I cannot see a giraffe.");
        // the data URI was stored: later calls can use the id
        String id = r.get("image").asString();
        assertThat(store.get(id)).get().extracting(s -> s.image().width()).isEqualTo(64);
        assertThat(r.get("image_width").asInt()).isEqualTo(64);
        assertThat(r.get("image_height").asInt()).isEqualTo(48);
        assertThat(backend.calls).singleElement().extracting(ScriptedBackend.Call::task).isEqualTo("locate");
    }

    // --- read_text ---------------------------------------------------------------------------------------------

    @Test
    void readTextGivesTextLinesAndKeyValuesOnlyWhenAsked() {
        String id = store.put(blank(50, 50)).id();
        backend.answer("```\nTOTAL: 12.50\n\n  Date: 2024-01-02 12:30\nThank you\n```");
        JsonNode text = call("read_text", "{\"image\":\"" + id + "\"}");
        assertThat(text.get("image").asString()).isEqualTo(id);
        assertThat(text.get("text").asString()).isEqualTo("TOTAL: 12.50\n\n  Date: 2024-01-02 12:30\nThank you");
        assertThat(JSON.convertValue(text.get("lines"), List.class)).containsExactly("TOTAL: 12.50",
                "Date: 2024-01-02 12:30", "Thank you");
        assertThat(text.has("key_values")).isFalse();
        assertThat(backend.calls).extracting(ScriptedBackend.Call::task).containsExactly("readText");

        JsonNode fields = call("read_text", "{\"image\":\"" + id + "\",\"key_values\":true}");
        assertThat(backend.calls).extracting(ScriptedBackend.Call::task).containsExactly("readText", "readKeyValues");
        assertThat(fields.get("key_values").propertyNames()).containsExactly("TOTAL", "Date");
        assertThat(fields.get("key_values").get("Date").asString()).isEqualTo("2024-01-02 12:30");
    }

    // --- describe_image ----------------------------------------------------------------------------------------

    @Test
    void describeAsksTheDefaultOrTheGivenQuestion() {
        String id = store.put(blank(30, 20)).id();
        backend.answer("A black rectangle.");
        JsonNode r = call("describe_image", "{\"image\":\"" + id + "\"}");
        assertThat(r.get("question").asString()).isEqualTo("Please describe the image in detail.");
        assertThat(r.get("answer").asString()).isEqualTo("A black rectangle.");
        call("describe_image", "{\"image\":\"" + id + "\",\"question\":\"What colour is it?\"}");
        assertThat(backend.calls).extracting(ScriptedBackend.Call::text)
                .containsExactly("Please describe the image in detail.", "What colour is it?");
        assertThat(backend.calls).extracting(ScriptedBackend.Call::task).containsOnly("ask");
    }

    // --- crop_region -------------------------------------------------------------------------------------------

    @Test
    void cropCutsTheWholePixelsOfTheBoxAndStoresThem() {
        RgbImage source = coordinates(120, 80);
        String id = store.put(source).id();
        JsonNode r = call("crop_region", "{\"image\":\"" + id + "\",\"box\":{\"label\":\"sign\",\"x1\":10.5,"
                + "\"y1\":20,\"x2\":30.2,\"y2\":25.9}}");
        assertThat(r.get("source").asString()).isEqualTo(id);
        assertThat(r.get("width").asInt()).isEqualTo(21);  // 10 .. 31
        assertThat(r.get("height").asInt()).isEqualTo(6);  // 20 .. 26
        JsonNode region = r.get("region");
        assertThat(region.get("label").asString()).isEqualTo("sign");
        assertThat(List.of(region.get("x1").asDouble(), region.get("y1").asDouble(), region.get("x2").asDouble(),
                region.get("y2").asDouble())).containsExactly(10.0, 20.0, 31.0, 26.0);
        assertThat(numbers(region.get("raw"))).containsExactly(83.0, 250.0, 258.0, 325.0);
        RgbImage crop = store.get(r.get("image").asString()).orElseThrow().image();
        assertThat(crop).isEqualTo(source.crop(10, 20, 21, 6));
        assertThat(crop.rgb()[0]).isEqualTo((byte) 10); // pixel (0, 0) of the crop is (10, 20) of the source
        assertThat(crop.rgb()[1]).isEqualTo((byte) 20);
    }

    @Test
    void cropClampsToTheImageAndAcceptsALocatedBoxUnchanged() {
        String id = store.put(coordinates(100, 50)).id();
        JsonNode r = call("crop_region", "{\"image\":\"" + id + "\",\"box\":{\"x1\":90,\"y1\":-5,\"x2\":130,"
                + "\"y2\":10}}");
        assertThat(r.get("width").asInt()).isEqualTo(10);
        assertThat(r.get("height").asInt()).isEqualTo(10);

        backend.answer("<ref>dot</ref><box>[[100, 200, 300, 400]]</box>");
        JsonNode located = call("locate_objects", "{\"image\":\"" + id + "\",\"phrase\":\"dot\"}");
        JsonNode box = located.get("boxes").get(0);
        JsonNode crop = call("crop_region", "{\"image\":\"" + id + "\",\"box\":" + JSON.writeValueAsString(box)
                + "}");
        assertThat(crop.get("width").asInt()).isEqualTo(20);  // 10 .. 30
        assertThat(crop.get("height").asInt()).isEqualTo(10); // 10 .. 20
        assertThat(crop.get("region").get("label").asString()).isEqualTo("dot");
    }

    @Test
    void cropErrorsSayWhatIsWrongWithTheBox() {
        String id = store.put(coordinates(100, 50)).id();
        ToolCallback crop = tool("crop_region");
        assertThat(error(crop, "{\"image\":\"" + id + "\"}")).startsWith("box is required");
        assertThat(error(crop, "{\"image\":\"" + id + "\",\"box\":{\"x1\":1,\"y1\":2,\"x2\":3}}"))
                .isEqualTo("a box needs x1, y1, x2 and y2 in pixels, got [x1=1.0, y1=2.0, x2=3.0, y2=null]");
        assertThat(error(crop, "{\"image\":\"" + id + "\",\"box\":{\"x1\":5,\"y1\":5,\"x2\":5,\"y2\":9}}"))
                .isEqualTo("the box [x1=5.0, y1=5.0, x2=5.0, y2=9.0] covers no area of image '" + id
                        + "' (100x50 pixels)");
        assertThat(error(crop, "{\"image\":\"" + id + "\",\"box\":{\"x1\":200,\"y1\":5,\"x2\":300,\"y2\":9}}"))
                .contains("covers no area");
        assertThat(error(crop, "{\"image\":\"" + id + "\",\"box\":{\"x1\":1,\"y1\":1,\"x2\":9,\"y2\":9,"
                + "\"image_width\":640,\"image_height\":480}}")).isEqualTo("the box [x1=1.0, y1=1.0, x2=9.0, "
                + "y2=9.0] belongs to an image of 640x480 pixels, but image '" + id + "' is 100x50; use boxes found "
                + "on this image (boxes found in a crop are in the crop's pixels)");
        assertThat(store.size()).isEqualTo(1); // nothing stored on failure
    }

    // --- ask_about_region --------------------------------------------------------------------------------------

    @Test
    void askAboutRegionCropsByDefault() {
        RgbImage source = coordinates(100, 60);
        String id = store.put(source).id();
        backend.answer("A stop sign.");
        JsonNode r = call("ask_about_region", "{\"image\":\"" + id + "\",\"box\":{\"label\":\"sign\",\"x1\":10,"
                + "\"y1\":10,\"x2\":40,\"y2\":30},\"question\":\"What is this?\"}");
        assertThat(r.get("mode").asString()).isEqualTo("crop");
        assertThat(r.get("answer").asString()).isEqualTo("A stop sign.");
        assertThat(r.get("region").get("label").asString()).isEqualTo("sign");
        assertThat(backend.calls).singleElement().satisfies(c -> {
            assertThat(c.task()).isEqualTo("ask");
            assertThat(c.text()).isEqualTo("What is this?");
            assertThat(c.image()).isEqualTo(source.crop(10, 10, 30, 20));
        });
        assertThat(store.size()).isEqualTo(1); // the crop is not stored
    }

    @Test
    void askAboutRegionReferringShowsTheWholeImageWithTheRegion() {
        RgbImage source = coordinates(200, 100);
        String id = store.put(source).id();
        backend.answer("It is red.");
        JsonNode r = call("ask_about_region", "{\"image\":\"" + id + "\",\"box\":{\"x1\":20,\"y1\":10,\"x2\":100,"
                + "\"y2\":50},\"question\":\"What colour is {region}?\",\"mode\":\"REFER\"}");
        assertThat(r.get("mode").asString()).isEqualTo("refer");
        assertThat(numbers(r.get("region").get("raw"))).containsExactly(100.0, 100.0, 500.0, 500.0);
        assertThat(backend.calls).singleElement().satisfies(c -> {
            assertThat(c.task()).isEqualTo("askAboutRegion");
            assertThat(c.image()).isSameAs(source);
            assertThat(c.text()).isEqualTo("What colour is {region}?");
            assertThat(c.region()).isEqualTo(BoundingBox.ofPixels(20, 10, 100, 50, 200, 100));
        });
        ToolCallback ask = tool("ask_about_region");
        assertThat(error(ask, "{\"image\":\"" + id + "\",\"box\":{\"x1\":1,\"y1\":1,\"x2\":9,\"y2\":9},"
                + "\"question\":\"?\",\"mode\":\"zoom\"}")).isEqualTo("mode must be 'crop' or 'refer', got 'zoom'");
        assertThat(error(ask, "{\"image\":\"" + id + "\",\"box\":{\"x1\":1,\"y1\":1,\"x2\":9,\"y2\":9}}"))
                .startsWith("question is required");
        assertThat(error(ask, "{\"image\":\"" + id + "\",\"question\":\"?\",\"mode\":\"refer\"}"))
                .startsWith("box is required");
    }

    // --- draw_boxes --------------------------------------------------------------------------------------------

    static int rgbAt(RgbImage image, int x, int y) {
        int i = (y * image.width() + x) * 3;
        return (image.rgb()[i] & 0xff) << 16 | (image.rgb()[i + 1] & 0xff) << 8 | (image.rgb()[i + 2] & 0xff);
    }

    @Test
    void drawOutlinesEachBoxInItsColourAndLeavesTheRestAlone() {
        RgbImage source = coordinates(200, 150);
        String id = store.put(source).id();
        JsonNode r = call("draw_boxes", "{\"image\":\"" + id + "\",\"boxes\":[{\"label\":\"a\",\"x1\":20,\"y1\":40,"
                + "\"x2\":80,\"y2\":100},{\"x1\":120,\"y1\":60,\"x2\":180,\"y2\":140}]}");
        assertThat(r.get("source").asString()).isEqualTo(id);
        assertThat(r.get("boxes").asInt()).isEqualTo(2);
        assertThat(r.get("labels_drawn").asBoolean()).isTrue();
        assertThat(r.has("data_uri")).isFalse();
        RgbImage drawn = store.get(r.get("image").asString()).orElseThrow().image();
        assertThat(drawn.width()).isEqualTo(200);
        assertThat(drawn.height()).isEqualTo(150);
        int first = BoxPainter.PALETTE[0].getRGB() & 0xffffff;
        int second = BoxPainter.PALETTE[1].getRGB() & 0xffffff;
        // outlines (2 pixels wide, inside the box) in the box's colour
        assertThat(rgbAt(drawn, 50, 40)).isEqualTo(first);
        assertThat(rgbAt(drawn, 20, 70)).isEqualTo(first);
        assertThat(rgbAt(drawn, 79, 70)).isEqualTo(first);
        assertThat(rgbAt(drawn, 50, 99)).isEqualTo(first);
        assertThat(rgbAt(drawn, 150, 60)).isEqualTo(second);
        assertThat(rgbAt(drawn, 179, 100)).isEqualTo(second);
        // inside and outside the boxes (away from the label above the first): unchanged
        for (int[] p : new int[][] {{50, 70}, {150, 100}, {5, 5}, {100, 120}, {190, 145}, {85, 70}}) {
            assertThat(rgbAt(drawn, p[0], p[1])).as("pixel %s,%s", p[0], p[1]).isEqualTo(rgbAt(source, p[0], p[1]));
        }
        // the label "a": a tag of the first colour above the box
        assertThat(rgbAt(drawn, 21, 38)).isEqualTo(first);
        // the source is untouched
        assertThat(store.get(id).orElseThrow().image()).isEqualTo(coordinates(200, 150));
    }

    @Test
    void drawReturnsThePngWhenAskedAndWithinTheLimit() {
        String id = store.put(coordinates(64, 48)).id();
        JsonNode r = call("draw_boxes", "{\"image\":\"" + id + "\",\"boxes\":[{\"label\":\"x\",\"x1\":8,\"y1\":8,"
                + "\"x2\":40,\"y2\":40,\"raw\":[125,167,625,833],\"image_width\":64,\"image_height\":48}],"
                + "\"include_data_uri\":true}");
        String uri = r.get("data_uri").asString();
        assertThat(uri).startsWith("data:image/png;base64,");
        RgbImage decoded = ImageDecoder.decode(Base64.getDecoder().decode(uri.substring(uri.indexOf(',') + 1)), "png");
        assertThat(decoded).isEqualTo(store.get(r.get("image").asString()).orElseThrow().image());

        ImageStore small = new ImageStore(10, 1 << 20, 100);
        ToolCallback draw = InternVLToolCallbackProvider.builder(backend, small).build().getToolCallbacks()[5];
        String sid = small.put(coordinates(64, 48)).id();
        JsonNode big = JSON.readTree(draw.call("{\"image\":\"" + sid + "\",\"boxes\":[],\"include_data_uri\":true}"));
        assertThat(big.has("data_uri")).isFalse();
        assertThat(big.get("note").asString()).contains("longer than the 100 allowed; refer to the image by its id");
        assertThat(big.get("boxes").asInt()).isZero();
        assertThat(small.get(big.get("image").asString()).orElseThrow().image()).isEqualTo(coordinates(64, 48));
    }

    @Test
    void drawNamesTheBadBox() {
        String id = store.put(coordinates(64, 48)).id();
        ToolCallback draw = tool("draw_boxes");
        assertThat(error(draw, "{\"image\":\"" + id + "\"}")).startsWith("boxes is required");
        assertThat(error(draw, "{\"image\":\"" + id + "\",\"boxes\":[{\"x1\":1,\"y1\":1,\"x2\":9,\"y2\":9},"
                + "{\"x1\":1,\"y1\":1,\"x2\":9}]}")).startsWith("boxes[1]: a box needs x1, y1, x2 and y2");
        assertThat(error(draw, "{\"image\":\"" + id + "\",\"boxes\":[{\"x1\":\"left\",\"y1\":1,\"x2\":9,"
                + "\"y2\":9}]}")).startsWith("invalid arguments for draw_boxes at 'boxes[0].x1': ");
    }

    // --- errors ------------------------------------------------------------------------------------------------

    @Test
    void badArgumentsAndImagesBecomeToolErrors() {
        String id = store.put(blank(10, 10)).id();
        ToolCallback locate = tool("locate_objects");
        assertThat(error(locate, "{\"image\":\"img-000000000000\",\"phrase\":\"x\"}"))
                .startsWith("unknown image id 'img-000000000000'");
        assertThat(error(locate, "{\"phrase\":\"x\"}")).startsWith("no image given");
        assertThat(error(locate, "{\"image\":\"" + id + "\"}")).startsWith("phrase is required");
        assertThat(error(locate, "{\"image\":\"" + id + "\",\"phrase\":\"x\",\"limit\":3}")).isEqualTo(
                "invalid arguments for locate_objects: unknown argument 'limit'; the accepted ones here are all, "
                        + "image, phrase");
        assertThat(error(locate, "{\"image\":\"" + id + "\",\"phrase\":\"x\",\"all\":\"maybe\"}"))
                .startsWith("invalid arguments for locate_objects at 'all': ");
        assertThat(error(locate, "find the cat")).startsWith("invalid arguments for locate_objects: ");
        assertThat(error(locate, "")).startsWith("phrase is required"); // no arguments read as {}
        assertThat(error(locate, "{\"image\":\"data:image/png;base64,aGVsbG8=\",\"phrase\":\"x\"}"))
                .startsWith("data: URI (image/png, 5 bytes): unsupported or unrecognized image format");
        assertThat(backend.calls).isEmpty();
        // a failure of the model itself goes back the same way
        ScriptedBackend failing = new ScriptedBackend(c -> {
            throw new IllegalStateException("the engine is closed");
        });
        ToolCallback broken = InternVLToolCallbackProvider.builder(failing, store).build().getToolCallbacks()[0];
        assertThat(error(broken, "{\"image\":\"" + id + "\",\"phrase\":\"x\"}")).isEqualTo("the engine is closed");
    }

    @Test
    void toolErrorsReachTheModelThroughSpringAiToolCallingAndCanBeMadeToThrow() {
        String id = store.put(blank(10, 10)).id();
        Prompt prompt = new Prompt(List.of(new UserMessage("Find the cat in " + id)),
                ToolCallingChatOptions.builder().toolCallbacks(List.of(tools.getToolCallbacks())).build());
        AssistantMessage calls = AssistantMessage.builder().toolCalls(List.of(
                new AssistantMessage.ToolCall("1", "function", "locate_objects",
                        "{\"image\":\"img-000000000000\",\"phrase\":\"cat\"}"),
                new AssistantMessage.ToolCall("2", "function", "describe_image", "{\"image\":\"" + id + "\"}")))
                .build();
        backend.answer("A black square.");
        ToolExecutionResult result = DefaultToolCallingManager.builder().build()
                .executeToolCalls(prompt, new ChatResponse(List.of(new Generation(calls))));
        List<Message> history = result.conversationHistory();
        ToolResponseMessage responses = (ToolResponseMessage) history.get(history.size() - 1);
        assertThat(responses.getResponses()).hasSize(2);
        assertThat(responses.getResponses().get(0).responseData()).startsWith("unknown image id 'img-000000000000'");
        assertThat(JSON.readTree(responses.getResponses().get(1).responseData()).get("answer").asString())
                .isEqualTo("A black square.");

        DefaultToolCallingManager strict = DefaultToolCallingManager.builder()
                .toolExecutionExceptionProcessor(DefaultToolExecutionExceptionProcessor.builder()
                        .alwaysThrow(true).build())
                .build();
        assertThatThrownBy(() -> strict.executeToolCalls(prompt, new ChatResponse(List.of(new Generation(calls)))))
                .isInstanceOf(ToolExecutionException.class).hasMessageStartingWith("unknown image id");
    }

    // --- the SPI -----------------------------------------------------------------------------------------------

    record CountInput(@ToolParam(description = "Image id or data: URI") String image,
            @ToolParam(description = "What to count") String what) {
    }

    @Test
    void applicationToolsJoinReplaceAndAreChecked() {
        VisionTool<CountInput> count = VisionTool.of("count_objects", "Counts things in an image.", CountInput.class,
                (in, ctx) -> Map.of("count", ctx.vision().detectAll(ctx.image(in.image()).image(), in.what())
                        .boxes().size()));
        VisionTool<CountInput> plain = VisionTool.of("describe_image", "Replaces the built-in one.",
                CountInput.class, (in, ctx) -> "plain text for " + in.what());
        InternVLToolCallbackProvider provider = InternVLToolCallbackProvider.builder(backend, store)
                .tool(count).tool(plain).enabled(name -> !name.equals("draw_boxes")).build();
        assertThat(provider.getToolNames()).containsExactly("locate_objects", "read_text", "describe_image",
                "crop_region", "ask_about_region", "count_objects");
        String id = store.put(blank(100, 100)).id();
        backend.answer("<ref>a</ref><box>[[1, 1, 5, 5], [10, 10, 50, 50]]</box>");
        ToolCallback[] callbacks = provider.getToolCallbacks();
        assertThat(callbacks[5].call("{\"image\":\"" + id + "\",\"what\":\"a\"}")).isEqualTo("{\"count\":2}");
        assertThat(callbacks[2].call("{\"image\":\"" + id + "\",\"what\":\"b\"}")).isEqualTo("plain text for b");
        assertThat(callbacks[2].getToolDefinition().description()).isEqualTo("Replaces the built-in one.");
        assertThat(JSON.readTree(callbacks[5].getToolDefinition().inputSchema()).get("required"))
                .hasSize(2);

        assertThat(InternVLToolCallbackProvider.builder(backend, store).builtInTools(false).tool(count).build()
                .getToolNames()).containsExactly("count_objects");
        assertThatThrownBy(() -> InternVLToolCallbackProvider.builder(backend, store).tool(count).tool(count).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("two vision tools are named "
                        + "'count_objects'");
        assertThatThrownBy(() -> InternVLToolCallbackProvider.builder(backend, store).tool(VisionTool.of(
                "count objects!", "d", CountInput.class, (in, ctx) -> "")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("vision tool name 'count objects!'");
        assertThatThrownBy(() -> InternVLToolCallbackProvider.builder(backend, store).tool(VisionTool.of(
                "count", " ", CountInput.class, (in, ctx) -> "")).build())
                .hasMessage("vision tool 'count' has no description");
    }
}
