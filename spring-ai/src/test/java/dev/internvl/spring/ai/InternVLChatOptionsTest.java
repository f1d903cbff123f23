package dev.internvl.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.text.SpecialTokensInText;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;

class InternVLChatOptionsTest {

    static InternVLChatOptions full() {
        return InternVLChatOptions.builder().model("m").temperature(0.7).topP(0.9).topK(40).maxTokens(64)
                .stopSequences(List.of("END")).frequencyPenalty(0.0).presencePenalty(0.0).maxTiles(6)
                .thumbnail(true).seed(42L).repetitionPenalty(1.1).specialTokensInText(SpecialTokensInText.PLAIN)
                .videoFrames(16).videoStart(1.5).videoEnd(4.0).skipSpecialTokens(false).build();
    }

    @Test
    void mutateRoundTripsEveryField() {
        InternVLChatOptions o = full();
        assertThat(o.mutate().build()).isEqualTo(o).hasSameHashCodeAs(o);
        assertThat(o.getMaxTiles()).isEqualTo(6);
        assertThat(o.getThumbnail()).isTrue();
        assertThat(o.getSeed()).isEqualTo(42L);
        assertThat(o.getRepetitionPenalty()).isEqualTo(1.1);
        assertThat(o.getSpecialTokensInText()).isEqualTo(SpecialTokensInText.PLAIN);
        assertThat(o.toString()).contains("maxTiles=6", "seed=42", "specialTokensInText=PLAIN");
        assertThat(o.mutate().specialTokensInText(SpecialTokensInText.REFERENCE).build()).isNotEqualTo(o);
        assertThat(o.getVideoFrames()).isEqualTo(16);
        assertThat(o.getVideoStart()).isEqualTo(1.5);
        assertThat(o.getVideoEnd()).isEqualTo(4.0);
        assertThat(o.toString()).contains("videoFrames=16", "videoStart=1.5", "videoEnd=4.0");
        assertThat(o.mutate().videoFrames(8).build()).isNotEqualTo(o);
        assertThat(o.mutate().videoEnd(5.0).build()).isNotEqualTo(o);
        assertThat(o.getSkipSpecialTokens()).isFalse();
        assertThat(o.toString()).contains("skipSpecialTokens=false");
        assertThat(o.mutate().skipSpecialTokens(true).build()).isNotEqualTo(o);
        assertThat(o.mutate().skipSpecialTokens(null).build().getSkipSpecialTokens()).isNull();
    }

    @Test
    void mergeTakesRequestFieldsOverDefaultsFieldByField() {
        InternVLChatOptions defaults = full();
        InternVLChatOptions request = InternVLChatOptions.builder().maxTokens(5).seed(7L)
                .stopSequences(List.of("STOP")).build();
        InternVLChatOptions merged = InternVLChatOptions.merge(defaults, request);
        assertThat(merged.getMaxTokens()).isEqualTo(5);
        assertThat(merged.getSeed()).isEqualTo(7L);
        assertThat(merged.getStopSequences()).containsExactly("STOP"); // replaced, not appended
        assertThat(merged.getTemperature()).isEqualTo(0.7);
        assertThat(merged.getMaxTiles()).isEqualTo(6);
        assertThat(merged.getModel()).isEqualTo("m");
        assertThat(merged.getSpecialTokensInText()).isEqualTo(SpecialTokensInText.PLAIN);
        assertThat(InternVLChatOptions.merge(defaults, InternVLChatOptions.builder()
                .specialTokensInText(SpecialTokensInText.REFERENCE).build()).getSpecialTokensInText())
                .isEqualTo(SpecialTokensInText.REFERENCE);
        assertThat(merged.getVideoFrames()).isEqualTo(16);
        InternVLChatOptions frames = InternVLChatOptions.merge(defaults, InternVLChatOptions.builder().videoFrames(4)
                .build());
        assertThat(frames.getVideoFrames()).isEqualTo(4);
        assertThat(frames.getVideoStart()).isEqualTo(1.5);
        assertThat(merged.getSkipSpecialTokens()).isFalse();
        assertThat(InternVLChatOptions.merge(defaults, InternVLChatOptions.builder().skipSpecialTokens(true).build())
                .getSkipSpecialTokens()).isTrue();
        assertThat(InternVLChatOptions.merge(defaults, null)).isSameAs(defaults);
    }

    @Test
    void portableOptionsWithNullFieldsKeepTheDefaults() {
        ChatOptions portable = ChatOptions.builder().temperature(0.2).build(); // every other field null
        InternVLChatOptions merged = InternVLChatOptions.merge(full(), portable);
        assertThat(merged.getTemperature()).isEqualTo(0.2);
        assertThat(merged.getMaxTokens()).isEqualTo(64);
        assertThat(merged.getTopK()).isEqualTo(40);
        assertThat(merged.getSeed()).isEqualTo(42L);
    }

    @Test
    void combinesWithPortableAndInternVLBuildersAsChatClientDoes() {
        // ChatClient: chatModel.getOptions().mutate().combineWith(request builder).build()
        InternVLChatOptions a = full().mutate().combineWith(ChatOptions.builder().maxTokens(3).topK(null)).build();
        assertThat(a.getMaxTokens()).isEqualTo(3);
        assertThat(a.getTopK()).isEqualTo(40);
        assertThat(a.getSeed()).isEqualTo(42L);

        InternVLChatOptions b = full().mutate().combineWith(InternVLChatOptions.builder().maxTiles(1).seed(9L)).build();
        assertThat(b.getMaxTiles()).isEqualTo(1);
        assertThat(b.getSeed()).isEqualTo(9L);
        assertThat(b.getThumbnail()).isTrue();
        InternVLChatOptions c = full().mutate().combineWith(InternVLChatOptions.builder().videoFrames(2)).build();
        assertThat(c.getVideoFrames()).isEqualTo(2);
        assertThat(c.getVideoEnd()).isEqualTo(4.0);
        assertThat(c.getSkipSpecialTokens()).isFalse();
        assertThat(full().mutate().combineWith(InternVLChatOptions.builder().skipSpecialTokens(true)).build()
                .getSkipSpecialTokens()).isTrue();

        InternVLChatOptions.Builder original = InternVLChatOptions.builder().maxTiles(2);
        InternVLChatOptions.Builder copy = original.clone().maxTiles(3);
        assertThat(original.build().getMaxTiles()).isEqualTo(2);
        assertThat(copy.build().getMaxTiles()).isEqualTo(3);
    }
}
