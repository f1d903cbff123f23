package dev.internvl.hub;

import java.util.regex.Pattern;

/**
 * A model repository id on the hub, {@code org/name} (or a bare {@code name}), e.g. {@code OpenGVLab/InternVL2-1B}.
 *
 * @param value the id as given
 */
public record RepoId(String value) {

    private static final Pattern VALID =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?");

    public RepoId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("'" + value + "' is not a Hugging Face model id: expected org/name, "
                    + "letters, digits, '.', '_' and '-' (for example OpenGVLab/InternVL2-1B)");
        }
    }

    /** Whether {@code s} has the form of a model id (it says nothing about whether the model exists). */
    public static boolean isValid(String s) {
        return s != null && VALID.matcher(s).matches() && !s.contains("--") && !s.contains("..")
                && !s.endsWith(".") && !s.endsWith(".git");
    }

    /** The cache folder's name, {@code models--org--name}, as {@code huggingface_hub} names it. */
    public String folderName() {
        return "models--" + value.replace("/", "--");
    }

    @Override
    public String toString() {
        return value;
    }
}
