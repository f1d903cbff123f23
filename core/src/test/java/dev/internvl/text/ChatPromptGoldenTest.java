package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Prompts string-exact against golden/templates/chat_prompts.json and batch_chat_prompts.json, the outputs of the
 * official {@code chat()} / {@code batch_chat()}.
 */
class ChatPromptGoldenTest {

    private static final Pattern CONTEXT_RUN = Pattern.compile("<IMG_CONTEXT\\*(\\d+)>");

    @Test
    void chatPromptsMatchEveryRoundOfEveryCase() {
        JsonArray cases = TestData.json("golden/templates/chat_prompts.json").getAsJsonObject().getAsJsonArray("chat_cases");
        assertEquals(28, cases.size());
        for (JsonElement element : cases) {
            JsonObject c = element.getAsJsonObject();
            ConversationTemplate template = ConversationTemplates.get(c.get("template").getAsString());
            ChatPromptBuilder builder = builder(template, c);
            List<Integer> numPatches = ChatPromptBuilder.numPatchesList(
                    integers(c.get("num_patches_list")), c.get("num_tiles_total").getAsInt());
            List<ChatTurn> history = new ArrayList<>();
            for (JsonElement r : c.getAsJsonArray("rounds")) {
                JsonObject round = r.getAsJsonObject();
                String id = template.name() + "/" + c.get("id").getAsString() + "/round " + round.get("round").getAsInt();
                assertEquals(turns(round.get("history_in")), history, id);

                ChatPrompt prompt = builder.chat(history, round.get("question").getAsString(), numPatches);
                checkPrompt(round, prompt, id);
                assertEquals(round.get("eos_token_looked_up").getAsString(), template.stopSeparator(), id);
                String response = template.cleanResponse(round.get("canned_raw_decoded_answer").getAsString());
                assertEquals(round.get("returned_response").getAsString(), response, id);
                history.add(prompt.answered(response));
            }
        }
    }

    @Test
    void batchPromptsMatchAndArePaddedOnTheLeft() {
        JsonArray cases = TestData.json("golden/templates/batch_chat_prompts.json").getAsJsonObject().getAsJsonArray("batch_cases");
        assertEquals(4, cases.size());
        InternVLTokenizer tokenizer = TestData.qwen2Tokenizer();
        long imgContext = tokenizer.requireTokenId(InternVLTokens.IMG_CONTEXT);
        for (JsonElement element : cases) {
            JsonObject c = element.getAsJsonObject();
            ConversationTemplate template = ConversationTemplates.get(c.get("template").getAsString());
            assertEquals("left", c.get("tokenizer_padding_side").getAsString());
            ChatPromptBuilder builder = builder(template, c);
            JsonArray samples = c.getAsJsonArray("samples");
            List<String> questions = new ArrayList<>();
            for (JsonElement s : samples) {
                questions.add(s.getAsJsonObject().get("question").getAsString());
            }
            List<ChatPrompt> prompts = builder.batch(questions, integers(c.get("num_patches_list")));
            for (int i = 0; i < samples.size(); i++) {
                checkPrompt(samples.get(i).getAsJsonObject(), prompts.get(i), template.name() + "/sample " + i);
            }

            BatchEncoding batch = BatchEncoding.leftPadded(tokenizer, prompts);
            long pad = tokenizer.padTokenId().orElseThrow();
            for (int i = 0; i < prompts.size(); i++) {
                long[] ids = tokenizer.encode(prompts.get(i).text());
                long[] row = batch.inputIds()[i];
                long[] mask = batch.attentionMask()[i];
                int padding = row.length - ids.length;
                assertArrayEquals(ids, Arrays.copyOfRange(row, padding, row.length));
                for (int j = 0; j < row.length; j++) {
                    assertEquals(j < padding ? pad : ids[j - padding], row[j]);
                    assertEquals(j < padding ? 0 : 1, mask[j]);
                }
                assertEquals(samples.get(i).getAsJsonObject().get("img_context_count").getAsInt(),
                        Arrays.stream(row).filter(id -> id == imgContext).count());
            }
            assertTrue(batch.inputIds()[0].length == batch.inputIds()[1].length && batch.attentionMask()[0][0] == 0);
        }
    }

    /** A builder for a golden case: the template default system message unless the case uses another one. */
    private static ChatPromptBuilder builder(ConversationTemplate template, JsonObject c) {
        ChatPromptBuilder builder = ChatPromptBuilder.forTemplate(template)
                .withImageTokensPerTile(c.get("num_image_token").getAsInt());
        String systemMessage = c.get("system_message").getAsString();
        return systemMessage.equals(template.defaultSystemMessage()) ? builder : builder.withSystemMessage(systemMessage);
    }

    /** Checks a prompt against a golden entry with {@code prompt}, its hash, lengths and the unexpanded form. */
    private static void checkPrompt(JsonObject golden, ChatPrompt prompt, String id) {
        String expected = expand(golden.get("prompt").getAsString());
        assertEquals(expected, prompt.text(), id);
        assertEquals(golden.get("prompt_sha256_utf8").getAsString(), sha256(prompt.text()), id);
        assertEquals(golden.get("prompt_length_codepoints").getAsInt(), prompt.text().codePointCount(0, prompt.text().length()), id);
        assertEquals(golden.get("prompt_length_utf8_bytes").getAsInt(), prompt.text().getBytes(StandardCharsets.UTF_8).length, id);
        assertEquals(golden.get("prompt_before_image_expansion").getAsString(), prompt.textBeforeExpansion(), id);
        assertEquals(golden.get("img_context_count").getAsInt(), prompt.imageContextTokens(), id);
    }

    /** Writes every {@code <IMG_CONTEXT*N>} run out as N tokens. */
    private static String expand(String compressed) {
        Matcher run = CONTEXT_RUN.matcher(compressed);
        StringBuilder out = new StringBuilder();
        while (run.find()) {
            run.appendReplacement(out, InternVLTokens.IMG_CONTEXT.repeat(Integer.parseInt(run.group(1))));
        }
        return run.appendTail(out).toString();
    }

    private static List<ChatTurn> turns(JsonElement history) {
        List<ChatTurn> turns = new ArrayList<>();
        if (!history.isJsonNull()) {
            for (JsonElement pair : history.getAsJsonArray()) {
                turns.add(new ChatTurn(pair.getAsJsonArray().get(0).getAsString(), pair.getAsJsonArray().get(1).getAsString()));
            }
        }
        return turns;
    }

    private static List<Integer> integers(JsonElement list) {
        if (list.isJsonNull()) {
            return null;
        }
        List<Integer> values = new ArrayList<>();
        list.getAsJsonArray().forEach(e -> values.add(e.getAsInt()));
        return values;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
