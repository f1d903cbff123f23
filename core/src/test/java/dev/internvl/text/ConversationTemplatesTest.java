package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The templates against golden/templates/conversation_templates.json (official conversation.py). */
class ConversationTemplatesTest {

    private static final JsonObject GOLDEN = TestData.json("golden/templates/conversation_templates.json").getAsJsonObject();

    @Test
    void fieldsMatchTheOfficialTemplates() {
        JsonObject templates = GOLDEN.getAsJsonObject("templates");
        assertEquals(templates.keySet(), ConversationTemplates.names());
        for (Map.Entry<String, JsonElement> e : templates.entrySet()) {
            JsonObject expected = e.getValue().getAsJsonObject();
            ConversationTemplate template = ConversationTemplates.get(e.getKey());
            String name = e.getKey();
            assertEquals(name, template.name());
            assertEquals(expected.get("system_template").getAsString(), template.systemTemplate(), name);
            assertEquals(expected.get("system_message").getAsString(), template.defaultSystemMessage(), name);
            JsonArray roles = expected.getAsJsonArray("roles");
            assertEquals(roles.get(0).getAsString(), template.userRole(), name);
            assertEquals(roles.get(1).getAsString(), template.assistantRole(), name);
            assertEquals(expected.get("sep_style").getAsString(), template.separatorStyle().name(), name);
            assertEquals(expected.get("sep").getAsString(), template.separator(), name);
            assertTrue(expected.get("sep2").isJsonNull(), name); // MPT templates have one separator
            assertEquals(expected.get("eos_token_used_by_chat").getAsString(), template.stopSeparator(), name);
            assertEquals(template.stopSeparator(), template.stopStrings().get(0), name);
            if (!expected.get("stop_str").isJsonNull()) {
                assertTrue(template.stopStrings().contains(expected.get("stop_str").getAsString()), name);
            }
        }
    }

    @Test
    void rendersLikeGetPrompt() {
        for (JsonElement element : GOLDEN.getAsJsonArray("get_prompt_cases")) {
            JsonObject c = element.getAsJsonObject();
            ConversationTemplate template = ConversationTemplates.get(c.get("template").getAsString());
            List<ChatTurn> turns = new ArrayList<>();
            JsonArray messages = c.getAsJsonArray("messages");
            for (int i = 0; i < messages.size(); i += 2) {
                assertEquals("user", messages.get(i).getAsJsonArray().get(0).getAsString());
                assertEquals("assistant", messages.get(i + 1).getAsJsonArray().get(0).getAsString());
                JsonElement answer = messages.get(i + 1).getAsJsonArray().get(1);
                turns.add(new ChatTurn(messages.get(i).getAsJsonArray().get(1).getAsString(),
                        answer.isJsonNull() ? null : answer.getAsString()));
            }
            String id = c.get("template").getAsString() + "/" + c.get("id").getAsString();
            assertEquals(c.get("prompt").getAsString(), template.render(c.get("system_message").getAsString(), turns), id);
        }
    }

    @Test
    void defaultSystemMessagesMindTheCommas() {
        String internVL2 = ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE;
        assertTrue(internVL2.contains("大模型\uFF0C英文名叫InternVL, 是"), internVL2);
        String internVL25 = ConversationTemplates.INTERNVL2_5_SYSTEM_MESSAGE;
        assertTrue(internVL25.contains("书生\u00B7万象\uFF0C英文名是InternVL\uFF0C是"), internVL25);
        assertFalse(internVL25.contains(","), internVL25);
        assertTrue(ConversationTemplates.V1_5_INTERNLM2_SYSTEM_MESSAGE.endsWith("InternLM (书生\u00B7浦语)."));
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConversationTemplates.get("vicuna_v1.1"));
        assertTrue(e.getMessage().contains("vicuna_v1.1"), e.getMessage());
        for (String name : ConversationTemplates.names()) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void stopTokenIdsResolveWithTheTokenizer() {
        InternVLTokenizer qwen2 = TestData.qwen2Tokenizer();
        assertEquals(Set.of(151645L, 151644L, 151643L), ConversationTemplates.get("Hermes-2").stopTokenIds(qwen2));
        assertEquals(151645L, ConversationTemplates.get("internvl2_5").stopTokenIds(qwen2).iterator().next());
        assertEquals(List.of("<|end|>", "<|endoftext|>", "</s>"), ConversationTemplates.get("phi3-chat").stopStrings());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConversationTemplates.get("phi3-chat").stopTokenIds(qwen2));
        assertTrue(e.getMessage().contains("<|end|>"), e.getMessage());
    }

    @Test
    void cleansResponsesLikeChat() {
        ConversationTemplate hermes = ConversationTemplates.get("Hermes-2");
        assertEquals("A rose.", hermes.cleanResponse("  A rose.\n<|im_end|>ignored"));
        assertEquals("A rose.", hermes.cleanResponse("A rose.\u00A0\u3000"));
        ConversationTemplate internVL25 = ConversationTemplates.get("internvl2_5");
        assertEquals("Red.", internVL25.cleanResponse("Red.<|im_end|>"));
        assertEquals("Red.", internVL25.cleanResponse("Red.<|im_end|>\nmore"));
        assertEquals("Done", ConversationTemplates.get("phi3-chat").cleanResponse("Done<|end|><|endoftext|>"));
    }
}
