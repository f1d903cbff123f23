package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default system message follows the checkpoint's era: its own conversation.py, else the registry. */
class CheckpointTemplateTest {

    @TempDir
    Path dir;

    /** The shape of the conversation.py that InternVL checkpoints ship (register_conv_template(Conversation(...))). */
    static String conversationPy(String internlm2Message, String phi3Message) {
        return """
                from enum import IntEnum, auto

                register_conv_template(
                    Conversation(
                        name='Hermes-2',
                        system_template='<|im_start|>system\\n{system_message}',
                        system_message='%s',
                        roles=('<|im_start|>user\\n', '<|im_start|>assistant\\n'),
                        sep_style=SeparatorStyle.MPT,
                        sep='<|im_end|>',
                    )
                )

                register_conv_template(
                    Conversation(
                        name='internlm2-chat',
                        system_template='<|im_start|>system\\n{system_message}',
                        system_message='%s',
                        roles=('<|im_start|>user\\n', '<|im_start|>assistant\\n'),
                        sep_style=SeparatorStyle.MPT,
                        sep='<|im_end|>',
                        stop_token_ids=[2, 92543, 92542]
                    )
                )

                register_conv_template(
                    Conversation(
                        name='phi3-chat',
                        system_template='<|system|>\\n{system_message}',
                        system_message=(
                            '%s'
                        ),
                        roles=('<|user|>\\n', '<|assistant|>\\n'),
                        sep_style=SeparatorStyle.MPT,
                        sep='<|end|>',
                    )
                )
                """.formatted(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE, internlm2Message, phi3Message);
    }

    @Test
    void v15CheckpointsGetTheV15SystemMessages() throws IOException {
        Files.writeString(dir.resolve("conversation.py"), conversationPy(
                ConversationTemplates.V1_5_INTERNLM2_SYSTEM_MESSAGE, ConversationTemplates.V1_5_PHI3_SYSTEM_MESSAGE),
                StandardCharsets.UTF_8);
        assertEquals(ConversationTemplates.V1_5_INTERNLM2_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internlm2-chat").defaultSystemMessage());
        assertEquals(ConversationTemplates.V1_5_PHI3_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "phi3-chat").defaultSystemMessage());
        ChatPrompt p = ChatPromptBuilder.forTemplate(ConversationTemplates.forCheckpoint(dir, "phi3-chat"))
                .chat(List.of(), "Hi", List.of());
        assertEquals("<|system|>\nYou are an AI assistant whose name is Phi-3.<|end|><|user|>\nHi<|end|><|assistant|>\n",
                p.text());
    }

    @Test
    void internVL2CheckpointsAndFoldersWithoutConversationPyGetTheRegistryDefaults() throws IOException {
        assertEquals(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internlm2-chat").defaultSystemMessage());
        // InternVL3 / InternVL2.5 name internvl2_5: its own message, not the InternVL2 one
        assertEquals(ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internvl2_5").defaultSystemMessage());
        Files.writeString(dir.resolve("conversation.py"), conversationPy(
                ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE, ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE),
                StandardCharsets.UTF_8);
        assertEquals(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internlm2-chat").defaultSystemMessage());
        // a template the file does not define keeps the registry default
        assertEquals(ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internvl2_5").defaultSystemMessage());
    }

    @Test
    void anythingButAPlainLiteralKeepsTheDefault() throws IOException {
        Files.writeString(dir.resolve("conversation.py"),
                "register_conv_template(Conversation(name='internlm2-chat', system_message=SOME_CONSTANT))\n",
                StandardCharsets.UTF_8);
        assertEquals(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internlm2-chat").defaultSystemMessage());
    }
}
