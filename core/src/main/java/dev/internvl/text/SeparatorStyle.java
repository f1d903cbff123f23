package dev.internvl.text;

import java.util.List;
import java.util.function.BiConsumer;

/** How a {@link ConversationTemplate} joins the system prompt, roles, messages and separators into one prompt. */
public enum SeparatorStyle {

    /**
     * InternVL's style for all its chat templates: {@code system + sep}, then {@code role + message + sep} for each
     * message, and the bare role for a message that is null or empty (the open assistant turn).
     */
    MPT {
        @Override
        void render(ConversationTemplate template, String systemMessage, boolean systemFromCaller, List<ChatTurn> turns,
                    BiConsumer<String, Boolean> out) {
            String sep = template.separator();
            String[] around = template.systemTemplate().split(
                    java.util.regex.Pattern.quote(ConversationTemplate.SYSTEM_MESSAGE_FIELD), -1);
            for (int i = 0; i < around.length; i++) {
                if (i > 0) {
                    out.accept(systemMessage, systemFromCaller);
                }
                out.accept(around[i], false);
            }
            out.accept(sep, false);
            for (ChatTurn turn : turns) {
                appendMessage(out, template.userRole(), turn.question(), sep);
                appendMessage(out, template.assistantRole(), turn.answer(), sep);
            }
        }

        private void appendMessage(BiConsumer<String, Boolean> out, String role, String message, String sep) {
            out.accept(role, false);
            if (message != null && !message.isEmpty()) {
                out.accept(message, true);
                out.accept(sep, false);
            }
        }
    };

    /**
     * Renders the prompt part by part, in order: {@code out} gets each part's text and whether it came from the
     * caller (the messages, and the system message when {@code systemFromCaller}).
     */
    abstract void render(ConversationTemplate template, String systemMessage, boolean systemFromCaller,
                         List<ChatTurn> turns, BiConsumer<String, Boolean> out);

    /** The prompt of a conversation (see {@link ConversationTemplate#render}). */
    String render(ConversationTemplate template, String systemMessage, List<ChatTurn> turns) {
        StringBuilder prompt = new StringBuilder();
        render(template, systemMessage, false, turns, (text, fromCaller) -> prompt.append(text));
        return prompt.toString();
    }
}
