package dev.internvl.hub;

import java.nio.file.Path;
import java.time.Duration;

/** A second process for the locking test: downloads a model and prints {@code snapshot <folder>}. */
public final class DownloadInAnotherProcess {

    private DownloadInAnotherProcess() {
    }

    /** Arguments: endpoint, hub cache folder, model id. */
    public static void main(String[] args) {
        HubSettings settings = new HubSettings(args[0], Path.of(args[1]), null, false, 4, 3, Duration.ofMillis(20));
        Path dir = new ModelDownloader(settings).download(args[2], "main", DownloadListener.NONE);
        System.out.println("snapshot " + dir);
    }
}
