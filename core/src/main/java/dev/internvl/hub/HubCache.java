package dev.internvl.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One model's folder in the hub cache, laid out as Python's {@code huggingface_hub} lays it out, so that either
 * reuses what the other downloaded:
 *
 * <pre>
 * {cache}/models--{org}--{name}/blobs/{etag}                  the file's bytes, named by its normalised etag
 * {cache}/models--{org}--{name}/blobs/{etag}.incomplete       a download in progress (resumed from its length)
 * {cache}/models--{org}--{name}/snapshots/{commit}/{file}     a relative symbolic link to ../../blobs/{etag}
 * {cache}/models--{org}--{name}/refs/{revision}               the commit a branch or tag pointed to (no newline)
 * {cache}/models--{org}--{name}/.no_exist/{commit}/{file}     an empty file: the file does not exist at that commit
 * {cache}/.locks/models--{org}--{name}/{etag}.lock            held while a blob is downloaded
 * </pre>
 *
 * The etag of a Git LFS file (weights) is the sha256 of its content; that of a file kept in Git is its Git blob sha1.
 */
public final class HubCache {

    /** A full commit id. */
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** The etag of an LFS file: its sha256. */
    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path cacheDir;
    private final RepoId repo;
    private final Path repoDir;

    public HubCache(Path cacheDir, RepoId repo) {
        this.cacheDir = cacheDir;
        this.repo = repo;
        this.repoDir = cacheDir.resolve(repo.folderName());
    }

    /** The hub cache folder. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** {@code {cache}/models--{org}--{name}}. */
    public Path repoDir() {
        return repoDir;
    }

    /** The folder of the files at {@code commit}. */
    public Path snapshot(String commit) {
        checkCommit(commit);
        return repoDir.resolve("snapshots").resolve(commit);
    }

    /** The snapshot's entry (a link to the blob) for the repository file {@code file} ({@code /}-separated). */
    public Path pointer(String commit, String file) {
        return inside(snapshot(commit), file, "a repository file name");
    }

    /** Where the content with this (normalised) etag is kept. */
    public Path blob(String etag) {
        checkEtag(etag);
        return repoDir.resolve("blobs").resolve(etag);
    }

    /** The partial download of the blob with this etag. */
    public Path incomplete(String etag) {
        return repoDir.resolve("blobs").resolve(blob(etag).getFileName() + ".incomplete");
    }

    /** The lock file held while the blob with this etag is downloaded. */
    public Path lockFile(String etag) {
        checkEtag(etag);
        return cacheDir.resolve(".locks").resolve(repo.folderName()).resolve(etag + ".lock");
    }

    /** The marker saying that {@code file} does not exist at {@code commit}. */
    public Path noExist(String commit, String file) {
        checkCommit(commit);
        return inside(repoDir.resolve(".no_exist").resolve(commit), file, "a repository file name");
    }

    /** The file holding the commit that {@code revision} (a branch or tag) resolved to. */
    public Path ref(String revision) {
        return inside(repoDir.resolve("refs"), revision, "a branch, tag or commit id");
    }

    /**
     * The commit that {@code revision} stands for without asking the hub: itself when it is a full commit id, else
     * what {@code refs/{revision}} holds.
     */
    public Optional<String> commitOf(String revision) {
        if (COMMIT.matcher(revision).matches()) {
            return Optional.of(revision);
        }
        Path ref = ref(revision);
        try {
            if (Files.isRegularFile(ref)) {
                String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
                return COMMIT.matcher(commit).matches() ? Optional.of(commit) : Optional.empty();
            }
        } catch (IOException e) {
            // unreadable: as if absent
        }
        return Optional.empty();
    }

    /** Records that {@code revision} points to {@code commit} (nothing to do when the revision is that commit). */
    public void writeRef(String revision, String commit) {
        checkCommit(commit);
        if (revision.equals(commit) || commitOf(revision).filter(commit::equals).isPresent()) {
            return;
        }
        Path ref = ref(revision);
        try {
            Files.createDirectories(ref.getParent());
            Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp-" + UUID.randomUUID());
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new HubException(HubException.Reason.IO, ref + ": cannot write the revision's commit ("
                    + e.getMessage() + ")", e);
        }
    }

    /** Marks {@code file} as absent at {@code commit}, as {@code huggingface_hub} does after a 404. */
    public void markMissing(String commit, String file) {
        Path marker = noExist(commit, file);
        try {
            Files.createDirectories(marker.getParent());
            if (!Files.exists(marker)) {
                Files.createFile(marker);
            }
        } catch (FileAlreadyExistsException e) {
            // another process marked it
        } catch (IOException e) {
            // like huggingface_hub: the marker only saves a request, so failing to write it is not an error
        }
    }

    /** Whether {@code file} is marked as absent at {@code commit}. */
    public boolean isMarkedMissing(String commit, String file) {
        return Files.isRegularFile(noExist(commit, file));
    }

    /**
     * Makes the snapshot entry {@code pointer} a relative link to {@code blob}. Where the file system has no
     * symbolic links, the blob is moved there when it was just downloaded ({@code newBlob}) and copied otherwise, as
     * {@code huggingface_hub} does.
     */
    public void link(Path blob, Path pointer, boolean newBlob) {
        try {
            Files.createDirectories(pointer.getParent());
            Path target = pointer.getParent().relativize(blob);
            if (Files.isSymbolicLink(pointer) && Files.readSymbolicLink(pointer).equals(target)) {
                return;
            }
            Files.deleteIfExists(pointer);
            try {
                Files.createSymbolicLink(pointer, target);
            } catch (FileAlreadyExistsException e) {
                if (!(Files.isSymbolicLink(pointer) && Files.readSymbolicLink(pointer).equals(target))) {
                    throw e;
                }
            } catch (UnsupportedOperationException | FileSystemException e) { // no symbolic links here
                if (newBlob) {
                    Files.move(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.copy(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new HubException(HubException.Reason.IO, pointer + ": cannot link the snapshot entry to " + blob
                    + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Whether {@code folder} is a snapshot folder of a hub cache; if so, the model id and commit it holds, e.g.
     * {@code OpenGVLab/InternVL2-1B@<commit>}.
     */
    public static Optional<String> describe(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        Path snapshots = abs.getParent();
        Path repoDir = snapshots == null ? null : snapshots.getParent();
        if (repoDir == null || !snapshots.getFileName().toString().equals("snapshots")
                || !COMMIT.matcher(abs.getFileName().toString()).matches()) {
            return Optional.empty();
        }
        String name = repoDir.getFileName().toString();
        if (!name.startsWith("models--")) {
            return Optional.empty();
        }
        return Optional.of(name.substring("models--".length()).replace("--", "/") + "@" + abs.getFileName());
    }

    /** {@code relative} ({@code /}-separated) under {@code root}, refusing names that would leave it. */
    private static Path inside(Path root, String relative, String what) {
        if (relative == null || relative.isEmpty() || relative.startsWith("/") || relative.contains("\\")
                || relative.contains("\0")) {
            throw new HubException(HubException.Reason.PROTOCOL, "'" + relative + "': not " + what);
        }
        Path p = root;
        for (String part : relative.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new HubException(HubException.Reason.PROTOCOL, "'" + relative + "': not " + what);
            }
            p = p.resolve(part);
        }
        return p;
    }

    private static void checkCommit(String commit) {
        if (commit == null || !COMMIT.matcher(commit).matches()) {
            throw new HubException(HubException.Reason.PROTOCOL, "'" + commit + "': not a commit id (40 hex digits)");
        }
    }

    private static void checkEtag(String etag) {
        if (etag == null || etag.isEmpty() || etag.contains("/") || etag.contains("\\") || etag.startsWith(".")
                || etag.contains("\0")) {
            throw new HubException(HubException.Reason.PROTOCOL, "'" + etag + "': not a usable etag");
        }
    }
}
