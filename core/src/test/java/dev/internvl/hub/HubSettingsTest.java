package dev.internvl.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment variables read as huggingface_hub's constants.py reads them. */
class HubSettingsTest {

    @TempDir
    Path tmp;

    static final Path HOME = Path.of(System.getProperty("user.home"));

    @Test
    void defaultsAreThePublicHubAndTheUsersCache() {
        HubSettings s = HubSettings.from(Map.of());
        assertEquals(HubSettings.DEFAULT_ENDPOINT, s.endpoint());
        assertEquals(HOME.resolve(".cache/huggingface/hub"), s.cacheDir());
        assertFalse(s.offline());
    }

    @Test
    void theCacheFollowsHfHubCacheThenHfHomeThenXdgCacheHome() {
        assertEquals(Path.of("/x/xdg/huggingface/hub"), HubSettings.from(Map.of("XDG_CACHE_HOME", "/x/xdg")).cacheDir());
        assertEquals(Path.of("/x/home/hub"), HubSettings.from(Map.of("HF_HOME", "/x/home",
                "XDG_CACHE_HOME", "/x/xdg")).cacheDir());
        assertEquals(Path.of("/x/old"), HubSettings.from(Map.of("HF_HOME", "/x/home",
                "HUGGINGFACE_HUB_CACHE", "/x/old")).cacheDir());
        assertEquals(Path.of("/x/new"), HubSettings.from(Map.of("HF_HUB_CACHE", "/x/new",
                "HUGGINGFACE_HUB_CACHE", "/x/old", "HF_HOME", "/x/home")).cacheDir());
        assertEquals(HOME.resolve("models/hub"), HubSettings.from(Map.of("HF_HUB_CACHE", "~/models/hub")).cacheDir());
    }

    @Test
    void theEndpointLosesItsTrailingSlash() {
        assertEquals("http://127.0.0.1:8080/mirror", HubSettings.from(Map.of("HF_ENDPOINT",
                "http://127.0.0.1:8080/mirror/")).endpoint());
        assertThrows(IllegalArgumentException.class, () -> HubSettings.from(Map.of("HF_ENDPOINT", "ftp://x")));
    }

    @Test
    void theTokenComesFromHfTokenElseTheLoginFile() throws Exception {
        Files.writeString(tmp.resolve("token"), "hf_from_file\n");
        assertEquals("hf_env", HubSettings.from(Map.of("HF_TOKEN", "hf_env", "HF_HOME", tmp.toString())).token());
        assertEquals("hf_from_file", HubSettings.from(Map.of("HF_HOME", tmp.toString())).token());
        Files.writeString(tmp.resolve("other"), "hf_other");
        assertEquals("hf_other", HubSettings.from(Map.of("HF_HOME", tmp.toString(),
                "HF_TOKEN_PATH", tmp.resolve("other").toString())).token());
        assertNull(HubSettings.from(Map.of("HF_HOME", tmp.resolve("none").toString())).token());
        assertFalse(HubSettings.from(Map.of("HF_TOKEN", "hf_env")).toString().contains("hf_env"));
        assertEquals("hf_prop", HubSettings.from(Map.of("HF_TOKEN", "hf_env")).withToken("hf_prop").token());
        assertEquals("hf_env", HubSettings.from(Map.of("HF_TOKEN", "hf_env")).withToken(" ").token());
    }

    @Test
    void offlineTakesTheValuesHuggingfaceHubTakes() {
        for (String yes : new String[] {"1", "ON", "yes", "True"}) {
            assertTrue(HubSettings.from(Map.of("HF_HUB_OFFLINE", yes)).offline(), yes);
        }
        assertTrue(HubSettings.from(Map.of("TRANSFORMERS_OFFLINE", "1")).offline());
        for (String no : new String[] {"0", "false", "", "off"}) {
            assertFalse(HubSettings.from(Map.of("HF_HUB_OFFLINE", no)).offline(), no);
        }
    }

    @Test
    void etagsAreNormalisedAsHuggingfaceHubDoes() {
        assertEquals("abc123", FileMetadata.normalizeEtag("\"abc123\""));
        assertEquals("abc123", FileMetadata.normalizeEtag("W/\"abc123\""));
        assertEquals("abc123", FileMetadata.normalizeEtag("abc123"));
    }

    @Test
    void modelIdsNameTheirCacheFolder() {
        assertEquals("models--OpenGVLab--InternVL2-1B", new RepoId("OpenGVLab/InternVL2-1B").folderName());
        assertEquals("models--gpt2", new RepoId("gpt2").folderName());
        for (String bad : new String[] {"a/b/c", "../x", "a--b/c", "/abs", "a/", "", "a b/c"}) {
            assertFalse(RepoId.isValid(bad), bad);
        }
        assertEquals("OpenGVLab/InternVL2-1B@" + "a".repeat(40), HubCache.describe(
                Path.of("/c/models--OpenGVLab--InternVL2-1B/snapshots/" + "a".repeat(40))).orElseThrow());
        assertTrue(HubCache.describe(Path.of("/models/InternVL2-1B")).isEmpty());
    }
}
