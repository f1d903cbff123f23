package dev.internvl.cli;

import dev.internvl.hub.DownloadListener;
import dev.internvl.hub.HubException;
import dev.internvl.hub.HubSettings;
import dev.internvl.hub.ModelDownloader;
import dev.internvl.hub.ProgressLog;
import dev.internvl.hub.RepoId;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * What {@code --model} names: a checkpoint folder, or a Hugging Face model id ({@code org/name}, or
 * {@code org/name@revision} for a branch, tag or commit) whose files are downloaded into the Hugging Face cache, with
 * a progress bar on standard error (plain lines when it is not a terminal). A folder that exists wins over an id of
 * the same spelling. Every command's {@code --model} option has this type; {@link Main} registers {@link #parse} as
 * its converter, so a command only declares {@code ModelLocation model} and calls {@link #dir()}.
 */
final class ModelLocation {

    private final String spec;
    private Path dir;

    private ModelLocation(String spec) {
        this.spec = spec;
    }

    /** The converter of {@code --model} values. */
    static ModelLocation parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--model is empty: give a checkpoint folder or a Hugging Face model "
                    + "id such as OpenGVLab/InternVL2-1B");
        }
        return new ModelLocation(spec.strip());
    }

    /**
     * The checkpoint folder: the folder itself, or the model's snapshot folder in the Hugging Face cache, downloading
     * what the cache lacks (nothing, and no request, when it is complete).
     */
    synchronized Path dir() {
        if (dir == null) {
            dir = locate(true);
        }
        return dir;
    }

    /**
     * The checkpoint folder for looking at it without its weights: a folder as it is, or for a model id the
     * snapshot folder with the configuration, tokenizer and template files only (the weights are not downloaded).
     */
    synchronized Path dirWithoutWeights() {
        return dir != null ? dir : locate(false);
    }

    private Path locate(boolean weights) {
        Path folder = null;
        try {
            folder = Path.of(spec);
            if (Files.isDirectory(folder)) {
                return folder;
            }
        } catch (InvalidPathException e) {
            // not a path: perhaps an id
        }
        int at = spec.lastIndexOf('@');
        String id = at > 0 ? spec.substring(0, at) : spec;
        String revision = at > 0 ? spec.substring(at + 1) : "main";
        if (!RepoId.isValid(id) || revision.isBlank()) {
            if (folder != null && Files.exists(folder)) {
                return folder; // a file: the loader says what is wrong with it
            }
            throw new IllegalArgumentException("--model " + spec + ": no such folder" + where(folder)
                    + ", and not a Hugging Face model id (org/name or org/name@revision, e.g. OpenGVLab/InternVL2-1B)");
        }
        HubSettings settings = HubSettings.fromEnvironment();
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        DownloadListener progress = System.console() != null ? new ProgressBar(err, ProgressBar.terminalWidth())
                : new ProgressLog(err::println);
        try {
            ModelDownloader downloader = new ModelDownloader(settings);
            return weights ? downloader.download(id, revision, progress)
                    : downloader.downloadWithoutWeights(id, revision, progress);
        } catch (HubException e) {
            if (e.reason() == HubException.Reason.NOT_FOUND && folder != null) {
                throw new HubException(e.reason(), e.getMessage() + "; nor is there a folder " + spec + where(folder),
                        e);
            }
            throw e;
        }
    }

    private static String where(Path folder) {
        return folder == null || folder.isAbsolute() ? "" : " (relative to " + Path.of("").toAbsolutePath() + ")";
    }

    @Override
    public String toString() {
        return spec;
    }
}
