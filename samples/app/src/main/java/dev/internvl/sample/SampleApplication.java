package dev.internvl.sample;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * Answers a question about an image with a local InternVL checkpoint, through Spring AI:
 *
 * <pre>
 * java -jar internvl-sample-app.jar --spring.ai.internvl.model.path=/models/InternVL2-1B photo.jpg "Describe the image."
 * </pre>
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        // Everything is local: keep DJL from looking for the network (natives come from the bundled jar).
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.exit(SpringApplication.exit(SpringApplication.run(SampleApplication.class, args)));
    }

    @Bean
    ChatClient chatClient(ChatModel chatModel) {
        return ChatClient.create(chatModel);
    }
}
