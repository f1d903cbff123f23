package dev.internvl.spring.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a grounding or OCR request, from a JSON body ({@code "image"}: base64, a {@code data:} URL or an
 * allowed http(s) URL) or from multipart form data (an {@code image} file part and text fields of the same names).
 *
 * @param image  the one image, not yet decoded
 * @param fields the other fields: name to values (JSON arrays of strings give several values)
 */
record VisionRequest(ImageInputs.EncodedImage image, Map<String, List<String>> fields) {

    /** Longest phrase, in characters. */
    static final int MAX_PHRASE_LENGTH = 1000;

    static VisionRequest read(HttpServletRequest request, byte[] body, ImageInputs images) {
        String contentType = request.getContentType();
        if (MultipartBody.isMultipart(contentType)) {
            return multipart(request, images);
        }
        if (!ApiController.isJson(contentType)) {
            throw ApiException.unsupportedMediaType(contentType, "application/json or multipart/form-data");
        }
        return json(Json.parseObject(body), images);
    }

    private static VisionRequest json(JsonObject o, ImageInputs images) {
        if (Json.has(o, "images")) {
            throw ApiException.badRequest("images", "too_many_images", "Send one image, as 'image'");
        }
        String image = Json.string(o, "image", "image");
        if (image == null || image.isBlank()) {
            throw ApiException.badRequest("image", "missing_image", "No image: send it as 'image', base64 or a "
                    + "data: URL");
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (e.getKey().equals("image") || e.getValue().isJsonNull()) {
                continue;
            }
            List<String> values = new ArrayList<>();
            if (e.getValue().isJsonArray()) {
                JsonArray a = e.getValue().getAsJsonArray();
                for (int i = 0; i < a.size(); i++) {
                    values.add(scalar(a.get(i), e.getKey() + "[" + i + "]"));
                }
            } else {
                values.add(scalar(e.getValue(), e.getKey()));
            }
            fields.put(e.getKey(), values);
        }
        return new VisionRequest(images.fromField(image, "image"), fields);
    }

    private static String scalar(JsonElement e, String param) {
        if (!e.isJsonPrimitive()) {
            throw ApiException.badRequest(param, "'" + param + "' must be a string, number or boolean");
        }
        return e.getAsString();
    }

    private static VisionRequest multipart(HttpServletRequest request, ImageInputs images) {
        List<Part> imageParts = new ArrayList<>();
        Map<String, List<String>> fields = new LinkedHashMap<>();
        try {
            for (Part p : request.getParts()) {
                if (p.getName().equals("image")) {
                    imageParts.add(p);
                } else if (p.getSubmittedFileName() == null) {
                    fields.computeIfAbsent(p.getName(), k -> new ArrayList<>()).add(text(p));
                }
            }
        } catch (IOException | ServletException e) {
            throw ApiException.badRequest(null, "The multipart body could not be read: " + e.getMessage());
        }
        if (imageParts.isEmpty()) {
            throw ApiException.badRequest("image", "missing_image", "No image: send it as the file part 'image'");
        }
        if (imageParts.size() > 1) {
            throw ApiException.badRequest("image", "too_many_images", "Send one image per request; got "
                    + imageParts.size() + " 'image' parts");
        }
        Part part = imageParts.get(0);
        if (part.getSubmittedFileName() == null) {
            // a text field: base64 or a URL, as in JSON
            return new VisionRequest(images.fromField(text(part), "image"), fields);
        }
        String type = part.getContentType() == null ? "" : part.getContentType().toLowerCase(Locale.ROOT);
        if (!type.isEmpty() && !type.startsWith("image/") && !type.startsWith("application/octet-stream")) {
            throw ApiException.badRequest("image", "invalid_image", "The 'image' part has type '" + type
                    + "'; send an image (JPEG, PNG, GIF, BMP or WebP)");
        }
        return new VisionRequest(new ImageInputs.EncodedImage(bytes(part), new org.springframework.util.MimeType(
                "image", "*"), "image"), fields);
    }

    private static byte[] bytes(Part p) {
        try (InputStream in = p.getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw ApiException.badRequest(p.getName(), "The part '" + p.getName() + "' could not be read");
        }
    }

    private static String text(Part p) {
        return new String(bytes(p), StandardCharsets.UTF_8);
    }

    String model() {
        return single("model");
    }

    /** A field given once at most. */
    String single(String name) {
        List<String> v = fields.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw ApiException.badRequest(name, "'" + name + "' is given " + v.size() + " times; give it once");
        }
        return v.get(0);
    }

    boolean flag(String name) {
        String v = single(name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "on", "yes" -> true;
            case "false", "0", "off", "no" -> false;
            default -> throw ApiException.badRequest(name, "'" + name + "' must be true or false, got '" + v + "'");
        };
    }

    Integer maxTiles() {
        String v = single("max_tiles");
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 1 && n <= 40) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.badRequest("max_tiles", "'max_tiles' must be an integer between 1 and 40, got '" + v + "'");
    }

    /** The phrases: {@code phrase} and {@code phrases}, stripped, duplicates dropped, in order. */
    List<String> phrases(int max) {
        List<String> all = new ArrayList<>();
        for (String name : new String[] {"phrase", "phrases"}) {
            for (String p : fields.getOrDefault(name, List.of())) {
                String s = p.strip();
                if (!s.isEmpty() && !all.contains(s)) {
                    all.add(s);
                }
            }
        }
        if (all.isEmpty()) {
            throw ApiException.badRequest("phrase", "missing_phrase", "No phrase: say what to find with 'phrase' "
                    + "(or 'phrases', a list)");
        }
        if (all.size() > max) {
            throw ApiException.badRequest("phrases", "too_many_phrases", "Too many phrases: " + all.size()
                    + "; this server grounds at most " + max + " per request");
        }
        for (String p : all) {
            if (p.length() > MAX_PHRASE_LENGTH) {
                throw ApiException.badRequest("phrase", "'phrase' is longer than " + MAX_PHRASE_LENGTH
                        + " characters");
            }
        }
        return all;
    }
}
