package dev.internvl.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The files of a repository that the engine reads, whichever kind of tokenizer the checkpoint ships: the
 * configuration, the conversation template, the tokenizer files, the preprocessor configuration, and the weights as
 * one {@code model.safetensors} or the shards that {@code model.safetensors.index.json} lists. The Python modelling
 * code, examples, README and other weight formats are left on the hub.
 */
final class CheckpointFiles {

    /** The small files, taken when the repository has them. */
    static final List<String> SMALL = List.of("config.json", "generation_config.json", "conversation.py",
            "tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json",
            "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json");
    static final String INDEX = "model.safetensors.index.json";
    static final String SINGLE = "model.safetensors";

    private CheckpointFiles() {
    }

    /** Every name the selection looks for, weights included. */
    static List<String> candidates() {
        List<String> all = new ArrayList<>(SMALL);
        all.add(INDEX);
        all.add(SINGLE);
        return all;
    }

    /** The shard files an index lists, sorted. */
    static List<String> shards(Path index, String what) {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8));
            JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
            if (map == null || !map.isJsonObject()) {
                throw new HubException(HubException.Reason.PROTOCOL, what + ": " + INDEX
                        + " has no weight_map, so its shards are unknown");
            }
            TreeSet<String> shards = new TreeSet<>();
            for (Map.Entry<String, JsonElement> e : ((JsonObject) map).entrySet()) {
                shards.add(e.getValue().getAsString());
            }
            return List.copyOf(shards);
        } catch (IOException | JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new HubException(HubException.Reason.PROTOCOL, what + ": " + INDEX + " is not readable JSON ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * Whether the snapshot holds every file the selection would take, so that the hub need not be asked: each
     * candidate is there or marked absent ({@code .no_exist}), and the weights are complete.
     */
    static boolean complete(HubCache cache, String commit) {
        Path snapshot = cache.snapshot(commit);
        if (!Files.isDirectory(snapshot)) {
            return false;
        }
        for (String name : SMALL) {
            if (!Files.exists(snapshot.resolve(name)) && !cache.isMarkedMissing(commit, name)) {
                return false;
            }
        }
        if (!Files.exists(snapshot.resolve(INDEX)) && !cache.isMarkedMissing(commit, INDEX)) {
            return false;
        }
        return weightsMissing(snapshot).isEmpty();
    }

    /**
     * What the snapshot lacks for the engine to load it (empty when it can): config.json, a tokenizer and complete
     * weights. Optional files (generation_config.json, conversation.py, ...) are not required.
     */
    static List<String> missing(Path snapshot) {
        List<String> missing = new ArrayList<>();
        if (!Files.isDirectory(snapshot)) {
            missing.add("the whole snapshot folder " + snapshot);
            return missing;
        }
        if (!Files.exists(snapshot.resolve("config.json"))) {
            missing.add("config.json");
        }
        boolean tokenizer = Files.exists(snapshot.resolve("tokenizer.json"))
                || Files.exists(snapshot.resolve("tokenizer.model"))
                || (Files.exists(snapshot.resolve("vocab.json")) && Files.exists(snapshot.resolve("merges.txt")));
        if (!tokenizer) {
            missing.add("a tokenizer (tokenizer.json, tokenizer.model or vocab.json with merges.txt)");
        }
        missing.addAll(weightsMissing(snapshot));
        return missing;
    }

    private static List<String> weightsMissing(Path snapshot) {
        Path index = snapshot.resolve(INDEX);
        if (Files.exists(index)) {
            List<String> missing = new ArrayList<>();
            try {
                for (String shard : shards(index, snapshot.toString())) {
                    if (!Files.exists(snapshot.resolve(shard))) {
                        missing.add(shard);
                    }
                }
            } catch (HubException e) {
                missing.add(INDEX + " (unreadable)");
            }
            return missing;
        }
        return Files.exists(snapshot.resolve(SINGLE)) ? List.of() : List.of(SINGLE + " (or " + INDEX + ")");
    }
}
