package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.internvl.testing.RealCheckpoints;
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

    @Test
    void theShippedLayoutGivesTheBuiltInMessageOfEveryTemplate() throws IOException {
        Files.copy(TestData.resource("conversation/internvl2_5-era.py"), dir.resolve("conversation.py"));
        JsonObject official = TestData.json("golden/templates/conversation_templates.json").getAsJsonObject()
                .getAsJsonObject("templates");
        assertEquals(ConversationTemplates.names(), official.keySet());
        for (String name : ConversationTemplates.names()) {
            String fromFile = ConversationTemplates.forCheckpoint(dir, name).defaultSystemMessage();
            assertEquals(ConversationTemplates.get(name).defaultSystemMessage(), fromFile, name);
            assertEquals(official.getAsJsonObject(name).get("system_message").getAsString(), fromFile, name);
        }
    }

    @Test
    void aCommentedOutSystemMessageIsAComment() throws IOException {
        String commented = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。";
        Files.writeString(dir.resolve("conversation.py"), """
                register_conv_template(
                    Conversation(
                        name="internlm2-chat",
                        # system_message="%s",
                        system_message='The active one, # not a comment',  # a comment
                        roles=('<|im_start|>user\\n', '<|im_start|>assistant\\n'),
                    )
                )
                """.formatted(commented), StandardCharsets.UTF_8);
        ConversationTemplate template = ConversationTemplates.forCheckpoint(dir, "internlm2-chat");
        assertEquals("The active one, # not a comment", template.defaultSystemMessage());
        assertEquals("<|im_start|>system\nThe active one, # not a comment<|im_end|><|im_start|>user\nHi<|im_end|>"
                + "<|im_start|>assistant\n", ChatPromptBuilder.forTemplate(template).chat(null, "Hi", null).text());
    }

    @Test
    void theSharedCommentedFixtureGivesTheActiveMessage() throws IOException {
        Path fixture = RealCheckpoints.require("fixtures").resolve("conversation_commented.py");
        Files.copy(fixture, dir.resolve("conversation.py"));
        String message = ConversationTemplates.forCheckpoint(dir, "Hermes-2").defaultSystemMessage();
        assertEquals(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE, message);
        assertNotEquals(ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE.replace("、清华大学", ""), message);
    }

    @Test
    void theV15LayoutAndTemplatesItDoesNotRegister() throws IOException {
        Files.copy(TestData.resource("conversation/v1_5-era.py"), dir.resolve("conversation.py"));
        assertEquals("Answer the questions.", ConversationTemplates.forCheckpoint(dir, "Hermes-2").defaultSystemMessage());
        assertEquals(ConversationTemplates.V1_5_INTERNLM2_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internlm2-chat").defaultSystemMessage());
        assertEquals(ConversationTemplates.V1_5_PHI3_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "phi3-chat").defaultSystemMessage());
        // not registered there: the built-in default (Python would stop with a KeyError)
        assertEquals(ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internvl2_5").defaultSystemMessage());
    }

    @Test
    void aTemplateWithoutSystemMessageGetsTheClassDefault() throws IOException {
        Files.writeString(dir.resolve("conversation.py"), ConversationSourceTest.HEAD
                + "register_conv_template(Conversation(name='internvl2_5', roles=('a', 'b')))\n", StandardCharsets.UTF_8);
        ConversationTemplate template = ConversationTemplates.forCheckpoint(dir, "internvl2_5");
        assertEquals("", template.defaultSystemMessage());
        assertTrue(ChatPromptBuilder.forTemplate(template).chat(null, "Hi", null).text()
                .startsWith("<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi"));
    }

    @Test
    void unreadableFilesKeepTheBuiltInMessage() throws IOException {
        for (String source : List.of(
                "register_conv_template(Conversation(name='internvl2_5', system_message=f'{NAME}'))\n",
                "register_conv_template(Conversation(name='internvl2_5', system_message='a' * 2))\n",
                "if True:\n    register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n",
                "register_conv_template(Conversation(name='internvl2_5', system_message='unterminated))\n")) {
            Files.writeString(dir.resolve("conversation.py"), source, StandardCharsets.UTF_8);
            assertEquals(ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE,
                    ConversationTemplates.forCheckpoint(dir, "internvl2_5").defaultSystemMessage(), source);
        }
        Files.write(dir.resolve("conversation.py"), new byte[] {'#', (byte) 0xC3, '\n'});
        assertEquals(ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE,
                ConversationTemplates.forCheckpoint(dir, "internvl2_5").defaultSystemMessage());
    }
}
