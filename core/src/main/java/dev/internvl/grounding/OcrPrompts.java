package dev.internvl.grounding;

import java.util.Objects;

/** Questions for reading text with InternVL: plain prompts, the model needs no special format. */
public final class OcrPrompts {

    /** Read all the text. */
    public static final String READ_ALL = "Please read all the text in the image.";

    /** Key information as {@code key: value} lines, for {@link KeyValueParser} (this project's wording). */
    public static final String KEY_VALUES = "Extract the key information in the image. Write one item per line, "
            + "as key: value.";

    /** The suffix of the official VQA evaluations (TextVQA, DocVQA, ...) for short answers. */
    public static final String SHORT_ANSWER = "Answer the question using a single word or phrase.";

    private OcrPrompts() {
    }

    /** A question about the image's text asking for a short answer: {@code question + "\n" + SHORT_ANSWER}. */
    public static String shortAnswer(String question) {
        Objects.requireNonNull(question, "question");
        return question.strip() + "\n" + SHORT_ANSWER;
    }
}
