package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The prompt rules of chat() / batch_chat() beyond the golden cases, and the errors for inconsistent inputs. */
class ChatPromptBuilderTest {

    private static final ConversationTemplate HERMES = ConversationTemplates.get("Hermes-2");
    private static final String SYSTEM = "<|im_start|>system\nS<|im_end|>";

    private final ChatPromptBuilder builder = ChatPromptBuilder.forTemplate(HERMES).withSystemMessage("S");

    @Test
    void systemMessagePrecedence() {
        ChatPromptBuilder defaults = ChatPromptBuilder.forTemplate(HERMES);
        assertEquals(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE, defaults.systemMessage());
        assertEquals("config", defaults.withConfigSystemMessage("config").systemMessage());
        assertEquals("mine", defaults.withSystemMessage("mine").withConfigSystemMessage("config").systemMessage());
        assertEquals("", defaults.withConfigSystemMessage("config").withSystemMessage("").systemMessage());
    }

    @Test
    void textOnlyPromptsGetNoImagePrefix() {
        ChatPrompt prompt = builder.chat(null, "Hi", null);
        assertEquals(SYSTEM + "<|im_start|>user\nHi<|im_end|><|im_start|>assistant\n", prompt.text());
        assertEquals("Hi", prompt.question());
        assertEquals(0, prompt.imageContextTokens());
    }

    @Test
    void prefixesTheImageOnlyWithoutHistory() {
        ChatPrompt first = builder.withImageTokensPerTile(2).chat(List.of(), "What?", List.of(1));
        assertEquals("<image>\nWhat?", first.question());
        assertEquals(SYSTEM + "<|im_start|>user\n<img><IMG_CONTEXT><IMG_CONTEXT></img>\nWhat?<|im_end|><|im_start|>assistant\n",
                first.text());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.chat(List.of(new ChatTurn("Hi", "Hello")), "Describe it", List.of(1)));
        assertTrue(e.getMessage().contains("0 <image> placeholder(s)") && e.getMessage().contains("1 image(s)"), e.getMessage());
    }

    @Test
    void placeholdersAndImagesMustMatch() {
        assertThrows(IllegalArgumentException.class, () -> builder.chat(null, "<image> and <image>", List.of(1)));
        assertThrows(IllegalArgumentException.class, () -> builder.chat(null, "<image> only", List.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> builder.chat(null, "a literal <image>", null));
        assertThrows(IllegalArgumentException.class, () -> builder.chat(null, "no tiles", List.of(0)));
    }

    @Test
    void tileCountsFollowChatDefaultsAndMustAddUp() {
        assertEquals(List.of(7), ChatPromptBuilder.numPatchesList(null, 7));
        assertEquals(List.of(), ChatPromptBuilder.numPatchesList(null, 0));
        assertEquals(List.of(3, 4), ChatPromptBuilder.numPatchesList(List.of(3, 4), 7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatPromptBuilder.numPatchesList(List.of(3, 5), 7));
        assertTrue(e.getMessage().contains("[3, 5]") && e.getMessage().contains("7 tiles"), e.getMessage());
    }

    @Test
    void multiImageQuestionForms() {
        String separate = MultiImageQuestions.separate(2, "Compare.");
        assertEquals("Image-1: <image>\nImage-2: <image>\nCompare.", separate);
        ChatPrompt separated = builder.withImageTokensPerTile(1).chat(null, separate, List.of(2, 1));
        assertTrue(separated.text().contains(
                "Image-1: <img><IMG_CONTEXT><IMG_CONTEXT></img>\nImage-2: <img><IMG_CONTEXT></img>\nCompare."));

        List<Integer> combined = MultiImageQuestions.combined(List.of(2, 1));
        assertEquals(List.of(3), combined);
        ChatPrompt together = builder.withImageTokensPerTile(1).chat(null, "Compare.", combined);
        assertTrue(together.text().contains("user\n<img><IMG_CONTEXT><IMG_CONTEXT><IMG_CONTEXT></img>\nCompare."));

        assertEquals("Frame1: <image>\nFrame2: <image>\nWhat happens?", MultiImageQuestions.videoFrames(2, "What happens?"));
    }

    @Test
    void batchPromptsAreIndependentAndOneImageEach() {
        List<ChatPrompt> prompts = builder.withImageTokensPerTile(1).batch(List.of("A?", "<image>\nB?"), List.of(1, 2));
        assertEquals("<image>\nA?", prompts.get(0).question());
        assertEquals(1, prompts.get(0).imageContextTokens());
        assertEquals(2, prompts.get(1).imageContextTokens());
        assertEquals("A?", builder.batch(List.of("A?"), null).get(0).question());
        assertThrows(IllegalArgumentException.class, () -> builder.batch(List.of("A?", "B?"), List.of(1)));
    }

    @Test
    void leftPaddingPadsAndMasksTheFront() {
        BatchEncoding batch = BatchEncoding.leftPadded(List.of(new long[] {5, 6, 7}, new long[] {8}), 0);
        assertArrayEquals(new long[][] {{5, 6, 7}, {0, 0, 8}}, batch.inputIds());
        assertArrayEquals(new long[][] {{1, 1, 1}, {0, 0, 1}}, batch.attentionMask());
    }

    @Test
    void answeredPromptsFeedTheHistory() {
        ChatPrompt prompt = builder.chat(null, "<image>\nWhat?", List.of(1));
        ChatTurn turn = prompt.answered("A rose.");
        assertEquals(new ChatTurn("<image>\nWhat?", "A rose."), turn);
        ChatPrompt next = builder.chat(List.of(turn), "Colour?", List.of(1));
        assertEquals(256, next.imageContextTokens());
        assertTrue(next.textBeforeExpansion().endsWith("A rose.<|im_end|><|im_start|>user\nColour?<|im_end|><|im_start|>assistant\n"));
    }
}
