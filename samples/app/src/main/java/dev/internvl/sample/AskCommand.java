package dev.internvl.sample;

import dev.internvl.image.ImageDecodeException;
import dev.internvl.image.ImageDecoder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.core.io.FileSystemResource;
import org.springframework.stereotype.Component;
import org.springframework.util.MimeType;

/**
 * The command line: {@code IMAGE QUESTION...}. Streams the answer to standard output; problems go to standard error
 * with exit status 1 (2 for a usage error). Without arguments it does nothing: the application serves its web page
 * and endpoints instead ({@link SampleApplication#main}).
 */
@Component
public class AskCommand implements ApplicationRunner, ExitCodeGenerator {

    static final String USAGE = "usage: java -jar internvl-sample-app.jar --spring.ai.internvl.model.id=ORG/NAME "
            + "(or --spring.ai.internvl.model.path=DIR) IMAGE QUESTION...";

    private static final Map<String, String> IMAGE_TYPES = Map.of("jpg", "jpeg", "jpeg", "jpeg", "png", "png",
            "gif", "gif", "bmp", "bmp", "webp", "webp");

    private final ChatClient chatClient;
    private final PrintStream out;
    private final PrintStream err;
    private int exitCode;

    @Autowired
    public AskCommand(ChatClient chatClient) {
        this(chatClient, System.out, System.err);
    }

    AskCommand(ChatClient chatClient, PrintStream out, PrintStream err) {
        this.chatClient = chatClient;
        this.out = out;
        this.err = err;
    }

    @Override
    public void run(ApplicationArguments args) {
        List<String> words = args.getNonOptionArgs();
        if (words.isEmpty()) {
            return;
        }
        exitCode = checkArguments(words, err);
        if (exitCode != 0) {
            return;
        }
        Path image = Path.of(words.get(0));
        String question = String.join(" ", words.subList(1, words.size()));
        try {
            chatClient.prompt()
                    .user(u -> u.text(question).media(imageType(image), new FileSystemResource(image)))
                    .stream()
                    .content()
                    .doOnNext(delta -> {
                        out.print(delta);
                        out.flush();
                    })
                    .blockLast();
            out.println();
        } catch (RuntimeException e) {
            out.println();
            err.println(image + ": " + e.getMessage());
            exitCode = 1;
        }
    }

    /**
     * Checks the words of the command line before anything is loaded: an image file that is an image (its header
     * read, not its pixels) and a question. Prints one line to {@code err} for a problem.
     *
     * @return 0 when they are fine, 2 for a usage error, 1 for a file that is missing or not an image
     */
    static int checkArguments(List<String> words, PrintStream err) {
        if (words.size() < 2) {
            err.println(USAGE);
            return 2;
        }
        Path image = Path.of(words.get(0));
        if (!Files.isRegularFile(image)) {
            err.println(image + ": no such image file");
            return 1;
        }
        try {
            ImageDecoder.readHeader(Files.readAllBytes(image), image.toString(), ImageDecoder.DEFAULT_MAX_PIXELS);
        } catch (ImageDecodeException e) {
            err.println(e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println(image + ": cannot be read: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    static MimeType imageType(Path image) {
        String name = image.getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        // the engine recognizes the format from the bytes; the type only has to say "image"
        return new MimeType("image", IMAGE_TYPES.getOrDefault(ext, "*"));
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }
}
