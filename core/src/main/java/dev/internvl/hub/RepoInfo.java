package dev.internvl.hub;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the hub's model info API ({@code GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true}) says about
 * a revision of a repository: the commit it resolves to and the files there.
 *
 * @param commit the full commit id ({@code sha})
 * @param files the repository's files ({@code siblings})
 */
public record RepoInfo(String commit, List<RepoFile> files) {

    /**
     * One file of the repository.
     *
     * @param name the path in the repository ({@code rfilename}), {@code /}-separated
     * @param size the size in bytes, or -1 when the hub did not say
     * @param lfsSha256 the sha256 of the content when the file is kept in Git LFS, else null
     */
    public record RepoFile(String name, long size, String lfsSha256) {
    }

    public RepoInfo {
        files = List.copyOf(files);
    }

    /** The file named {@code name}, if the repository has it. */
    public Optional<RepoFile> file(String name) {
        return files.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** The files by name. */
    public Map<String, RepoFile> byName() {
        return files.stream().collect(Collectors.toMap(RepoFile::name, Function.identity(), (a, b) -> a));
    }
}
