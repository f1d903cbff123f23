package dev.internvl.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Texts that tokenizer tests encode with two implementations and compare: whitespace runs, Chinese and other
 * scripts, emoji, combining characters that NFC composes (also right after an added token), chat and InternVL tokens
 * typed as text, InternLM2's placeholder pieces, and whole InternVL prompts (system message, image placeholders,
 * several turns) of the Hermes-2, internlm2-chat and internvl2_5 templates.
 */
final class TokenizerTexts {

    private TokenizerTexts() {
    }

    /** The image placeholder of a prompt: {@code <img>}, {@code n} times {@code <IMG_CONTEXT>}, {@code </img>}. */
    static String image(int n) {
        return "<img>" + "<IMG_CONTEXT>".repeat(n) + "</img>";
    }

    /** All texts; {@code withCarriageReturns} adds those with {@code \r}. */
    static List<String> all(boolean withCarriageReturns) {
        List<String> texts = new ArrayList<>(List.of(
                "Hello world",
                "",
                " ",
                "  two leading spaces",
                "trailing spaces   ",
                "   ",
                " ".repeat(17) + "x" + " ".repeat(9),
                "\ttab\tinside\t\t",
                "a\n\nb",
                "\n",
                "\n\n\n\n\n",
                "   \n  \n\t\n",
                "x  \t\n y",
                "end.\n\n\n",
                "你好，世界！请详细描述这张图片。",
                "图中是一只小熊猫，它正趴在木板上。",
                "日本語のテキストとカタカナ、ひらがな。",
                "안녕하세요, 세계!",
                "Привет, мир! Ελληνικά. العربية. हिन्दी. ภาษาไทย",
                "👍🏽🎉 👨‍👩‍👧 🇨🇭 🧑‍🚀",
                "mixed 中文 and English 😀 together",
                "I'm sure it's what they'd've done; WE'LL SEE, you're right, I've",
                "12345 3.14159 1,000,000 2024-12-02T10:00:00Z 0x1F",
                "def f(x):\n    return x**2  # square\n",
                "if (a<b && c>d) { return; } // done",
                "!!!???... ---------- ========== ~~~~ ////",
                "e\u0301 cafe\u0301 n\u0303 A\u030a Å",
                "\u1100\u1161\u11a8 Hangul jamo",
                "<img>\u0338 after an added token",
                "<|im_end|>\u0338",
                "a>\u0338b =\u0338 <\u0338",
                "\u00a0nbsp\u00a0 and\u3000ideographic\u3000space",
                "a\u2028b a\u0085b \u000b\u000c zero\u200bwidth",
                "Ünïcödé façade — naïve café … “quotes” ‘single’",
                "ＥＦＧ ａｂｃ——……———",
                "𠀀𪚥 rare CJK",
                "<ref>the red rose</ref><box>[[120, 45, 880, 960]]</box>",
                "<quad>(1,2),(3,4)</quad> <ref> spaced </ref>",
                "<img></img>",
                image(3),
                "<|im_start|>",
                "<|im_end|>\n",
                "<|endoftext|>",
                "<s> </s> <unk> <s>x</s>",
                "<|plugin|><|interpreter|><|action_start|><|action_end|>",
                "[UNUSED_TOKEN_141]",
                "x [UNUSED_TOKEN_145][UNUSED_TOKEN_146] y",
                "[UNUSED_TOKEN_0] [UNUSED_TOKEN_140]",
                "<|im_start| <img IMG_CONTEXT </img <|im_end",
                "\u2581 a literal lower one eighth block",
                "Please provide the bounding box coordinate of the region this sentence describes: <ref>the red panda</ref>",
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"));
        // InternVL2 (Hermes-2 and internlm2-chat templates): the default system message and one image
        String system = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。";
        texts.add("<|im_start|>system\n" + system + "<|im_end|>\n<|im_start|>user\n" + image(256)
                + "\nPlease describe the image shortly.<|im_end|>\n<|im_start|>assistant\n");
        // internvl2_5 system message, two images, a second turn
        String system25 = "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";
        texts.add("<|im_start|>system\n" + system25 + "<|im_end|>\n<|im_start|>user\nImage-1: " + image(64)
                + "\nImage-2: " + image(64) + "\nWhat are the similarities between these two images?<|im_end|>\n"
                + "<|im_start|>assistant\nBoth images show a red panda.<|im_end|>\n<|im_start|>user\n"
                + "And the differences?<|im_end|>\n<|im_start|>assistant\n");
        // video frames
        texts.add("<|im_start|>user\nFrame1: " + image(4) + "\nFrame2: " + image(4)
                + "\nWhat is the red panda doing?<|im_end|>\n<|im_start|>assistant\n");
        // a grounded answer as the model writes it
        texts.add("<ref>red panda</ref><box>[[164, 120, 866, 916]]</box> is sitting on a wooden platform.<|im_end|>");
        if (withCarriageReturns) {
            texts.add("line1\r\nline2\r\n");
            texts.add("a\rb\r\r\n\n");
        }
        return texts;
    }
}
