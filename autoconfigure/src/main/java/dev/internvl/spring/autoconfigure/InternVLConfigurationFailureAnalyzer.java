package dev.internvl.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Start-up failure report for a misconfigured InternVL model: what is wrong and which property to change. */
class InternVLConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InternVLConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InternVLConfigurationException cause) {
        String action = "Update " + cause.getProperty() + " in your application configuration";
        if (cause.getProperty().equals(InternVLAutoConfiguration.MODEL_PATH)) {
            action = "Set " + InternVLAutoConfiguration.MODEL_PATH + " to the folder of a downloaded InternVL "
                    + "checkpoint (config.json, *.safetensors, tokenizer.json), for example a copy of "
                    + "OpenGVLab/InternVL2-1B";
        }
        return new FailureAnalysis(cause.getMessage(), action + ", or set spring.ai.model.chat to another model "
                + "(or none) to turn the InternVL chat model off.", cause);
    }
}
