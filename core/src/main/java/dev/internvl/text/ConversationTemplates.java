package dev.internvl.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat templates that InternVL checkpoints name in {@code config.json}, as defined in the official
 * {@code internvl_chat/internvl/conversation.py} (OpenGVLab/InternVL at commit 2410d1dbf208f0e7).
 *
 * <p>The default system messages are those of the InternVL2 era (and InternVL2.5's own for {@code internvl2_5}).
 * Checkpoints of the InternVL-Chat-V1-5 era ship a {@code conversation.py} whose defaults differ
 * ({@link #V1_5_INTERNLM2_SYSTEM_MESSAGE}, {@link #V1_5_PHI3_SYSTEM_MESSAGE}); {@link #forCheckpoint} reads the
 * checkpoint's own file.
 */
public final class ConversationTemplates {

    private static final Logger LOG = LoggerFactory.getLogger(ConversationTemplates.class);

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
     * message, and {@code internvl2_5} (InternVL2.5, InternVL3) its own. The file is read as Python source, not run:
     * the {@code system_message=} of the module-level {@code register_conv_template(Conversation(name=name, ...))}
     * (a commented-out line before it is a comment), or, where that call sets none, the default of the file's
     * {@code Conversation} class ({@code ''} in the official files).
     *
     * <p>The registry's default (the InternVL2-era message, or the internvl2_5 one for {@code internvl2_5}) applies
     * when the folder has no {@code conversation.py}, and, with a warning in the log, when the file cannot be read,
     * does not register {@code name}, or gives the message in a form that would need running the code (anything
     * but string literals, implicitly concatenated, parenthesised or joined with {@code +}; see
     * {@link ConversationSource}).
     */
    public static ConversationTemplate forCheckpoint(Path checkpointDir, String name) {
        ConversationTemplate template = get(name);
        Path file = checkpointDir.resolve("conversation.py");
        if (!Files.isRegularFile(file)) {
            return template;
        }
        String fallback = "; template " + name + " keeps its built-in system message";
        String source;
        try {
            source = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{}: cannot be read as UTF-8 text ({}){}", file, e, fallback);
            return template;
        }
        try {
            Optional<String> message = ConversationSource.systemMessage(source, name);
            if (message.isEmpty()) {
                LOG.warn("{}: registers no template {}{}", file, name, fallback);
                return template;
            }
            return template.withDefaultSystemMessage(message.get());
        } catch (ConversationSource.Unreadable e) {
            LOG.warn("{}: {}{}", file, e.getMessage(), fallback);
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
