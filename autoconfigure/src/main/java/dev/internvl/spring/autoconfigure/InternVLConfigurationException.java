package dev.internvl.spring.autoconfigure;

/**
 * A property of {@code spring.ai.internvl} that keeps the model from loading: unset, out of range, or pointing at
 * something that is not a loadable checkpoint. The message starts with the property's name.
 */
public class InternVLConfigurationException extends IllegalStateException {

    private final String property;

    public InternVLConfigurationException(String property, String message) {
        this(property, message, null);
    }

    public InternVLConfigurationException(String property, String message, Throwable cause) {
        super(message, cause);
        this.property = property;
    }

    /** The full name of the property at fault, e.g. {@code spring.ai.internvl.model.path}. */
    public String getProperty() {
        return property;
    }
}
