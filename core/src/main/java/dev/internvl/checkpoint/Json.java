package dev.internvl.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Typed reads of optional keys from checkpoint JSON files, with errors that name the file and key. */
final class Json {

    private final Path file;
    private final String prefix;
    final JsonObject obj;

    private Json(Path file, String prefix, JsonObject obj) {
        this.file = file;
        this.prefix = prefix;
        this.obj = obj;
    }

    static Json read(Path file) {
        try {
            JsonElement el = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!el.isJsonObject()) {
                throw new CheckpointException(file + ": expected a JSON object");
            }
            return new Json(file, "", el.getAsJsonObject());
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": file not found");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** A nested object, or an empty one when absent or null. */
    Json child(String key) {
        JsonElement el = obj.get(key);
        if (el == null || el.isJsonNull()) {
            return new Json(file, prefix + key + ".", new JsonObject());
        }
        if (!el.isJsonObject()) {
            throw wrong(key, "an object");
        }
        return new Json(file, prefix + key + ".", el.getAsJsonObject());
    }

    boolean has(String key) {
        JsonElement el = obj.get(key);
        return el != null && !el.isJsonNull();
    }

    int getInt(String key, int dflt) {
        if (!has(key)) {
            return dflt;
        }
        try {
            return obj.get(key).getAsInt();
        } catch (RuntimeException e) {
            throw wrong(key, "an integer");
        }
    }

    double getDouble(String key, double dflt) {
        if (!has(key)) {
            return dflt;
        }
        try {
            return obj.get(key).getAsDouble();
        } catch (RuntimeException e) {
            throw wrong(key, "a number");
        }
    }

    boolean getBool(String key, boolean dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonElement el = obj.get(key);
        if (!el.isJsonPrimitive() || !el.getAsJsonPrimitive().isBoolean()) {
            throw wrong(key, "true or false");
        }
        return el.getAsBoolean();
    }

    String getString(String key, String dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonElement el = obj.get(key);
        if (!el.isJsonPrimitive() || !el.getAsJsonPrimitive().isString()) {
            throw wrong(key, "a string");
        }
        return el.getAsString();
    }

    /** An integer or a list of integers (as HF writes eos_token_id), empty when absent. */
    List<Integer> getIntOrList(String key) {
        List<Integer> out = new ArrayList<>();
        if (!has(key)) {
            return out;
        }
        JsonElement el = obj.get(key);
        try {
            if (el.isJsonArray()) {
                el.getAsJsonArray().forEach(e -> out.add(e.getAsInt()));
            } else {
                out.add(el.getAsInt());
            }
        } catch (RuntimeException e) {
            throw wrong(key, "an integer or a list of integers");
        }
        return out;
    }

    /** A list of numbers, empty when absent. */
    List<Double> getDoubleList(String key) {
        List<Double> out = new ArrayList<>();
        if (!has(key)) {
            return out;
        }
        try {
            obj.get(key).getAsJsonArray().forEach(e -> out.add(e.getAsDouble()));
        } catch (RuntimeException e) {
            throw wrong(key, "a list of numbers");
        }
        return out;
    }

    List<String> getStringList(String key) {
        List<String> out = new ArrayList<>();
        if (!has(key)) {
            return out;
        }
        try {
            obj.get(key).getAsJsonArray().forEach(e -> out.add(e.getAsString()));
        } catch (RuntimeException e) {
            throw wrong(key, "a list of strings");
        }
        return out;
    }

    CheckpointException wrong(String key, String expected) {
        return new CheckpointException(file + ": " + prefix + key + " must be " + expected + ", got " + obj.get(key));
    }

    CheckpointException invalid(String key, String problem) {
        return new CheckpointException(file + ": " + prefix + key + " " + problem);
    }
}
