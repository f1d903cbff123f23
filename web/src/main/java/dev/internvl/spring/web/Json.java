package dev.internvl.spring.web;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * The endpoints' JSON, read and written with Gson so that the wire format does not depend on the application's
 * Jackson settings: text is not HTML-escaped, nulls are written, and fields are checked by type with messages
 * naming the field.
 */
final class Json {

    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private Json() {
    }

    static String toJson(JsonElement e) {
        return GSON.toJson(e);
    }

    /** Writes {@code body} as the whole response. */
    static void write(HttpServletResponse response, int status, JsonElement body) throws IOException {
        byte[] bytes = toJson(body).getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
        response.flushBuffer();
    }

    /** The request body as a JSON object; anything else is a 400. */
    static JsonObject parseObject(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest(null, "The request body is empty; send a JSON object");
        }
        JsonElement e;
        try (JsonReader reader = new JsonReader(new InputStreamReader(new ByteArrayInputStream(body),
                StandardCharsets.UTF_8))) {
            reader.setStrictness(Strictness.STRICT);
            e = JsonParser.parseReader(reader);
            if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw ApiException.badRequest(null, "The request body holds more than one JSON value");
            }
        } catch (JsonParseException | IOException | IllegalStateException ex) {
            throw ApiException.badRequest(null, "The request body is not valid JSON: " + message(ex));
        }
        if (!e.isJsonObject()) {
            throw ApiException.badRequest(null, "The request body must be a JSON object");
        }
        return e.getAsJsonObject();
    }

    /** Gson's message without its advice to the programmer: what is wrong, and where. */
    private static String message(Exception ex) {
        Throwable t = ex.getCause() != null ? ex.getCause() : ex;
        String m = t.getMessage() == null ? "malformed JSON" : t.getMessage().lines().findFirst().orElse("");
        return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .strip();
    }

    /** True when {@code o} has {@code name} with a value other than null. */
    static boolean has(JsonObject o, String name) {
        return o.has(name) && !o.get(name).isJsonNull();
    }

    static String string(JsonObject o, String name, String param) {
        if (!has(o, name)) {
            return null;
        }
        JsonElement e = o.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw ApiException.badRequest(param, "'" + param + "' must be a string");
        }
        return e.getAsString();
    }

    static Boolean bool(JsonObject o, String name, String param) {
        if (!has(o, name)) {
            return null;
        }
        JsonElement e = o.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw ApiException.badRequest(param, "'" + param + "' must be true or false");
        }
        return e.getAsBoolean();
    }

    static Double number(JsonObject o, String name, String param) {
        if (!has(o, name)) {
            return null;
        }
        JsonElement e = o.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiException.badRequest(param, "'" + param + "' must be a number");
        }
        double v = e.getAsDouble();
        if (!Double.isFinite(v)) {
            throw ApiException.badRequest(param, "'" + param + "' must be a finite number");
        }
        return v;
    }

    static Long integer(JsonObject o, String name, String param) {
        if (!has(o, name)) {
            return null;
        }
        JsonElement e = o.get(name);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return e.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException ex) {
                // not integral, or out of range: below
            }
        }
        throw ApiException.badRequest(param, "'" + param + "' must be an integer");
    }

    /** An integer field in {@code [min, max]}. */
    static Integer integer(JsonObject o, String name, String param, int min, int max) {
        Long v = integer(o, name, param);
        if (v == null) {
            return null;
        }
        if (v < min || v > max) {
            throw ApiException.badRequest(param, "'" + param + "' must be between " + min + " and " + max
                    + ", got " + v);
        }
        return v.intValue();
    }

    static JsonObject object(JsonObject o, String name, String param) {
        if (!has(o, name)) {
            return null;
        }
        JsonElement e = o.get(name);
        if (!e.isJsonObject()) {
            throw ApiException.badRequest(param, "'" + param + "' must be an object");
        }
        return e.getAsJsonObject();
    }

    static JsonArray array(JsonObject o, String name, String param) {
        if (!has(o, name)) {
            return null;
        }
        JsonElement e = o.get(name);
        if (!e.isJsonArray()) {
            throw ApiException.badRequest(param, "'" + param + "' must be an array");
        }
        return e.getAsJsonArray();
    }
}
