package dev.internvl.spring.ai.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.image.RgbImage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent loop: a {@link ChatClient} given the vision tools runs the tool calls a planning model asks for. The
 * planner is scripted (its tool calls are fixed, computed from the tool results it receives), so the loop is
 * deterministic: locate_objects on a stored image, draw_boxes with the boxes it returned, then the answer.
 */
class VisionToolsChatClientTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** A planning model that answers turn i with {@code turns.get(i)} and keeps every prompt it received. */
    static final class ScriptedPlanner implements ChatModel {
        final List<Prompt> prompts = new CopyOnWriteArrayList<>();
        private final List<Function<Prompt, AssistantMessage>> turns;

        ScriptedPlanner(List<Function<Prompt, AssistantMessage>> turns) {
            this.turns = turns;
        }

        @Override
        public ChatResponse call(Prompt prompt) {
            prompts.add(prompt);
            if (prompts.size() > turns.size()) {
                throw new AssertionError("the planner was called " + prompts.size() + " times");
            }
            return new ChatResponse(List.of(new Generation(turns.get(prompts.size() - 1).apply(prompt))));
        }

        @Override
        public Flux<ChatResponse> stream(Prompt prompt) {
            return Flux.defer(() -> Flux.just(call(prompt)));
        }

        @Override
        public ChatOptions getOptions() {
            return ToolCallingChatOptions.builder().build(); // so that ChatClient hands it the tools
        }
    }

    static AssistantMessage toolCall(String id, String name, Object arguments) {
        return AssistantMessage.builder().toolCalls(List.of(new AssistantMessage.ToolCall(id, "function", name,
                JSON.writeValueAsString(arguments)))).build();
    }

    /** The response of the tool call the previous turn asked for: the last message of the prompt. */
    static ToolResponseMessage.ToolResponse lastToolResponse(Prompt prompt) {
        Message last = prompt.getInstructions().get(prompt.getInstructions().size() - 1);
        assertThat(last).isInstanceOf(ToolResponseMessage.class);
        return ((ToolResponseMessage) last).getResponses().get(0);
    }

    static double[] pixels(JsonNode box) {
        return new double[] {box.get("x1").asDouble(), box.get("y1").asDouble(), box.get("x2").asDouble(),
            box.get("y2").asDouble()};
    }

    final ImageStore store = new ImageStore();
    final ScriptedBackend vision = new ScriptedBackend(
            "<ref>cat</ref><box>[[100, 200, 300, 400], [500, 500, 750, 1000]]</box>");
    final InternVLToolCallbackProvider tools = InternVLToolCallbackProvider.builder(vision, store).build();
    final String photo = store.put(VisionToolsTest.coordinates(200, 150)).id();

    ScriptedPlanner locateThenDrawThenAnswer() {
        return new ScriptedPlanner(List.of(
                prompt -> {
                    // the planner was offered every vision tool
                    List<String> offered = ((ToolCallingChatOptions) prompt.getOptions()).getToolCallbacks().stream()
                            .map(c -> c.getToolDefinition().name()).toList();
                    assertThat(offered).containsExactlyElementsOf(tools.getToolNames());
                    return toolCall("call-1", "locate_objects", Map.of("image", photo, "phrase", "cat", "all", true));
                },
                prompt -> {
                    ToolResponseMessage.ToolResponse located = lastToolResponse(prompt);
                    assertThat(located.name()).isEqualTo("locate_objects");
                    JsonNode result = JSON.readTree(located.responseData());
                    return toolCall("call-2", "draw_boxes", Map.of("image", result.get("image").asString(),
                            "boxes", result.get("boxes")));
                },
                prompt -> {
                    ToolResponseMessage.ToolResponse drawn = lastToolResponse(prompt);
                    assertThat(drawn.name()).isEqualTo("draw_boxes");
                    JsonNode result = JSON.readTree(drawn.responseData());
                    return new AssistantMessage("I found " + result.get("boxes").asInt() + " cats; they are marked "
                            + "in image " + result.get("image").asString() + ".");
                }));
    }

    @Test
    void chatClientRunsTheToolCallsInOrderAndReturnsTheAnswer() {
        ScriptedPlanner planner = locateThenDrawThenAnswer();
        String answer = ChatClient.create(planner).prompt()
                .user("How many cats are in image " + photo + "? Mark them.")
                .tools(tools)
                .call()
                .content();

        assertThat(planner.prompts).hasSize(3);
        // the conversation the planner saw last: the question, then each tool call with its result, in order
        List<Message> history = planner.prompts.get(2).getInstructions();
        assertThat(history).extracting(Message::getMessageType).containsExactly(MessageType.USER,
                MessageType.ASSISTANT, MessageType.TOOL, MessageType.ASSISTANT, MessageType.TOOL);
        assertThat(((AssistantMessage) history.get(1)).getToolCalls()).extracting(AssistantMessage.ToolCall::name)
                .containsExactly("locate_objects");
        assertThat(((AssistantMessage) history.get(3)).getToolCalls()).extracting(AssistantMessage.ToolCall::name)
                .containsExactly("draw_boxes");
        assertThat(vision.calls).extracting(ScriptedBackend.Call::task, ScriptedBackend.Call::text)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("detectAll", "cat"));

        // locate_objects' result carries typed boxes in pixels of the 200x150 image
        JsonNode located = JSON.readTree(((ToolResponseMessage) history.get(2)).getResponses().get(0).responseData());
        assertThat(located.get("image").asString()).isEqualTo(photo);
        assertThat(located.get("count").asInt()).isEqualTo(2);
        JsonNode boxes = located.get("boxes");
        assertThat(pixels(boxes.get(0))).containsExactly(20.0, 30.0, 60.0, 60.0);
        assertThat(pixels(boxes.get(1))).containsExactly(100.0, 75.0, 150.0, 150.0);
        for (JsonNode b : boxes) {
            assertThat(b.get("label").asString()).isEqualTo("cat");
            assertThat(b.get("image_width").asInt()).isEqualTo(200);
            assertThat(b.get("image_height").asInt()).isEqualTo(150);
        }
        assertThat(JSON.convertValue(boxes.get(1).get("raw"), List.class)).containsExactly(500.0, 500.0, 750.0,
                1000.0);

        // draw_boxes drew those boxes into a new stored image
        JsonNode drawn = JSON.readTree(((ToolResponseMessage) history.get(4)).getResponses().get(0).responseData());
        assertThat(drawn.get("source").asString()).isEqualTo(photo);
        assertThat(drawn.get("boxes").asInt()).isEqualTo(2);
        String marked = drawn.get("image").asString();
        RgbImage image = store.get(marked).orElseThrow().image();
        int colour = BoxPainter.PALETTE[1].getRGB() & 0xffffff;
        assertThat(VisionToolsTest.rgbAt(image, 125, 75)).isEqualTo(colour); // top edge of the second box
        assertThat(VisionToolsTest.rgbAt(image, 125, 110)).isEqualTo(VisionToolsTest.rgbAt(
                store.get(photo).orElseThrow().image(), 125, 110)); // its inside

        assertThat(answer).isEqualTo("I found 2 cats; they are marked in image " + marked + ".");
    }

    @Test
    void theSameLoopStreams() {
        ScriptedPlanner planner = locateThenDrawThenAnswer();
        List<String> chunks = ChatClient.create(planner).prompt()
                .user("How many cats are in image " + photo + "? Mark them.")
                .tools(tools)
                .stream()
                .content()
                .collectList()
                .block();
        assertThat(planner.prompts).hasSize(3);
        assertThat(String.join("", chunks)).startsWith("I found 2 cats; they are marked in image img-");
        assertThat(store.size()).isEqualTo(2);
    }

    @Test
    void aToolErrorGoesBackToThePlannerAndTheConversationGoesOn() {
        ScriptedPlanner planner = new ScriptedPlanner(List.of(
                prompt -> toolCall("call-1", "read_text", Map.of("image", "img-0123456789ab")),
                prompt -> {
                    ToolResponseMessage.ToolResponse error = lastToolResponse(prompt);
                    assertThat(error.name()).isEqualTo("read_text");
                    assertThat(error.responseData()).startsWith("unknown image id 'img-0123456789ab'");
                    return toolCall("call-2", "read_text", Map.of("image", photo));
                },
                prompt -> new AssistantMessage("It says: " + JSON.readTree(lastToolResponse(prompt).responseData())
                        .get("text").asString())));
        vision.answer("OPEN 24 HOURS");
        String answer = ChatClient.builder(planner).defaultTools((Object[]) tools.getToolCallbacks()).build()
                .prompt("What does the sign say?")
                .call()
                .content();
        assertThat(answer).isEqualTo("It says: OPEN 24 HOURS");
        assertThat(vision.calls).extracting(ScriptedBackend.Call::task).containsExactly("readText");
    }

    @Test
    void toolCallbacksAreUsableOneByOne() {
        ToolCallback locate = tools.getToolCallbacks()[0];
        ScriptedPlanner planner = new ScriptedPlanner(List.of(
                prompt -> toolCall("c", "locate_objects", Map.of("image", photo, "phrase", "cat")),
                prompt -> new AssistantMessage(lastToolResponse(prompt).responseData())));
        String answer = ChatClient.create(planner).prompt("Where is the cat?").tools(locate).call().content();
        assertThat(JSON.readTree(answer).get("count").asInt()).isEqualTo(2);
    }
}
