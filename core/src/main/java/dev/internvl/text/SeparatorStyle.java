package dev.internvl.text;

import java.util.List;

/** How a {@link ConversationTemplate} joins the system prompt, roles, messages and separators into one prompt. */
public enum SeparatorStyle {

    /**
     * InternVL's style for all its chat templates: {@code system + sep}, then {@code role + message + sep} for each
     * message, and the bare role for a message that is null or empty (the open assistant turn).
     */
    MPT {
        @Override
        String render(ConversationTemplate template, String systemMessage, List<ChatTurn> turns) {
            String sep = template.separator();
            StringBuilder prompt = new StringBuilder(template.systemPrompt(systemMessage)).append(sep);
            for (ChatTurn turn : turns) {
                appendMessage(prompt, template.userRole(), turn.question(), sep);
                appendMessage(prompt, template.assistantRole(), turn.answer(), sep);
            }
            return prompt.toString();
        }

        private void appendMessage(StringBuilder prompt, String role, String message, String sep) {
            prompt.append(role);
            if (message != null && !message.isEmpty()) {
                prompt.append(message).append(sep);
            }
        }
    };

    abstract String render(ConversationTemplate template, String systemMessage, List<ChatTurn> turns);
}
