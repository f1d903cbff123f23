package dev.internvl.text;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A chat template of InternVL's {@code conversation.py}, as data: how prompts are laid out and where generation
 * stops. The registry of the named templates is {@link ConversationTemplates}.
 *
 * @param name the name that checkpoints give in {@code config.json} ({@code "template"})
 * @param systemTemplate the system prompt, with {@value #SYSTEM_MESSAGE_FIELD} where the system message goes
 * @param defaultSystemMessage the system message used when neither the caller nor the checkpoint gives one
 * @param userRole the text that opens a user message (e.g. {@code <|im_start|>user\n})
 * @param assistantRole the text that opens an assistant message
 * @param separatorStyle how the parts are joined
 * @param separator the text that closes the system prompt and each message
 * @param extraStopStrings special tokens besides the separator that also end generation: the official
 *     templates of the InternVL 1.5 era listed them as stop token ids, and engines stop on them so that a model that
 *     emits one never runs on
 */
public record ConversationTemplate(
        String name,
        String systemTemplate,
        String defaultSystemMessage,
        String userRole,
        String assistantRole,
        SeparatorStyle separatorStyle,
        String separator,
        List<String> extraStopStrings) {

    /** The placeholder of {@link #systemTemplate()}. */
    public static final String SYSTEM_MESSAGE_FIELD = "{system_message}";

    public ConversationTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(systemTemplate, "systemTemplate");
        Objects.requireNonNull(defaultSystemMessage, "defaultSystemMessage");
        Objects.requireNonNull(userRole, "userRole");
        Objects.requireNonNull(assistantRole, "assistantRole");
        Objects.requireNonNull(separatorStyle, "separatorStyle");
        Objects.requireNonNull(separator, "separator");
        extraStopStrings = List.copyOf(extraStopStrings);
        if (PythonStrings.strip(separator).isEmpty()) {
            throw new IllegalArgumentException("Template " + name + ": the separator must contain a stop token");
        }
    }

    /** This template with another default system message (e.g. the one a checkpoint's own conversation.py sets). */
    public ConversationTemplate withDefaultSystemMessage(String message) {
        return new ConversationTemplate(name, systemTemplate, message, userRole, assistantRole, separatorStyle,
                separator, extraStopStrings);
    }

    /** The system prompt with {@code systemMessage} filled in. */
    public String systemPrompt(String systemMessage) {
        return systemTemplate.replace(SYSTEM_MESSAGE_FIELD, systemMessage);
    }

    /**
     * The prompt of a conversation: the system prompt, then each turn; an open last turn ends the prompt with the
     * bare assistant role, ready for generation.
     */
    public String render(String systemMessage, List<ChatTurn> turns) {
        return separatorStyle.render(this, systemMessage, turns);
    }

    /** The token that ends an answer: the separator without surrounding whitespace ({@code <|im_end|>}, {@code <|end|>}). */
    public String stopSeparator() {
        return PythonStrings.strip(separator);
    }

    /** Everything that ends generation: {@link #stopSeparator()} first, then {@link #extraStopStrings()}. */
    public List<String> stopStrings() {
        Set<String> all = new LinkedHashSet<>();
        all.add(stopSeparator());
        all.addAll(extraStopStrings);
        return new ArrayList<>(all);
    }

    /**
     * The ids that end generation with {@code tokenizer}: the separator's id (required), plus the ids of those
     * extra stop strings that are special tokens of this tokenizer (others, e.g. {@code <|im_start|>} for Phi-3,
     * are ignored).
     *
     * @throws IllegalArgumentException when the separator is not a single token of the tokenizer
     */
    public Set<Long> stopTokenIds(InternVLTokenizer tokenizer) {
        Set<Long> ids = new LinkedHashSet<>();
        String stop = stopSeparator();
        ids.add(tokenizer.tokenId(stop).orElseThrow(() -> new IllegalArgumentException(
                "Template " + name + " stops on " + stop + ", which is not a single token of this tokenizer")));
        for (String extra : extraStopStrings) {
            OptionalLong id = tokenizer.tokenId(extra);
            if (id.isPresent() && tokenizer.specialIds().contains(id.getAsLong())) {
                ids.add(id.getAsLong());
            }
        }
        return ids;
    }

    /**
     * The answer as {@code chat()} returns it: the decoded text cut at the first stop separator, without leading
     * and trailing whitespace.
     */
    public String cleanResponse(String decoded) {
        int cut = decoded.indexOf(stopSeparator());
        return PythonStrings.strip(cut < 0 ? decoded : decoded.substring(0, cut));
    }
}
