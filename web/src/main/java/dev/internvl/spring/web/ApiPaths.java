package dev.internvl.spring.web;

import java.util.List;

/** The paths of the InternVL endpoints. */
public final class ApiPaths {

    /** OpenAI-compatible chat completions, {@code POST}. */
    public static final String CHAT_COMPLETIONS = "/v1/chat/completions";

    /** OpenAI-compatible model list, {@code GET}; {@code /v1/models/{id}} for one. */
    public static final String MODELS = "/v1/models";

    /** Phrase grounding, {@code POST}. */
    public static final String GROUNDING = "/v1/grounding";

    /** Text reading, {@code POST}. */
    public static final String OCR = "/v1/ocr";

    /** Every path, as servlet URL patterns for {@link InternVLApiFilter}. */
    public static final List<String> ALL = List.of(CHAT_COMPLETIONS, MODELS, MODELS + "/*", GROUNDING, OCR);

    /** Every path, as Spring MVC path patterns for {@link ApiKeyInterceptor}. */
    public static final List<String> PATTERNS = List.of(CHAT_COMPLETIONS, MODELS, MODELS + "/**", GROUNDING, OCR);

    private ApiPaths() {
    }
}
