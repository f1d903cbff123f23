package dev.internvl.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.InternVL;
import dev.internvl.checkpoint.InternVLConfig;
import dev.internvl.text.ChatPrompt;
import dev.internvl.text.ChatPromptBuilder;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.InternVLTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prompt}: the exact prompt text and input ids of a chat() round (reads no weights). */
@Command(name = "prompt", description = "Build the chat() prompt and its input ids; prints {\"prompt\",\"input_ids\"}.")
final class PromptCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint folder (config.json and tokenizer), or "
            + "Hugging Face model id (org/name[@revision]) downloaded into the Hugging Face cache.")
    ModelLocation model;

    @Option(names = "--question", required = true, description = "The question.")
    String question;

    @Option(names = "--image-tiles", split = ",", description = "Tiles per image, e.g. 7 or 1,7.")
    List<Integer> imageTiles;

    @Option(names = "--history", description = "JSON file [[question, answer], ...].")
    Path history;

    @Option(names = "--system", description = "System message override.")
    String system;

    @Option(names = "--template", description = "Template override (default: config.json's).")
    String template;

    @Override
    public Integer call() throws Exception {
        Path model = this.model.dir();
        InternVLConfig cfg = InternVLConfig.read(model.resolve("config.json"));
        ChatPromptBuilder builder = InternVL.promptBuilder(model, cfg, template, system);
        ChatPrompt prompt = builder.chat(readHistory(), question, imageTiles);
        try (InternVLTokenizer tokenizer = InternVLTokenizer.load(model)) {
            InternVL.checkVocabulary(model, tokenizer, cfg.llm().vocabSize());
            JsonObject o = new JsonObject();
            o.addProperty("prompt", prompt.text());
            JsonArray ids = new JsonArray();
            for (long id : tokenizer.encode(prompt.text())) {
                ids.add(id);
            }
            o.add("input_ids", ids);
            System.out.println(new Gson().toJson(o));
        }
        return 0;
    }

    private List<ChatTurn> readHistory() throws Exception {
        List<ChatTurn> turns = new ArrayList<>();
        if (history == null) {
            return turns;
        }
        if (!Files.exists(history)) {
            throw new IllegalArgumentException(history + ": file not found");
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(history, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(history + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException(history + ": expected [[question, answer], ...]");
        }
        for (JsonElement pair : root.getAsJsonArray()) {
            if (!pair.isJsonArray() || pair.getAsJsonArray().size() != 2) {
                throw new IllegalArgumentException(history + ": each entry must be [question, answer]");
            }
            turns.add(new ChatTurn(pair.getAsJsonArray().get(0).getAsString(),
                    pair.getAsJsonArray().get(1).getAsString()));
        }
        return turns;
    }
}
