package dev.internvl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md against the configuration metadata the processor writes: every property documented, nothing
 * documented that does not exist, and the table between the markers exactly as generated from the metadata.
 * Regenerate it with {@code ./mvnw -B -q test -pl autoconfigure -Dtest=ConfigurationDocTest -Dinternvl.docs.write=true}.
 */
class ConfigurationDocTest {

    static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
    static final Path DOC = Path.of("../docs/configuration.md");
    static final String START = "<!-- properties:start (generated from spring-configuration-metadata.json by ConfigurationDocTest) -->";
    static final String END = "<!-- properties:end -->";
    static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9\\-]+(?:\\.[a-z0-9\\-]+)+)` \\|", Pattern.MULTILINE);

    record Property(String name, String type, String defaultValue, String description) {
    }

    static List<Property> metadata() throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(METADATA, StandardCharsets.UTF_8)).getAsJsonObject();
        List<Property> out = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("properties")) {
            JsonObject p = e.getAsJsonObject();
            out.add(new Property(p.get("name").getAsString(), p.get("type").getAsString(),
                    p.has("defaultValue") ? render(p.get("defaultValue")) : null,
                    p.has("description") ? p.get("description").getAsString() : ""));
        }
        out.sort(Comparator.comparingInt((Property p) -> rank(p.name())).thenComparing(Property::name));
        return out;
    }

    /** The model first, then the engine settings, the chat defaults, the HTTP endpoints, other prefixes. */
    static int rank(String name) {
        if (name.equals("spring.ai.internvl.model.path")) {
            return 0;
        }
        if (name.startsWith("spring.ai.internvl.model.")) {
            return 1;
        }
        if (name.startsWith("spring.ai.internvl.chat.")) {
            return 3;
        }
        if (name.startsWith("spring.ai.internvl.web.")) {
            return 4;
        }
        return name.startsWith("spring.ai.internvl.") ? 2 : 5;
    }

    static String render(JsonElement value) {
        if (value.isJsonArray()) {
            List<String> items = new ArrayList<>();
            value.getAsJsonArray().forEach(v -> items.add(v.getAsString()));
            return String.join(",", items);
        }
        return value.getAsString();
    }

    static String type(String javaType) {
        try {
            Class<?> c = Class.forName(javaType);
            if (c.isEnum()) {
                return Arrays.stream(c.getEnumConstants()).map(k -> ((Enum<?>) k).name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(" \\| "));
            }
        } catch (ClassNotFoundException e) {
            // a generic or primitive type: shortened below
        }
        return javaType.replaceAll("\\b(?:[a-z][a-z0-9]*\\.)+([A-Z])", "$1");
    }

    static String table(List<Property> properties) {
        StringBuilder t = new StringBuilder("| Property | Type | Default | Description |\n|---|---|---|---|\n");
        for (Property p : properties) {
            t.append("| `").append(p.name()).append("` | ").append(type(p.type())).append(" | ")
                    .append(p.defaultValue() == null ? "" : "`" + p.defaultValue() + "`").append(" | ")
                    .append(p.description().replace("|", "\\|").replace("\n", " ")).append(" |\n");
        }
        return t.toString();
    }

    @Test
    void everyPropertyIsDocumentedAndEveryDocumentedPropertyExists() throws IOException {
        List<Property> properties = metadata();
        assertThat(properties).extracting(Property::name).contains("spring.ai.internvl.model.path",
                "spring.ai.internvl.chat.options.temperature");
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String generated = table(properties);
        if (Boolean.getBoolean("internvl.docs.write")) {
            int s = doc.indexOf(START);
            int e = doc.indexOf(END);
            assertThat(s).as("markers in " + DOC).isNotNegative().isLessThan(e);
            doc = doc.substring(0, s + START.length()) + "\n" + generated + doc.substring(e);
            Files.writeString(DOC, doc, StandardCharsets.UTF_8);
        }
        Set<String> known = properties.stream().map(Property::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> documented = new TreeSet<>();
        Matcher m = ROW.matcher(doc);
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> missing = new TreeSet<>(known);
        missing.removeAll(documented);
        Set<String> absent = new TreeSet<>(documented);
        absent.removeAll(known);
        assertThat(missing).as("properties missing from " + DOC).isEmpty();
        assertThat(absent).as("properties documented in " + DOC + " but absent from the metadata").isEmpty();
        assertThat(doc).as(DOC + " table out of date: regenerate with -Dinternvl.docs.write=true")
                .contains(START + "\n" + generated + END);
    }
}
