package dev.internvl.video.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.image.RgbImage;
import dev.internvl.testing.RealCheckpoints;
import dev.internvl.video.VideoDecodeException;
import dev.internvl.video.VideoDecoder;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoLimits;
import dev.internvl.video.VideoSampling;
import dev.internvl.video.testing.TestVideos;
import dev.internvl.video.Videos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The FFmpeg decoder on real files made at test time: H.264, VP9, VP8, MPEG-4 part 2 with B-frames and Motion JPEG
 * (full-range colour), at constant and variable frame rates, against FFmpeg's own command line (frame facts from
 * {@code ffprobe}, pixels from {@code ffmpeg}'s RGB24 decode of the same frames), and the files a server meets that
 * are not videos it can read.
 */
class FfmpegVideoDecoderTest {

    @TempDir
    static Path dir;

    static Path h264;
    static Path h264Vfr;
    static Path vp9;
    static Path vp8Vfr;
    static Path mpeg4BFrames;
    static Path mjpegFullRange;
    static Path av1;

    private final VideoDecoder decoder = new FfmpegVideoDecoder();

    @BeforeAll
    static void makeVideos() {
        h264 = TestVideos.make(dir, "h264.mp4", "size=320x240:rate=25:duration=4", "-c:v", "libopenh264",
                "-pix_fmt", "yuv420p");
        // drops 4 frames of every 10, keeping the others' times: 72 frames at irregular intervals
        h264Vfr = TestVideos.make(dir, "h264-vfr.mp4", "size=320x240:rate=30:duration=4", "-vf",
                "select='lt(mod(n\\,10)\\,6)'", "-fps_mode", "vfr", "-c:v", "libopenh264", "-pix_fmt", "yuv420p");
        vp9 = TestVideos.make(dir, "vp9.webm", "size=256x144:rate=24:duration=3", "-c:v", "libvpx-vp9",
                "-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p");
        vp8Vfr = TestVideos.make(dir, "vp8-vfr.webm", "size=256x144:rate=30:duration=3", "-vf",
                "select='not(between(n\\,20\\,49))'", "-fps_mode", "vfr", "-c:v", "libvpx", "-deadline", "realtime",
                "-cpu-used", "8");
        mpeg4BFrames = TestVideos.make(dir, "mpeg4-bframes.mp4", "size=320x240:rate=30000/1001:duration=3",
                "-c:v", "mpeg4", "-bf", "2", "-q:v", "4");
        av1 = TestVideos.make(dir, "av1.mp4", "size=160x96:rate=24:duration=2", "-c:v", "libaom-av1", "-cpu-used",
                "8", "-pix_fmt", "yuv420p");
        mjpegFullRange = TestVideos.make(dir, "mjpeg.avi", "size=320x240:rate=15:duration=2", "-c:v", "mjpeg",
                "-pix_fmt", "yuvj422p", "-q:v", "3");
    }

    static Stream<Arguments> videos() {
        return Stream.of(Arguments.of("h264", h264), Arguments.of("h264 vfr", h264Vfr), Arguments.of("vp9", vp9),
                Arguments.of("vp8 vfr", vp8Vfr), Arguments.of("mpeg4 b-frames", mpeg4BFrames),
                Arguments.of("mjpeg full range", mjpegFullRange), Arguments.of("av1", av1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("videos")
    void framesAreFfmpegsOwnRgbDecodeOfTheSampledFrames(String label, Path video) {
        for (VideoSampling sampling : List.of(VideoSampling.of(8), VideoSampling.of(5).between(0.5, 1.7),
                VideoSampling.of(1))) {
            VideoFrames f = decoder.decode(video, sampling, VideoLimits.DEFAULTS);
            assertArrayEquals(sampling.frameIndices(f.info().frameCount(), f.info().averageFps()),
                    f.indices().stream().mapToInt(Integer::intValue).toArray());
            byte[] reference = TestVideos.referenceRgb(video, f.indices());
            assertArrayEquals(reference, concat(f.frames()), label + " " + sampling + " frames " + f.indices());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("videos")
    void frameCountAndRateAreTheStreamsAsDecordReportsThem(String label, Path video) {
        VideoFrames f = decoder.decode(video, VideoSampling.of(2), VideoLimits.DEFAULTS);
        Map<String, String> probe = TestVideos.probe(video);
        assertEquals(Integer.parseInt(probe.get("width")), f.info().width());
        assertEquals(Integer.parseInt(probe.get("height")), f.info().height());
        assertEquals(TestVideos.rational(probe.get("avg_frame_rate")), f.info().averageFps(), 1e-12, label);
        // decord's len(): the video packets the file holds, also where the container has no frame count (WebM)
        assertEquals(Integer.parseInt(probe.get("nb_read_packets")), f.info().frameCount(), label);
        // and for these well-formed files, the frames they decode to
        assertEquals(Integer.parseInt(probe.get("nb_read_frames")), f.info().frameCount(), label);
    }

    @Test
    void theModelCardsRedPandaClipAt8And16Segments() {
        Path clip = RealCheckpoints.require("InternVL2-1B").resolve("examples/red-panda.mp4");
        VideoFrames eight = decoder.decode(clip, VideoSampling.of(8), VideoLimits.DEFAULTS);
        assertEquals(895, eight.info().frameCount());
        assertEquals(895000.0 / 29833, eight.info().averageFps(), 1e-12);
        assertEquals(List.of(55, 167, 279, 390, 502, 614, 725, 837), eight.indices());
        assertEquals(360, eight.frames().get(0).width());
        assertEquals(640, eight.frames().get(0).height());
        assertArrayEquals(TestVideos.referenceRgb(clip, eight.indices()), concat(eight.frames()));
        VideoFrames sixteen = decoder.decode(clip, VideoSampling.of(16), VideoLimits.DEFAULTS);
        assertEquals(16, sixteen.frames().size());
        assertArrayEquals(TestVideos.referenceRgb(clip, sixteen.indices()), concat(sixteen.frames()));
    }

    @ParameterizedTest(name = "{0} degrees")
    @org.junit.jupiter.params.provider.ValueSource(ints = {90, 180, 270})
    void aRotatedStreamIsTurnedAsItsDisplayMatrixSays(int degrees) {
        // a phone's portrait clip: the pictures are stored landscape, with a display matrix saying how to turn them
        Path rotated = dir.resolve("rot" + degrees + ".mp4");
        TestVideos.remux(h264, rotated, "-display_rotation", String.valueOf(-degrees));
        VideoFrames f = decoder.decode(rotated, VideoSampling.of(4), VideoLimits.DEFAULTS);
        boolean quarter = degrees != 180;
        assertEquals(quarter ? 240 : 320, f.frames().get(0).width());
        assertEquals(quarter ? 320 : 240, f.frames().get(0).height());
        assertArrayEquals(TestVideos.referenceRgb(rotated, f.indices()), concat(f.frames()));
    }

    @Test
    void shortVideosRepeatFramesAsTheReferenceDoes() {
        // 10 frames sampled 16 times: segments of 9/16 frame, so frames repeat
        Path ten = TestVideos.make(dir, "ten.mp4", "size=64x48:rate=10:duration=1", "-c:v", "libopenh264");
        VideoFrames f = decoder.decode(ten, VideoSampling.of(16), VideoLimits.DEFAULTS);
        assertEquals(List.of(0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8, 8), f.indices());
        assertEquals(f.frames().get(1), f.frames().get(2));
        assertArrayEquals(TestVideos.referenceRgb(ten, f.indices()), concat(f.frames()));
    }

    @Test
    void bytesDecodeAsTheFileDoesAndLeaveNoTemporaryFile() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = countStaged(tmp);
        VideoFrames fromFile = decoder.decode(vp9, VideoSampling.of(4), VideoLimits.DEFAULTS);
        VideoFrames fromBytes = decoder.decode(Files.readAllBytes(vp9), "upload.webm", VideoSampling.of(4),
                VideoLimits.DEFAULTS);
        assertEquals(fromFile, fromBytes);
        assertEquals(before, countStaged(tmp));
        VideoDecodeException e = assertThrows(VideoDecodeException.class, () -> decoder.decode(
                "not a video".getBytes(StandardCharsets.UTF_8), "upload.mp4", VideoSampling.of(4),
                VideoLimits.DEFAULTS));
        assertTrue(e.getMessage().startsWith("upload.mp4 "), e.getMessage());
        assertEquals(before, countStaged(tmp));
    }

    @Test
    void concurrentDecodesGiveWhatEachGivesAlone() throws Exception {
        List<Path> videos = List.of(h264, vp9, mpeg4BFrames, h264Vfr, vp8Vfr, mjpegFullRange);
        List<VideoFrames> alone = videos.stream().map(v -> decoder.decode(v, VideoSampling.of(6),
                VideoLimits.DEFAULTS)).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<VideoFrames>> together = videos.stream().map(v -> pool.submit(
                    () -> decoder.decode(v, VideoSampling.of(6), VideoLimits.DEFAULTS))).toList();
            for (int i = 0; i < videos.size(); i++) {
                assertEquals(alone.get(i), together.get(i).get(), videos.get(i).toString());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theServiceLoaderFindsThisDecoder() {
        assertTrue(Videos.available());
        assertInstanceOf(FfmpegVideoDecoder.class, Videos.decoder());
    }

    @Test
    void whatIsNotAReadableVideoIsRefusedWithItsReason() throws IOException {
        assertRefused(VideoDecodeException.INVALID_VIDEO, "is empty", Files.write(dir.resolve("empty.mp4"),
                new byte[0]));
        byte[] noise = new byte[50_000];
        new Random(7).nextBytes(noise);
        assertRefused(VideoDecodeException.INVALID_VIDEO, "cannot be opened as a video",
                Files.write(dir.resolve("noise.mp4"), noise));
        assertRefused(VideoDecodeException.INVALID_VIDEO, "has no video stream", TestVideos.audioOnly(dir));
        Path ffv1 = TestVideos.make(dir, "ffv1.mkv", "size=64x48:rate=10:duration=1", "-c:v", "ffv1");
        assertRefused(VideoDecodeException.INVALID_VIDEO, "video codec 'ffv1'", ffv1);
        // a playlist that would make FFmpeg read other files is not a container this decoder opens
        Path playlist = Files.writeString(dir.resolve("list.m3u8"), "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n"
                + h264.toAbsolutePath() + "\n#EXT-X-ENDLIST\n");
        assertRefused(VideoDecodeException.INVALID_VIDEO, "cannot be opened as a video", playlist);
        Path concat = Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile '"
                + h264.toAbsolutePath() + "'\n");
        assertRefused(VideoDecodeException.INVALID_VIDEO, "cannot be opened as a video", concat);
        assertThrows(VideoDecodeException.class, () -> decoder.decode(dir.resolve("absent.mp4"), VideoSampling.of(8),
                VideoLimits.DEFAULTS));
    }

    @Test
    void aTruncatedVideoIsSampledOverWhatRemainsAsDecordDoes() throws IOException {
        Path whole = TestVideos.make(dir, "faststart.mp4", "size=320x240:rate=25:duration=4", "-c:v", "libopenh264",
                "-movflags", "+faststart");
        byte[] bytes = Files.readAllBytes(whole);
        Path half = Files.write(dir.resolve("half.mp4"), Arrays.copyOf(bytes, bytes.length / 2));
        // its index announces 100 frames, but decord counts the packets that are there, and samples those
        VideoFrames f = decoder.decode(half, VideoSampling.of(8), VideoLimits.DEFAULTS);
        int remaining = Integer.parseInt(TestVideos.probe(half).get("nb_read_packets"));
        assertTrue(remaining > 10 && remaining < 100, "packets left: " + remaining);
        assertEquals(remaining, f.info().frameCount());
        assertArrayEquals(TestVideos.referenceRgb(half, f.indices()), concat(f.frames()));
        // without the index at the front (FFmpeg's default writes it last), half a file has none
        byte[] plain = Files.readAllBytes(h264);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(plain, plain.length / 2));
        assertRefused(VideoDecodeException.INVALID_VIDEO, "cannot be opened as a video", cut);
    }

    @Test
    void limitsAreCheckedBeforeDecoding() throws IOException {
        long size = Files.size(h264);
        assertRefused(VideoDecodeException.VIDEO_TOO_LARGE, "bytes, more than the " + (size - 1),
                h264, new VideoLimits(size - 1, 600, 64, 1L << 24));
        assertRefused(VideoDecodeException.VIDEO_TOO_LARGE, "longer than the 3.0 s", h264,
                new VideoLimits(1L << 30, 3, 64, 1L << 24));
        assertRefused(VideoDecodeException.VIDEO_TOO_LARGE, "(76800 pixels), more than the 76799", h264,
                new VideoLimits(1L << 30, 600, 64, 320 * 240 - 1));
        VideoDecodeException frames = assertThrows(VideoDecodeException.class,
                () -> decoder.decode(h264, VideoSampling.of(65), VideoLimits.DEFAULTS));
        assertEquals(VideoDecodeException.VIDEO_TOO_LARGE, frames.code());
        assertTrue(frames.getMessage().contains("at most 64 frames"), frames.getMessage());
    }

    private void assertRefused(String code, String says, Path file) {
        assertRefused(code, says, file, VideoLimits.DEFAULTS);
    }

    private void assertRefused(String code, String says, Path file, VideoLimits limits) {
        VideoDecodeException e = assertThrows(VideoDecodeException.class,
                () -> decoder.decode(file, VideoSampling.of(8), limits));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.getFileName().toString()), e.getMessage());
    }

    private static long countStaged(Path tmp) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("internvl-video-")).count();
        }
    }

    private static byte[] concat(List<RgbImage> frames) {
        int n = frames.stream().mapToInt(f -> f.rgb().length).sum();
        byte[] out = new byte[n];
        int at = 0;
        for (RgbImage f : frames) {
            System.arraycopy(f.rgb(), 0, out, at, f.rgb().length);
            at += f.rgb().length;
        }
        return out;
    }

}
