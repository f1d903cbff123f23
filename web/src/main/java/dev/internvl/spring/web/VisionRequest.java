package dev.internvl.spring.web;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.internvl.InvalidOptionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.util.MimeType;
import org.springframework.util.MultiValueMap;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.JsonNode;

/**
 * The fields of a grounding or OCR request, from a JSON body ({@link Json}) or from multipart form data (an
 * {@code image} file part and text fields of the same names).
 *
 * @param image    the one image, not yet decoded
 * @param model    the model asked for, or null
 * @param phrases  {@code phrase} and {@code phrases}, as given
 * @param all      grounding: every instance instead of one region
 * @param keyValues OCR: the {@code key: value} fields too
 * @param maxTiles tiles per image at most, or null
 */
record VisionRequest(ImageInputs.EncodedImage image, String model, List<String> phrases, boolean all,
        boolean keyValues, Integer maxTiles) {

    /** Longest phrase, in characters. */
    static final int MAX_PHRASE_LENGTH = 1000;

    /** The JSON body, as Jackson reads it; fields it does not know are ignored. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Json(String image, JsonNode images, String model, JsonNode phrase, JsonNode phrases, Boolean all,
            @JsonProperty("key_values") Boolean keyValues, @JsonProperty("max_tiles") Integer maxTiles) {

        VisionRequest read(ImageInputs inputs) {
            if (images != null && !images.isNull()) {
                throw ApiException.badRequest("images", "too_many_images", "Send one image, as 'image'");
            }
            if (image == null || image.isBlank()) {
                throw ApiException.badRequest("image", "missing_image", "No image: send it as 'image', base64 or a "
                        + "data: URL");
            }
            List<String> given = strings(phrase, "phrase");
            given.addAll(strings(phrases, "phrases"));
            return new VisionRequest(inputs.fromField(image, "image"), model, given, Boolean.TRUE.equals(all),
                    Boolean.TRUE.equals(keyValues), checkTiles(maxTiles));
        }

        /** A string, or an array of strings (numbers and booleans as written). */
        private static List<String> strings(JsonNode node, String param) {
            List<String> out = new ArrayList<>();
            if (node == null || node.isNull()) {
                return out;
            }
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    out.add(scalar(node.get(i), param + "[" + i + "]"));
                }
            } else {
                out.add(scalar(node, param));
            }
            return out;
        }

        private static String scalar(JsonNode node, String param) {
            if (!node.isValueNode() || node.isNull()) {
                throw ApiException.badRequest(param, "'" + param + "' must be a string");
            }
            return node.asString();
        }
    }

    /** A multipart request: the {@code image} part (a file, or a text field like JSON's) and text fields. */
    static VisionRequest read(MultiValueMap<String, String> fields, MultiValueMap<String, MultipartFile> files,
            ImageInputs inputs) {
        List<MultipartFile> imageFiles = files.getOrDefault("image", List.of());
        List<String> imageFields = fields.getOrDefault("image", List.of());
        int count = imageFiles.size() + imageFields.size();
        if (count == 0) {
            throw ApiException.badRequest("image", "missing_image", "No image: send it as the file part 'image'");
        }
        if (count > 1) {
            throw ApiException.badRequest("image", "too_many_images", "Send one image per request; got " + count
                    + " 'image' parts");
        }
        List<String> phrases = new ArrayList<>(fields.getOrDefault("phrase", List.of()));
        phrases.addAll(fields.getOrDefault("phrases", List.of()));
        String maxTiles = single(fields, "max_tiles");
        Integer tiles;
        try {
            tiles = maxTiles == null || maxTiles.isBlank() ? null : checkTiles(Integer.parseInt(maxTiles.strip()));
        } catch (NumberFormatException e) {
            throw maxTilesOutOfRange("must be an integer", maxTiles);
        }
        ImageInputs.EncodedImage image = imageFields.isEmpty() ? file(imageFiles.get(0))
                : inputs.fromField(imageFields.get(0), "image"); // a text field: base64 or a URL, as in JSON
        return new VisionRequest(image, single(fields, "model"), phrases, flag(fields, "all"),
                flag(fields, "key_values"), tiles);
    }

    private static ImageInputs.EncodedImage file(MultipartFile part) {
        String type = part.getContentType() == null ? "" : part.getContentType().toLowerCase(Locale.ROOT);
        if (!type.isEmpty() && !type.startsWith("image/") && !type.startsWith("application/octet-stream")) {
            throw ApiException.badRequest("image", "invalid_image", "The 'image' part has type '" + type
                    + "'; send an image (JPEG, PNG, GIF, BMP or WebP)");
        }
        try {
            return new ImageInputs.EncodedImage(part.getBytes(), new MimeType("image", "*"), "image");
        } catch (IOException e) {
            throw ApiException.badRequest("image", "The part 'image' could not be read");
        }
    }

    /** A field given once at most. */
    private static String single(MultiValueMap<String, String> fields, String name) {
        List<String> v = fields.getOrDefault(name, List.of());
        if (v.size() > 1) {
            throw ApiException.badRequest(name, "'" + name + "' is given " + v.size() + " times; give it once");
        }
        return v.isEmpty() ? null : v.get(0);
    }

    private static boolean flag(MultiValueMap<String, String> fields, String name) {
        String v = single(fields, name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "on", "yes" -> true;
            case "false", "0", "off", "no" -> false;
            default -> throw ApiException.badRequest(name, "'" + name + "' must be true or false, got '" + v + "'");
        };
    }

    /** A tile limit by the engine's rule ({@link InvalidOptionException#checkTiles}), as a 400 naming the field. */
    private static Integer checkTiles(Integer n) {
        try {
            InvalidOptionException.checkTiles("max_tiles", n);
            return n;
        } catch (InvalidOptionException e) {
            throw maxTilesOutOfRange(e.rule(), String.valueOf(n));
        }
    }

    private static ApiException maxTilesOutOfRange(String rule, String v) {
        return ApiException.badRequest("max_tiles", "'max_tiles' " + rule + ", got '" + v + "'");
    }

    /** The phrases: stripped, duplicates dropped, in order, at most {@code max}. */
    List<String> phrases(int max) {
        List<String> all = new ArrayList<>();
        for (String p : phrases) {
            String s = p.strip();
            if (!s.isEmpty() && !all.contains(s)) {
                all.add(s);
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
