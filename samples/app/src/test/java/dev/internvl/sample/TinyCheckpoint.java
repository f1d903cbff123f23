package dev.internvl.sample;

import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny random-weight checkpoint the sample app's tests start it on: written once, read by all of them. */
final class TinyCheckpoint {

    private static Path path;

    private TinyCheckpoint() {
    }

    static synchronized Path path() {
        if (path == null) {
            try {
                path = TinyModel.write(Files.createTempDirectory("internvl-sample-test").resolve("tiny-internvl"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return path;
    }
}
