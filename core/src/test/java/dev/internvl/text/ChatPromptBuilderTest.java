package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prompt rules of chat() / batch_chat() beyond the golden cases, and the errors for inconsistent inputs. */
class ChatPromptBuilderTest {

    private static final ConversationTemplate HERMES = ConversationTemplates.get("Hermes-2");
    private static final String SYSTEM = "<|im_start|>system\nS<|im_end|>";

    private final ChatPromptBuilder builder = ChatPromptBuilder.forTemplate(HERMES).withSystemMessage("S");

    @TempDir
    Path dir;

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
    void extraPlaceholdersStayAsTextInEveryTemplate() {
        for (String name : ConversationTemplates.names()) {
            ChatPromptBuilder b = ChatPromptBuilder.forTemplate(ConversationTemplates.get(name)).withImageTokensPerTile(2);
            matchesTheReference(b, null, "A <image> and B <image> and C <image>.", List.of(1, 3));
            matchesTheReference(b, List.of(), "a literal <image>", List.of());
            matchesTheReference(b, null, "<image><image>", List.of(2));
            matchesTheReference(b.withSystemMessage("system <image>"), null, "Q <image> <image>", List.of(2));
            matchesTheReference(b, List.of(new ChatTurn("<image>\nfirst", "ok")), "second <image>", List.of(1));
            matchesTheReference(b, null, "prefixed", List.of(1));
        }
        ChatPrompt p = builder.withImageTokensPerTile(1).chat(null, "A <image> B <image> C <image>", List.of(2, 1));
        assertEquals(SYSTEM + "<|im_start|>user\nA <img><IMG_CONTEXT><IMG_CONTEXT></img> B <img><IMG_CONTEXT></img> "
                + "C <image><|im_end|><|im_start|>assistant\n", p.text());
        assertEquals(3, p.imageContextTokens());
        assertEquals("A <image> B <image> C <image>", p.question());
    }

    @Test
    void fewerPlaceholdersThanImagesIsAnError() {
        for (String name : ConversationTemplates.names()) {
            ChatPromptBuilder b = ChatPromptBuilder.forTemplate(ConversationTemplates.get(name));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.chat(null, "<image> only", List.of(1, 2)), name);
            assertTrue(e.getMessage().contains("1 <image> placeholder(s)") && e.getMessage().contains("2 image(s)"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> b.chat(List.of(new ChatTurn("Hi", "Hello")), "no placeholder", List.of(1)), name);
        }
        assertThrows(IllegalArgumentException.class, () -> builder.chat(null, "no tiles", List.of(0)));
    }

    @Test
    void leftoverPlaceholdersTokenizeAsPlainText() throws IOException {
        checkLeftoverTokens(TestData.qwen2Tokenizer(), "Hermes-2");
        checkLeftoverTokens(TestData.qwen2Tokenizer(), "internvl2_5");
        for (String[] pair : new String[][] {{"internlm2-style", "internlm2-chat"}, {"phi3-internvl", "phi3-chat"}}) {
            Path folder = dir.resolve(pair[0]);
            Files.createDirectories(folder);
            Files.copy(TestData.resource("tokenizers/mistral-spm/tokenizer.model"), folder.resolve("tokenizer.model"));
            Files.copy(TestData.resource("tokenizers/" + pair[0] + "/tokenizer_config.json"),
                    folder.resolve("tokenizer_config.json"));
            try (InternVLTokenizer tokenizer = InternVLTokenizer.load(folder)) {
                checkLeftoverTokens(tokenizer, pair[1]);
            }
        }
    }

    private static void checkLeftoverTokens(InternVLTokenizer tokenizer, String template) {
        ChatPrompt p = ChatPromptBuilder.forTemplate(ConversationTemplates.get(template)).withImageTokensPerTile(4)
                .chat(null, "Compare <image> with <image>.", List.of(2));
        long[] ids = tokenizer.encode(p.text());
        long context = tokenizer.requireTokenId(InternVLTokens.IMG_CONTEXT);
        assertEquals(p.imageContextTokens(), Arrays.stream(ids).filter(id -> id == context).count(), template);
        // not a token of its own: it survives decoding without special tokens, as text
        assertTrue(tokenizer.tokenId(InternVLTokens.IMAGE_PLACEHOLDER).isEmpty()
                || !tokenizer.specialIds().contains(tokenizer.tokenId(InternVLTokens.IMAGE_PLACEHOLDER).getAsLong()), template);
        assertTrue(tokenizer.decode(ids, true).contains(" with <image>."), template + ": " + tokenizer.decode(ids, true));
    }

    /**
     * The prompt of {@code chat()} written out by the reference's own steps: the {@code <image>\n} prefix rule, the
     * rendered template, then {@code query.replace('<image>', image_tokens, 1)} once per image.
     */
    private static void matchesTheReference(ChatPromptBuilder b, List<ChatTurn> history, String question,
                                            List<Integer> patches) {
        String q = history == null && !patches.isEmpty() && !question.contains("<image>") ? "<image>\n" + question
                : question;
        List<ChatTurn> turns = new ArrayList<>(history == null ? List.of() : history);
        turns.add(ChatTurn.open(q));
        String query = b.template().render(b.systemMessage(), turns);
        int placeholders = query.split(Pattern.quote("<image>"), -1).length - 1;
        for (int tiles : patches) {
            query = query.replaceFirst(Pattern.quote("<image>"),
                    Matcher.quoteReplacement("<img>" + "<IMG_CONTEXT>".repeat(2 * tiles) + "</img>"));
        }
        ChatPrompt prompt = b.chat(history, question, patches);
        String id = b.template().name() + ": " + question;
        assertEquals(query, prompt.text(), id);
        assertEquals(q, prompt.question(), id);
        assertEquals(2 * patches.stream().mapToInt(Integer::intValue).sum(), prompt.imageContextTokens(), id);
        assertEquals(placeholders - patches.size(), prompt.text().split(Pattern.quote("<image>"), -1).length - 1, id);
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
