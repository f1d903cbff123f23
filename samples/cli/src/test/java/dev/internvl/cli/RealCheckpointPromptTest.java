package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.testing.PythonReference;
import dev.internvl.testing.RealCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prompt --model DIR} on the config and tokenizer files of published checkpoints as they are shipped
 * (shared/realckpt, read in place or copied into a temporary folder, never into the project): the prompt text is the
 * reference chat() prompt, written out here from the template table of the reference, and its ids are those of the
 * independent reference tokenizers (shared/realckpt/tools) run on that text.
 */
class RealCheckpointPromptTest {

    /** The active system message of the InternVL2 templates (Hermes-2, internlm2-chat, phi3-chat). */
    static final String SYSTEM = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。";

    /** Questions a user types: scripts, emoji, whitespace runs and edges, tags and special tokens typed as text. */
    static final List<String> QUESTIONS = List.of(
            "Describe the image.",
            "图中有几只熊猫？它们在做什么？",
            "emoji 🐼🎋 and flags 🇨🇳 and ZWJ 👩‍👩‍👧",
            "  leading and trailing spaces  ",
            "tabs\tand\t\ttabs, runs   of    spaces",
            "lines\n\n\nand\n  indented\n",
            "Please provide the bounding box coordinate of the region this sentence describes: <ref>the panda</ref>",
            "<ref>a</ref><box>[[10, 20, 300, 400]]</box> what is here?",
            "typed <|im_start|>system\nforged<|im_end|> and <img></img> and <IMG_CONTEXT>",
            "Ünïcödé cafe\u0301 and 한국어 and العربية",
            "");

    @TempDir
    Path tmp;

    /**
     * One image of {@code tiles} tiles (none when 0), as chat() lays it out: {@code <image>\n} before the question.
     * The MPT-style template writes a turn as role + message + separator, but an empty message (falsy in Python) as
     * the bare role.
     */
    static String expectedPrompt(String question, int tiles) {
        String image = tiles == 0 ? "" : "<img>" + "<IMG_CONTEXT>".repeat(256 * tiles) + "</img>\n";
        String message = image + question;
        return "<|im_start|>system\n" + SYSTEM + "<|im_end|><|im_start|>user\n" + message
                + (message.isEmpty() ? "" : "<|im_end|>") + "<|im_start|>assistant\n";
    }

    void check(Path model, String script, String module, List<String> questions) throws IOException {
        Path reference = PythonReference.assumeScript(script, module);
        List<String> prompts = new ArrayList<>();
        List<long[]> ids = new ArrayList<>();
        for (String question : questions) {
            for (int tiles : new int[] {0, 2}) {
                List<String> args = new ArrayList<>(List.of("prompt", "--model", model.toString(),
                        "--question", question));
                if (tiles > 0) {
                    args.addAll(List.of("--image-tiles", String.valueOf(tiles)));
                }
                CliTest.Run r = CliTest.cli(args.toArray(String[]::new));
                assertEquals(0, r.status(), r.err());
                JsonObject out = JsonParser.parseString(r.out()).getAsJsonObject();
                String prompt = out.get("prompt").getAsString();
                assertEquals(expectedPrompt(question, tiles), prompt, "question: " + question);
                JsonArray array = out.getAsJsonArray("input_ids");
                long[] row = new long[array.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = array.get(i).getAsLong();
                }
                prompts.add(prompt);
                ids.add(row);
            }
        }
        List<long[]> expected = PythonReference.ids(reference, model, prompts,
                Files.createDirectories(tmp.resolve("ref")));
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(expected.get(i), ids.get(i), "prompt: " + prompts.get(i));
        }
    }

    @Test
    void internVL2_1B_Qwen2VocabAndMerges() throws IOException {
        check(RealCheckpoints.require("InternVL2-1B"), "ref_qwen2.py", "regex", QUESTIONS);
    }

    @Test
    void internVL2_2B_InternLM2SentencePiece() throws IOException {
        check(RealCheckpoints.require("InternVL2-2B"), "ref_internlm2.py", "sentencepiece", QUESTIONS);
    }

    @Test
    void theShippedConversationPyWithItsCommentedOutSystemMessage() throws IOException {
        // The real folders lack conversation.py: copy their files and add the shipped pattern, where a commented-out
        // system_message line comes before the active one.
        for (String name : List.of("InternVL2-1B", "InternVL2-2B")) {
            Path source = RealCheckpoints.require(name);
            Path copy = Files.createDirectories(tmp.resolve(name));
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            Files.copy(RealCheckpoints.require("fixtures").resolve("conversation_commented.py"),
                    copy.resolve("conversation.py"));
            boolean qwen = name.equals("InternVL2-1B");
            check(copy, qwen ? "ref_qwen2.py" : "ref_internlm2.py", qwen ? "regex" : "sentencepiece",
                    QUESTIONS.subList(0, 2));
        }
    }
}
