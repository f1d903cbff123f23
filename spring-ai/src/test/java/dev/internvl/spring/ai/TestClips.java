package dev.internvl.spring.ai;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;

/** Small real videos made at test time with the {@code ffmpeg} program of FFmpeg's JavaCPP native jar. */
final class TestClips {

    private TestClips() {
    }

    /** FFmpeg's moving {@code testsrc2} pattern, {@code width}x{@code height}, encoded as H.264 in MP4. */
    static byte[] mp4(Path dir, int width, int height, int fps, double seconds) {
        Path out = dir.resolve("clip-" + width + "x" + height + "-" + fps + "-" + seconds + ".mp4");
        List<String> cmd = List.of(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class), "-v", "error", "-y", "-f", "lavfi",
                "-i", "testsrc2=size=" + width + "x" + height + ":rate=" + fps + ":duration=" + seconds,
                "-c:v", "libopenh264", "-pix_fmt", "yuv420p", out.toString());
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            // the program finds FFmpeg's libraries (and the libva they link) beside it
            pb.environment().put("LD_LIBRARY_PATH", Path.of(cmd.get(0)).getParent().toString());
            Process p = pb.start();
            p.getOutputStream().close();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + log);
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
