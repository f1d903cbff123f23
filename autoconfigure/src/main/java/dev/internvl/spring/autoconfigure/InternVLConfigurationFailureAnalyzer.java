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
                    + "checkpoint (config.json, *.safetensors, tokenizer files), for example a copy of "
                    + "OpenGVLab/InternVL2-1B, or " + InternVLAutoConfiguration.MODEL_ID + " to a Hugging Face model "
                    + "id to download it";
        } else if (cause.getProperty().equals(InternVLAutoConfiguration.MODEL_ID)) {
            action = "Check " + InternVLAutoConfiguration.MODEL_ID + " (with .revision and .token), the network "
                    + "and the Hugging Face cache settings (HF_HUB_CACHE, HF_HUB_OFFLINE, HF_ENDPOINT, HF_TOKEN) as "
                    + "the message says, or set " + InternVLAutoConfiguration.MODEL_PATH + " to a checkpoint folder";
        }
        return new FailureAnalysis(cause.getMessage(), action + ", or set spring.ai.model.chat to another model "
                + "(or none) to turn the InternVL chat model off.", cause);
    }
}
