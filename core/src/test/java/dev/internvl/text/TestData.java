package dev.internvl.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test resources: the derived InternVL2-1B tokenizer (loaded once per JVM) and the golden JSON files. */
final class TestData {

    private static InternVLTokenizer qwen2;

    private TestData() {
    }

    /** The InternVL2-1B (Qwen2) tokenizer of {@code tokenizers/internvl2-qwen2}; shared, never closed. */
    static synchronized InternVLTokenizer qwen2Tokenizer() {
        if (qwen2 == null) {
            qwen2 = InternVLTokenizer.load(resource("tokenizers/internvl2-qwen2"));
        }
        return qwen2;
    }

    static Path resource(String name) {
        try {
            return Path.of(TestData.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonElement json(String name) {
        try {
            return JsonParser.parseString(Files.readString(resource(name), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
