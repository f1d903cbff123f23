package dev.internvl.sample;

import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

/**
 * The sample application, in two modes.
 *
 * <p>With an image and a question it answers through Spring AI's {@code ChatClient} and exits:
 *
 * <pre>
 * java -jar internvl-sample-app.jar --spring.ai.internvl.model.id=OpenGVLab/InternVL2-1B photo.jpg "Describe the image."
 * </pre>
 *
 * <p>(the model is downloaded into the Hugging Face cache on the first run; {@code --spring.ai.internvl.model.path=DIR}
 * loads a checkpoint folder instead).
 *
 * <p>Without them it serves a web page at {@code http://localhost:8080/} to find things in an image and read its
 * text, and the InternVL HTTP endpoints under {@code /v1} (OpenAI-compatible chat completions, grounding, OCR):
 *
 * <pre>
 * java -jar internvl-sample-app.jar --spring.ai.internvl.model.id=OpenGVLab/InternVL2-1B
 * </pre>
 */
@SpringBootApplication
public class SampleApplication {

    private static final Log logger = LogFactory.getLog(SampleApplication.class);

    public static void main(String[] args) {
        // Everything is local: keep DJL from looking for the network (natives come from the bundled jar).
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        List<String> words = new DefaultApplicationArguments(args).getNonOptionArgs();
        if (words.isEmpty()) {
            SpringApplication.run(SampleApplication.class, args); // serves until stopped
            return;
        }
        int bad = AskCommand.checkArguments(words, System.err); // before the model loads, not after
        if (bad != 0) {
            System.exit(bad);
        }
        SpringApplication command = new SpringApplicationBuilder(SampleApplication.class)
                .web(WebApplicationType.NONE).build();
        System.exit(SpringApplication.exit(command.run(args)));
    }

    /** From the starter's ChatClient.Builder (Spring AI's auto-configuration, on the InternVL chat model). */
    @Bean
    ChatClient chatClient(ChatClient.Builder builder) {
        return builder.build();
    }

    /** Says where the page is once the server listens. */
    @Bean
    ApplicationListener<WebServerInitializedEvent> pageAddress() {
        return event -> logger.info("Open http://localhost:" + event.getWebServer().getPort()
                + "/ to find things in images and read their text; OpenAI-compatible API at http://localhost:"
                + event.getWebServer().getPort() + "/v1");
    }
}
