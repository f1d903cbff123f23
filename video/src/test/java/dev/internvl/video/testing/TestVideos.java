package dev.internvl.video.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.Loader;

/**
 * Real video files made at test time with the {@code ffmpeg} and {@code ffprobe} programs that come with FFmpeg's
 * JavaCPP build (the same FFmpeg as the decoder's, run as FFmpeg's own command line), and FFmpeg's own RGB decode
 * and stream facts of them. Shared with the other modules' tests through this module's test jar.
 */
public final class TestVideos {

    private TestVideos() {
    }

    public static Path ffmpeg() {
        return Path.of(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class));
    }

    public static Path ffprobe() {
        return Path.of(Loader.load(org.bytedeco.ffmpeg.ffprobe.class));
    }

    /**
     * Encodes FFmpeg's {@code testsrc2} pattern (a moving picture, so every frame differs) into {@code dir/name}.
     *
     * @param source the lavfi source's options, e.g. {@code size=160x120:rate=25:duration=4}
     * @param encode the output options (codec, filters, container flags)
     */
    public static Path make(Path dir, String name, String source, String... encode) {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(ffmpeg().toString(), "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=" + source));
        cmd.addAll(List.of(encode));
        cmd.add(out.toString());
        run(cmd);
        return out;
    }

    /** Copies {@code video}'s streams into {@code out} without re-encoding, with {@code inputOptions} on the input. */
    public static void remux(Path video, Path out, String... inputOptions) {
        List<String> cmd = new ArrayList<>(List.of(ffmpeg().toString(), "-v", "error", "-y"));
        cmd.addAll(List.of(inputOptions));
        cmd.addAll(List.of("-i", video.toString(), "-c", "copy", out.toString()));
        run(cmd);
    }

    /** FFmpeg's moving {@code testsrc2} pattern, {@code width}x{@code height}, as H.264 (OpenH264) in MP4. */
    public static Path h264(Path dir, int width, int height, int fps, double seconds) {
        return make(dir, "clip-" + width + "x" + height + "-" + fps + "-" + seconds + ".mp4", "size=" + width + "x"
                + height + ":rate=" + fps + ":duration=" + seconds, "-c:v", "libopenh264", "-pix_fmt", "yuv420p");
    }

    /** An audio-only file: a sine tone in AAC in an MP4 container. */
    public static Path audioOnly(Path dir) {
        Path out = dir.resolve("tone.m4a");
        run(List.of(ffmpeg().toString(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                "-c:a", "aac", out.toString()));
        return out;
    }

    /**
     * FFmpeg's own RGB24 decode of the frames at {@code indices} (presentation order: the {@code select} filter's
     * {@code n}), concatenated: one frame's {@code width * height * 3} bytes per index, repeats included. No
     * frame-rate conversion; rotated as the stream's display matrix says (the command's default, as decord does).
     */
    public static byte[] referenceRgb(Path video, List<Integer> indices) {
        String select = indices.stream().distinct().map(i -> "eq(n\\," + i + ")").collect(Collectors.joining("+"));
        List<String> cmd = List.of(ffmpeg().toString(), "-v", "error", "-i", video.toString(),
                "-map", "0:v:0", "-vf", "select='" + select + "'", "-fps_mode", "passthrough", "-pix_fmt", "rgb24",
                "-f", "rawvideo", "-");
        byte[] distinct = runForBytes(cmd);
        List<Integer> unique = indices.stream().distinct().toList();
        int frameBytes = distinct.length / unique.size();
        byte[] out = new byte[frameBytes * indices.size()];
        for (int k = 0; k < indices.size(); k++) {
            System.arraycopy(distinct, unique.indexOf(indices.get(k)) * frameBytes, out, k * frameBytes, frameBytes);
        }
        return out;
    }

    /**
     * ffprobe's facts of the first video stream, frames counted by decoding them ({@code nb_read_frames}) and
     * packets by reading them ({@code nb_read_packets}).
     */
    public static Map<String, String> probe(Path video) {
        String text = new String(runForBytes(List.of(ffprobe().toString(), "-v", "error", "-count_frames", "-count_packets",
                "-select_streams", "v:0", "-show_entries",
                "stream=nb_frames,nb_read_frames,nb_read_packets,avg_frame_rate,r_frame_rate,width,height:format=duration",
                "-of", "default=noprint_wrappers=1", video.toString())), StandardCharsets.UTF_8);
        Map<String, String> facts = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                facts.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return facts;
    }

    /** A rational like {@code 30000/1001} as a double. */
    public static double rational(String r) {
        String[] p = r.split("/");
        return p.length == 1 ? Double.parseDouble(p[0]) : Double.parseDouble(p[0]) / Double.parseDouble(p[1]);
    }

    private static void run(List<String> cmd) {
        runForBytes(cmd);
    }

    private static byte[] runForBytes(List<String> cmd) {
        try {
            Path err = Files.createTempFile("ffmpeg-", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
                // the programs find FFmpeg's libraries (and the libva they link) beside them
                pb.environment().put("LD_LIBRARY_PATH", Path.of(cmd.get(0)).getParent().toString());
                Process p = pb.start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("timed out: " + cmd);
                }
                if (p.exitValue() != 0) {
                    fail(String.join(" ", cmd) + " failed: " + Files.readString(err));
                }
                return out;
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
