package dev.internvl.video.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_get;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_move_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.presets.avutil.AVERROR_EAGAIN;

import dev.internvl.image.RgbImage;
import dev.internvl.video.VideoDecodeException;
import dev.internvl.video.VideoDecoder;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoInfo;
import dev.internvl.video.VideoLimits;
import dev.internvl.video.VideoSampling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVDictionaryEntry;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.IntPointer;

/**
 * The reference {@code load_video}'s frames through FFmpeg, as decord reads them: the frame count is the video
 * packets the file holds and the frame rate the stream's average one; {@link VideoSampling#frameIndices} picks the
 * frames; frame i is the decoder's i-th output frame (presentation order); each is rotated as the stream's display
 * matrix says and converted to RGB24 by FFmpeg's own scaler ({@link RgbConverter}).
 *
 * <p>The file is read twice: once to count its packets (no decoding), once to decode from its start up to its last
 * sampled frame, so every frame's index is its position in the decoder's output, whatever the codec's reordering
 * (B-frames) or frame timing (variable frame rate).
 *
 * <p>Only the containers and codecs below are opened, and only local files (the protocol whitelist), so a file
 * that names other files or URLs (an HLS playlist, a concat list) is refused rather than followed.
 */
public final class FfmpegVideoDecoder implements VideoDecoder {

    /** The demuxers a video may be read with (FFmpeg's names): MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, Ogg. */
    static final String FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg";

    /** The video codecs a video may use (FFmpeg's names). */
    static final Set<String> CODECS = Set.of("h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video",
            "mpeg1video", "mjpeg", "h263", "theora", "prores", "msmpeg4v3");

    /** The frame rate a video's duration is counted with at most, to bound the frames a lying header makes us decode. */
    private static final double MAX_FPS = 240;

    static {
        av_log_set_level(AV_LOG_FATAL); // failures are reported through exceptions, not FFmpeg's log on stderr
    }

    @Override
    public VideoFrames decode(Path file, VideoSampling sampling, VideoLimits limits) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new VideoDecodeException("no video file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read video file " + file, e);
        }
        if (!Files.isRegularFile(file)) {
            throw new VideoDecodeException(name + " is not a video file");
        }
        checkBytes(name, size, limits);
        return decodeFile(file, name, sampling, limits);
    }

    @Override
    public VideoFrames decode(byte[] data, String sourceName, VideoSampling sampling, VideoLimits limits) {
        checkBytes(sourceName, data.length, limits);
        Path tmp = null;
        try {
            tmp = Files.createTempFile("internvl-video-", ".bin");
            Files.write(tmp, data);
            return decodeFile(tmp, sourceName, sampling, limits);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage " + sourceName + " for decoding", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file left behind is not worth failing the request
                }
            }
        }
    }

    private static void checkBytes(String name, long size, VideoLimits limits) {
        if (size == 0) {
            throw new VideoDecodeException(name + " is empty (0 bytes)");
        }
        if (size > limits.maxBytes()) {
            throw new VideoDecodeException(name + " has " + size + " bytes, more than the " + limits.maxBytes()
                    + " a video may have", VideoDecodeException.VIDEO_TOO_LARGE);
        }
    }

    private VideoFrames decodeFile(Path file, String name, VideoSampling sampling, VideoLimits limits) {
        limits.checkSampling(sampling);
        VideoInfo info;
        try (Demuxer counting = new Demuxer(file, name)) {
            // decord's len(): the video packets the file holds, counted by reading them all (no decoding)
            int packets = counting.countVideoPackets();
            info = info(name, counting, packets);
        }
        checkInfo(name, info, limits);
        int[] indices = sampling.frameIndices(info.frameCount(), info.averageFps());
        try (Demuxer in = new Demuxer(file, name)) {
            return new VideoFrames(info, boxed(indices), decodeFrames(in, info, indices, limits));
        }
    }

    /**
     * Decodes from the start up to the last sampled frame; frame i is the decoder's i-th output frame. As decord does,
     * a sampled index past the last frame that decodes (a packet that gave no frame) takes the last decoded frame.
     */
    private static List<RgbImage> decodeFrames(Demuxer in, VideoInfo info, int[] indices, VideoLimits limits) {
        String name = in.name;
        AVCodecContext codec = null;
        AVPacket packet = null;
        AVFrame frame = null;
        AVFrame last = null;
        try (RgbConverter rgb = new RgbConverter(name, in.rotation())) {
            AVCodec decoder = avcodec_find_decoder(in.par().codec_id());
            codec = avcodec_alloc_context3(decoder);
            check(name, "has codec parameters FFmpeg rejects", avcodec_parameters_to_context(codec, in.par()));
            codec.pkt_timebase(in.stream().time_base());
            codec.thread_count(Math.min(Runtime.getRuntime().availableProcessors(), 8));
            check(name, "cannot be decoded (" + info.codec() + ")", avcodec_open2(codec, decoder,
                    (AVDictionary) null));
            packet = av_packet_alloc();
            frame = av_frame_alloc();
            last = av_frame_alloc();
            List<RgbImage> frames = new ArrayList<>(indices.length);
            int next = 0; // the next index of indices to fill
            int decoded = 0; // frames the decoder has output so far
            boolean flushing = false;
            while (next < indices.length) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new VideoDecodeException(name + ": decoding was interrupted");
                }
                int r = avcodec_receive_frame(codec, frame);
                if (r == 0) {
                    while (next < indices.length && indices[next] == decoded) {
                        frames.add(rgb.convert(frame, limits)); // the same frame twice when segments are short
                        next++;
                    }
                    decoded++;
                    av_frame_unref(last);
                    av_frame_move_ref(last, frame);
                    continue;
                }
                if (r == AVERROR_EOF) {
                    break;
                }
                if (r != AVERROR_EAGAIN()) {
                    throw new VideoDecodeException(name + ": frame " + decoded + " does not decode (" + error(r) + ")");
                }
                if (flushing) {
                    break;
                }
                int read = in.readVideoPacket(packet);
                if (read == AVERROR_EOF) {
                    flushing = true;
                    check(name, "cannot be flushed", avcodec_send_packet(codec, null));
                } else if (read < 0) {
                    throw new VideoDecodeException(name + " is truncated or corrupt after " + decoded + " frames ("
                            + error(read) + ")");
                } else {
                    int sent = avcodec_send_packet(codec, packet);
                    av_packet_unref(packet);
                    if (sent < 0 && sent != AVERROR_EAGAIN()) {
                        throw new VideoDecodeException(name + ": frame " + decoded + " does not decode ("
                                + error(sent) + ")");
                    }
                }
            }
            if (next < indices.length) {
                if (decoded == 0) {
                    throw new VideoDecodeException(name + " holds " + info.frameCount() + " video packets, but none "
                            + "decodes to a frame (corrupt?)");
                }
                RgbImage tail = rgb.convert(last, limits);
                while (next++ < indices.length) {
                    frames.add(tail);
                }
            }
            return frames;
        } finally {
            if (last != null) {
                av_frame_free(last);
            }
            if (frame != null) {
                av_frame_free(frame);
            }
            if (packet != null) {
                av_packet_free(packet);
            }
            if (codec != null) {
                avcodec_free_context(codec);
            }
        }
    }

    private static List<Integer> boxed(int[] indices) {
        List<Integer> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(i);
        }
        return out;
    }

    /**
     * The frame count and average frame rate as decord's {@code VideoReader} reports them: the video packets the file
     * holds ({@code len()}; the stream's {@code nb_frames}, else its duration times its frame rate, only when there
     * are none), and the stream's average frame rate ({@code avg_frame_rate}). Where a stream has no average rate,
     * decord's is NaN and the reference fails; this decoder takes the stream's base rate ({@code r_frame_rate}).
     */
    private static VideoInfo info(String name, Demuxer in, int packets) {
        double fps = rate(in.stream().avg_frame_rate());
        if (!(fps > 0) || !Double.isFinite(fps)) {
            fps = rate(in.stream().r_frame_rate());
        }
        if (!(fps > 0) || !Double.isFinite(fps)) {
            throw new VideoDecodeException(name + " has no frame rate in its video stream");
        }
        long duration = in.fmt.duration();
        double seconds = duration != AV_NOPTS_VALUE ? (double) duration / AV_TIME_BASE : Double.NaN;
        long count = packets;
        if (count < 1) {
            count = in.stream().nb_frames();
        }
        if (count < 1 && Double.isFinite(seconds)) {
            count = (long) (fps * seconds);
        }
        if (count < 1) {
            throw new VideoDecodeException(name + " holds no video frames");
        }
        if (count > Integer.MAX_VALUE) {
            throw new VideoDecodeException(name + " announces " + count + " frames", VideoDecodeException.VIDEO_TOO_LARGE);
        }
        return new VideoInfo((int) count, fps, in.par().width(), in.par().height(), seconds, in.codecName);
    }

    private static void checkInfo(String name, VideoInfo info, VideoLimits limits) {
        if (info.width() < 1 || info.height() < 1) {
            throw new VideoDecodeException(name + " has no frame size in its video stream");
        }
        long pixels = (long) info.width() * info.height();
        if (pixels > limits.maxPixels()) {
            throw new VideoDecodeException(String.format(Locale.ROOT, "%s has %dx%d frames (%d pixels), more than "
                    + "the %d a frame may have", name, info.width(), info.height(), pixels, limits.maxPixels()),
                    VideoDecodeException.VIDEO_TOO_LARGE);
        }
        double seconds = Math.max(Double.isFinite(info.durationSeconds()) ? info.durationSeconds() : 0,
                info.frameCount() / Math.min(info.averageFps(), MAX_FPS));
        if (seconds > limits.maxSeconds()) {
            throw new VideoDecodeException(String.format(Locale.ROOT, "%s lasts %.1f s (%d frames at %.3f fps), "
                    + "longer than the %.1f s a video may last", name, seconds, info.frameCount(), info.averageFps(),
                    limits.maxSeconds()), VideoDecodeException.VIDEO_TOO_LARGE);
        }
    }

    /**
     * An opened video file and its best video stream, restricted to {@link #FORMATS}, local files and
     * {@link #CODECS}.
     */
    private static final class Demuxer implements AutoCloseable {
        final String name;
        final AVFormatContext fmt = new AVFormatContext(null);
        final int index;
        final String codecName;

        Demuxer(Path file, String name) {
            this.name = name;
            AVDictionary options = new AVDictionary(null);
            try {
                av_dict_set(options, "format_whitelist", FORMATS, 0);
                av_dict_set(options, "protocol_whitelist", "file", 0);
                check(name, "cannot be opened as a video", avformat_open_input(fmt, file.toAbsolutePath().toString(),
                        null, options));
            } finally {
                av_dict_free(options);
            }
            try {
                check(name, "has no readable stream information", avformat_find_stream_info(fmt, (AVDictionary) null));
                index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
                if (index < 0) {
                    throw new VideoDecodeException(name + " has no video stream (an audio-only file?)");
                }
                codecName = avcodec_get_name(par().codec_id()).getString(StandardCharsets.US_ASCII);
                if (!CODECS.contains(codecName)) {
                    throw new VideoDecodeException(name + " uses the video codec '" + codecName + "', which is not "
                            + "supported (supported: " + String.join(", ", CODECS.stream().sorted().toList()) + ")");
                }
                AVCodec decoder = avcodec_find_decoder(par().codec_id());
                if (decoder == null || decoder.isNull()) {
                    throw new VideoDecodeException(name + " uses the video codec '" + codecName
                            + "', for which this FFmpeg build has no decoder");
                }
            } catch (RuntimeException e) {
                avformat_close_input(fmt);
                throw e;
            }
        }

        AVStream stream() {
            return fmt.streams(index);
        }

        AVCodecParameters par() {
            return stream().codecpar();
        }

        /** Reads packets until one of the video stream's; returns 0, AVERROR_EOF or another error. */
        int readVideoPacket(AVPacket packet) {
            while (true) {
                int r = av_read_frame(fmt, packet);
                if (r < 0) {
                    return r;
                }
                if (packet.stream_index() == index) {
                    return 0;
                }
                av_packet_unref(packet);
            }
        }

        /** Reads the whole file, counting the video stream's packets. */
        int countVideoPackets() {
            AVPacket packet = av_packet_alloc();
            try {
                int count = 0;
                while (true) {
                    int r = readVideoPacket(packet);
                    if (r == AVERROR_EOF) {
                        return count;
                    }
                    if (r < 0) {
                        throw new VideoDecodeException(name + " cannot be read after " + count + " video packets ("
                                + error(r) + ")");
                    }
                    av_packet_unref(packet);
                    count++;
                    if (count == Integer.MAX_VALUE) {
                        throw new VideoDecodeException(name + " holds too many packets",
                                VideoDecodeException.VIDEO_TOO_LARGE);
                    }
                }
            } finally {
                av_packet_free(packet);
            }
        }

        /**
         * The clockwise rotation, 0, 90, 180 or 270 degrees, that the stream's display matrix (or older files'
         * {@code rotate} tag) asks for, as decord and the {@code ffmpeg} command read it.
         */
        int rotation() {
            double theta = 0;
            AVPacketSideData side = av_packet_side_data_get(par().coded_side_data(), par().nb_coded_side_data(),
                    AV_PKT_DATA_DISPLAYMATRIX);
            AVDictionaryEntry tag = av_dict_get(stream().metadata(), "rotate", null, 0);
            if (side != null && !side.isNull() && side.size() >= 9 * 4) {
                theta = -av_display_rotation_get(new IntPointer(side.data()));
            } else if (tag != null && !tag.isNull()) {
                try {
                    theta = Double.parseDouble(tag.value().getString());
                } catch (NumberFormatException ignored) {
                    theta = 0;
                }
            }
            if (!Double.isFinite(theta)) {
                return 0;
            }
            int quarter = (int) Math.floorMod(Math.round(theta / 90), 4L);
            return quarter * 90;
        }

        @Override
        public void close() {
            avformat_close_input(fmt);
        }
    }

    private static double rate(AVRational r) {
        return r.den() == 0 ? 0 : (double) r.num() / r.den();
    }

    private static void check(String name, String problem, int result) {
        if (result < 0) {
            throw new VideoDecodeException(name + " " + problem + " (" + error(result) + ")");
        }
    }

    static String error(int code) {
        byte[] buf = new byte[256];
        av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }
}
