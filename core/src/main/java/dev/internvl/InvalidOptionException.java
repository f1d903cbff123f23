package dev.internvl;

/**
 * An option or setting out of its range: {@link #field()} names it as the engine does ({@code temperature},
 * {@code maxTiles}, {@code maxBatch}, ...), {@link #rule()} says what it must be. The engine checks each rule once,
 * where the option is made; a layer above that names the field otherwise (an HTTP parameter, a Spring property)
 * translates the name with {@link #renamed} instead of checking again.
 */
public final class InvalidOptionException extends InvalidRequestException {

    private static final long serialVersionUID = 1L;

    /** The code of an option out of its range. */
    public static final String INVALID_VALUE = "invalid_value";

    private final String field;
    private final String rule;
    private final transient Object value;

    /**
     * @param field the option, as the engine names it
     * @param rule  what it must be, e.g. {@code "must be between 1 and 40"}
     * @param value what it was
     */
    public InvalidOptionException(String field, String rule, Object value) {
        this(field, rule, value, field + " " + rule + ", got " + value, null);
    }

    private InvalidOptionException(String field, String rule, Object value, String message, Throwable cause) {
        super(message, INVALID_VALUE, field, cause);
        this.field = field;
        this.rule = rule;
        this.value = value;
    }

    /** The option as the engine names it. */
    public String field() {
        return field;
    }

    /** What the option must be. */
    public String rule() {
        return rule;
    }

    /** The value that broke the rule. */
    public Object value() {
        return value;
    }

    /**
     * The same error for a caller that names the option {@code name}: the message reads
     * {@code <prefix><name> <rule>, got <value>} and {@link #param()} is {@code name}.
     */
    public InvalidOptionException renamed(String name, String prefix) {
        return new InvalidOptionException(name, rule, value, prefix + name + " " + rule + ", got " + value, this);
    }

    /** Fails unless {@code value} is null or an image tile limit the engine takes (1 to 40). */
    public static void checkTiles(String field, Integer value) {
        if (value != null && (value < 1 || value > dev.internvl.image.DynamicTiling.MAX_TILES_LIMIT)) {
            throw new InvalidOptionException(field, "must be between 1 and "
                    + dev.internvl.image.DynamicTiling.MAX_TILES_LIMIT, value);
        }
    }

    /** Fails unless {@code min <= value <= max}. */
    public static void checkRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidOptionException(field, max == Integer.MAX_VALUE || max == Long.MAX_VALUE
                    ? "must be at least " + min : "must be between " + min + " and " + max, value);
        }
    }
}
