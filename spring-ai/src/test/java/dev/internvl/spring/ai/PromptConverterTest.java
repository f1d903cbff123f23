package dev.internvl.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.ChatRequest;
import dev.internvl.GenerationOptions;
import dev.internvl.InvalidRequestException;
import dev.internvl.testing.TinyModel;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.SpecialTokensInText;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeType;
import org.springframework.util.MimeTypeUtils;

class PromptConverterTest {

    static final InternVLChatOptions NONE = InternVLChatOptions.builder().build();
    static final GenerationOptions GEN = GenerationOptions.defaults();

    static Media png(int seed) {
        return Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(TinyModel.png(40, 30, seed))
                .name("pic-" + seed).build();
    }

    static UserMessage user(String text, Media... media) {
        return UserMessage.builder().text(text).media(media).build();
    }

    static ChatRequest convert(Message... messages) {
        return PromptConverter.toChatRequest(List.of(messages), NONE, GEN);
    }

    @Test
    void oneImagePutsOnePlaceholderBeforeItsMessage() {
        ChatRequest r = convert(user("What is this?", png(0)));
        assertThat(r.question()).isEqualTo("<image>\nWhat is this?");
        assertThat(r.images()).hasSize(1);
        assertThat(r.images().get(0).width()).isEqualTo(40);
        assertThat(r.history()).isEmpty();
        assertThat(r.systemMessage()).isNull();
        assertThat(r.generation()).isSameAs(GEN);
    }

    @Test
    void severalImagesAreNumberedAcrossTheConversation() {
        ChatRequest r = convert(user("Compare these.", png(0), png(1)), new AssistantMessage("They differ."),
                user("And this one?", png(2)));
        assertThat(r.history()).containsExactly(
                new ChatTurn("Image-1: <image>\nImage-2: <image>\nCompare these.", "They differ."));
        assertThat(r.question()).isEqualTo("Image-3: <image>\nAnd this one?");
        assertThat(r.images()).hasSize(3);
    }

    @Test
    void aSingleImageInTheHistoryStaysThere() {
        ChatRequest r = convert(user("Describe.", png(0)), new AssistantMessage("A square."),
                user("What colour is it?"));
        assertThat(r.history()).containsExactly(new ChatTurn("<image>\nDescribe.", "A square."));
        assertThat(r.question()).isEqualTo("What colour is it?");
        assertThat(r.images()).hasSize(1);
    }

    @Test
    void placeholdersInTheTextAreUsedAsGiven() {
        // as many as the images: no prefix, the same question as the prefixed plain text
        ChatRequest given = convert(user("Image-1: <image>\nImage-2: <image>\nCompare.", png(0), png(1)));
        ChatRequest plain = convert(user("Compare.", png(0), png(1)));
        assertThat(given.question()).isEqualTo("Image-1: <image>\nImage-2: <image>\nCompare.")
                .isEqualTo(plain.question());
        assertThat(given.images()).hasSize(2);
        // placed anywhere, in any form
        assertThat(convert(user("What is in <image> here?", png(0))).question()).isEqualTo("What is in <image> here?");
        // a history question that holds its placeholder, as the engine's ChatRequest history would
        ChatRequest r = convert(user("<image>\nWhat is it?", png(0)), new AssistantMessage("A square."),
                user("What colour?"));
        assertThat(r.history()).containsExactly(new ChatTurn("<image>\nWhat is it?", "A square."));
        assertThat(r.question()).isEqualTo("What colour?");
    }

    @Test
    void onlyTheMissingPlaceholdersArePrefixedNumberedAsTheirImages() {
        // three images, one placeholder in the text: the first two images are prefixed, the text's takes the third
        ChatRequest r = convert(user("And <image>: compare.", png(0), png(1), png(2)));
        assertThat(r.question()).isEqualTo("Image-1: <image>\nImage-2: <image>\nAnd <image>: compare.");
        // per message: the second message's own placeholder does not count for the first
        ChatRequest two = convert(user("Compare.", png(0), png(1)), new AssistantMessage("Same."),
                user("Image-3: <image>\nAnd this?", png(2)));
        assertThat(two.history()).containsExactly(
                new ChatTurn("Image-1: <image>\nImage-2: <image>\nCompare.", "Same."));
        assertThat(two.question()).isEqualTo("Image-3: <image>\nAnd this?");
    }

    @Test
    void morePlaceholdersThanImagesAndTextOnlyPlaceholdersStayText() {
        // no prefix; the engine fills the first, the second stays text
        assertThat(convert(user("<image> or <image>?", png(0))).question()).isEqualTo("<image> or <image>?");
        ChatRequest text = convert(user("What does <image> mean?"));
        assertThat(text.question()).isEqualTo("What does <image> mean?");
        assertThat(text.images()).isEmpty();
    }

    @Test
    void systemMessagesReplaceTheSystemPromptAndTilingOptionsPassThrough() {
        ChatRequest r = PromptConverter.toChatRequest(List.of(new SystemMessage("Be brief."), user("Hi"),
                new SystemMessage("Answer in French.")), InternVLChatOptions.builder().maxTiles(2).thumbnail(false)
                .build(), GEN);
        assertThat(r.systemMessage()).isEqualTo("Be brief.\nAnswer in French.");
        assertThat(r.maxTiles()).isEqualTo(2);
        assertThat(r.thumbnail()).isFalse();
        assertThat(r.specialTokensInText()).isEqualTo(SpecialTokensInText.REFERENCE); // the engine's default
    }

    @Test
    void theSpecialTokenModePassesThrough() {
        ChatRequest r = PromptConverter.toChatRequest(List.of(user("Hi<|im_end|>")), InternVLChatOptions.builder()
                .specialTokensInText(SpecialTokensInText.PLAIN).build(), GEN);
        assertThat(r.specialTokensInText()).isEqualTo(SpecialTokensInText.PLAIN);
    }

    @Test
    void consecutiveMessagesOfOneRoleAreJoined() {
        ChatRequest r = convert(user("First."), user("Second."), new AssistantMessage("A"), new AssistantMessage("B"),
                user("Third."));
        assertThat(r.history()).containsExactly(new ChatTurn("First.\nSecond.", "A\nB"));
        assertThat(r.question()).isEqualTo("Third.");
    }

    @Test
    void theConversationMustEndWithAUserMessage() {
        assertThatThrownBy(() -> convert(user("Hi"), new AssistantMessage("Hello")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("last message must be a user message").hasMessageContaining("'assistant'");
        assertThatThrownBy(() -> convert(new SystemMessage("Only a system prompt")))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("last message must be a user");
        assertThatThrownBy(() -> convert(new AssistantMessage("Hello"), user("Hi")))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("before any user message");
        assertThatThrownBy(() -> PromptConverter.toChatRequest(List.of(), NONE, GEN))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("no messages");
    }

    @Test
    void toolMessagesAreRejected() {
        Message tool = ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse("1", "weather", "{}"))).build();
        assertThatThrownBy(() -> convert(user("Hi"), tool, user("Again")))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("tool");
    }

    @Test
    void nonImageMediaIsRejectedByName() {
        Media pdf = Media.builder().mimeType(MimeType.valueOf("application/pdf")).data(new byte[] {1, 2, 3})
                .name("doc").build();
        assertThatThrownBy(() -> convert(user("Read", pdf)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("media 'doc' (application/pdf)").hasMessageContaining("reads images")
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("invalid_image");
    }

    @Test
    void undecodableImagesAreRejectedByName() {
        Media junk = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(new byte[] {1, 2, 3, 4, 5})
                .name("broken").build();
        assertThatThrownBy(() -> convert(user("Look", junk)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("media 'broken' (image/png)").hasMessageContaining("unrecognized image format")
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("invalid_image");
    }

    @Test
    void imagesComeFromResourcesAndDataAndFileUris(@TempDir Path dir) throws Exception {
        byte[] bytes = TinyModel.png(20, 10, 3);
        Path file = Files.write(dir.resolve("p.png"), bytes);
        Media fromResource = new Media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(bytes));
        Media fromData = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG)
                .data(URI.create("data:image/png;base64," + Base64.getEncoder().encodeToString(bytes))).build();
        Media fromFile = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(file.toUri()).build();
        Media fromPath = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(file).build();
        ChatRequest r = convert(user("Four of them", fromResource, fromData, fromFile, fromPath));
        assertThat(r.images()).hasSize(4).allSatisfy(img -> assertThat(img.width()).isEqualTo(20));
        assertThat(r.images()).allSatisfy(img -> assertThat(img).isEqualTo(r.images().get(0)));
    }

    @Test
    void remoteUrlsAndBadDataUrisAreRejected() {
        Media remote = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(URI.create("https://example.org/a.png"))
                .name("remote").build();
        assertThatThrownBy(() -> convert(user("?", remote))).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("media 'remote'").hasMessageContaining("only data: and file: URIs");
        Media plain = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data("data:image/png,abc").name("plain").build();
        assertThatThrownBy(() -> convert(user("?", plain))).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("media 'plain'").hasMessageContaining("base64");
        Media number = Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(42).name("number").build();
        assertThatThrownBy(() -> convert(user("?", number))).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("media 'number'").hasMessageContaining("java.lang.Integer");
    }
}
