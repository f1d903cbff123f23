package dev.internvl.text;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chat templates that InternVL checkpoints name in {@code config.json}, as defined in the official
 * {@code internvl_chat/internvl/conversation.py} (OpenGVLab/InternVL at commit 2410d1dbf208f0e7).
 *
 * <p>The default system messages are those of the InternVL2 era. Checkpoints of the InternVL-Chat-V1-5 era ship a
 * {@code conversation.py} whose defaults differ ({@link #V1_5_INTERNLM2_SYSTEM_MESSAGE},
 * {@link #V1_5_PHI3_SYSTEM_MESSAGE}); pass those, or the {@code config.json} {@code system_message}, to the
 * prompt builder.
 */
public final class ConversationTemplates {

    /** System message of the InternVL2 templates (note the full-width comma, then an ASCII comma and a space). */
    public static final String INTERNVL2_SYSTEM_MESSAGE =
            "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。";
    /** System message of the InternVL2.5 / InternVL3 template (full-width commas only). */
    public static final String INTERNVL2_5_SYSTEM_MESSAGE =
            "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";

    /** Default system message of internlm2-chat in the InternVL-Chat-V1-5 era. */
    public static final String V1_5_INTERNLM2_SYSTEM_MESSAGE = "You are an AI assistant whose name is InternLM (书生·浦语).";
    /** Default system message of phi3-chat in the InternVL-Chat-V1-5 era. */
    public static final String V1_5_PHI3_SYSTEM_MESSAGE = "You are an AI assistant whose name is Phi-3.";

    private static final String CHATML_SYSTEM = "<|im_start|>system\n" + ConversationTemplate.SYSTEM_MESSAGE_FIELD;
    private static final String CHATML_USER = "<|im_start|>user\n";
    private static final String CHATML_ASSISTANT = "<|im_start|>assistant\n";

    private static final Map<String, ConversationTemplate> TEMPLATES = index(
            // InternVL2-1B (Qwen2), InternVL2-40B (Yi); Yi's template stopped on <|endoftext|> <|im_start|> <|im_end|>.
            new ConversationTemplate("Hermes-2", CHATML_SYSTEM, INTERNVL2_SYSTEM_MESSAGE, CHATML_USER,
                    CHATML_ASSISTANT, SeparatorStyle.MPT, "<|im_end|>", List.of("<|im_start|>", "<|endoftext|>")),
            // InternLM2 checkpoints; the V1.5 template stopped on </s> <|im_start|> <|im_end|>.
            new ConversationTemplate("internlm2-chat", CHATML_SYSTEM, INTERNVL2_SYSTEM_MESSAGE, CHATML_USER,
                    CHATML_ASSISTANT, SeparatorStyle.MPT, "<|im_end|>", List.of("<|im_start|>", "<|endoftext|>", "</s>")),
            // Phi-3 checkpoints; the V1.5 template stopped on </s> <|endoftext|> <|end|>.
            new ConversationTemplate("phi3-chat", "<|system|>\n" + ConversationTemplate.SYSTEM_MESSAGE_FIELD,
                    INTERNVL2_SYSTEM_MESSAGE, "<|user|>\n", "<|assistant|>\n", SeparatorStyle.MPT, "<|end|>",
                    List.of("<|endoftext|>", "</s>")),
            // InternVL2.5 and InternVL3 (Qwen2.5, InternLM2.5, InternLM3): the separator carries a newline.
            new ConversationTemplate("internvl2_5", CHATML_SYSTEM, INTERNVL2_5_SYSTEM_MESSAGE, CHATML_USER,
                    CHATML_ASSISTANT, SeparatorStyle.MPT, "<|im_end|>\n", List.of("<|im_start|>", "<|endoftext|>", "</s>")));

    private ConversationTemplates() {
    }

    /**
     * The template called {@code name} (case-sensitive, as in {@code config.json}).
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known ones
     */
    public static ConversationTemplate get(String name) {
        ConversationTemplate template = TEMPLATES.get(name);
        if (template == null) {
            throw new IllegalArgumentException("Unknown conversation template \"" + name + "\"; known templates: "
                    + String.join(", ", TEMPLATES.keySet()));
        }
        return template;
    }

    /**
     * The template {@code name} with the default system message of the checkpoint in {@code checkpointDir}: the
     * checkpoints ship the {@code conversation.py} their code runs, and those of the InternVL-Chat-V1-5 era
     * (InternVL-Chat-V1-5, Mini-InternVL-Chat-2B/4B-V1-5) set the V1.5 messages
     * ({@link #V1_5_INTERNLM2_SYSTEM_MESSAGE}, {@link #V1_5_PHI3_SYSTEM_MESSAGE}) where later ones set the InternVL2
     * message, and {@code internvl2_5} (InternVL2.5, InternVL3) its own. When the folder has no
     * {@code conversation.py}, or it does not define {@code name} with a plain string literal, the registry's
     * default applies: the InternVL2-era message, or the internvl2_5 one for {@code internvl2_5}.
     */
    public static ConversationTemplate forCheckpoint(java.nio.file.Path checkpointDir, String name) {
        ConversationTemplate template = get(name);
        java.nio.file.Path file = checkpointDir.resolve("conversation.py");
        if (!java.nio.file.Files.isRegularFile(file)) {
            return template;
        }
        try {
            String source = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
            return ConversationSource.systemMessage(source, name).map(template::withDefaultSystemMessage)
                    .orElse(template);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return template;
        }
    }

    /** The names of all known templates. */
    public static Set<String> names() {
        return TEMPLATES.keySet();
    }

    private static Map<String, ConversationTemplate> index(ConversationTemplate... templates) {
        Map<String, ConversationTemplate> byName = new LinkedHashMap<>();
        for (ConversationTemplate template : templates) {
            byName.put(template.name(), template);
        }
        return Collections.unmodifiableMap(byName);
    }
}
