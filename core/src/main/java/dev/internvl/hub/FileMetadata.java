package dev.internvl.hub;

import java.net.URI;

/**
 * What a {@code HEAD} of {@code {endpoint}/{repo}/resolve/{revision}/{file}} (following relative redirects only)
 * says about a file, as {@code huggingface_hub}'s {@code get_hf_file_metadata} reads it.
 *
 * @param commit {@code X-Repo-Commit}
 * @param etag {@code X-Linked-Etag}, else {@code ETag}, normalised (no {@code W/} prefix, no quotes): the sha256 of
 *     an LFS file, the Git blob sha1 of another
 * @param size {@code X-Linked-Size}, else {@code Content-Length}
 * @param location where to download it: the redirect's target for an LFS file, else the resolve address itself
 */
public record FileMetadata(String commit, String etag, long size, URI location) {

    /** Whether the etag is a sha256, that is the file is kept in Git LFS and its content can be checked. */
    public boolean isLfs() {
        return HubCache.SHA256.matcher(etag).matches();
    }

    /** An {@code ETag} header's value as a file name: without the weak prefix {@code W/} and the quotes. */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        int start = 0;
        int end = e.length();
        while (start < end && e.charAt(start) == '"') {
            start++;
        }
        while (end > start && e.charAt(end - 1) == '"') {
            end--;
        }
        return e.substring(start, end);
    }
}
