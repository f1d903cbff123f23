package dev.internvl.video.ffmpeg;

import static org.bytedeco.ffmpeg.global.avfilter.AV_BUFFERSRC_FLAG_KEEP_REF;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersink_get_frame;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersrc_add_frame_flags;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_get_by_name;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_alloc;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_config;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_create_filter;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_free;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_link;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;

import dev.internvl.image.RgbImage;
import dev.internvl.video.VideoDecodeException;
import dev.internvl.video.VideoLimits;
import java.util.Locale;
import org.bytedeco.ffmpeg.avfilter.AVFilterContext;
import org.bytedeco.ffmpeg.avfilter.AVFilterGraph;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;

/**
 * Converts decoded frames to RGB24 with the FFmpeg filter graph decord builds: {@code buffer}, a {@code transpose}
 * per quarter turn of the stream's rotation, {@code scale} to the frame's own (rotated) size, and a sink taking
 * RGB24. The scaler takes each frame's pixel format, colour matrix and range as the frame declares them, with its
 * default flags, as in decord and the {@code ffmpeg} command. The graph is made for the first frame and made again
 * when a frame's size or format changes. Not thread-safe; closed after one video.
 */
final class RgbConverter implements AutoCloseable {

    private final String name;
    private final int rotation;
    private AVFilterGraph graph;
    private AVFilterContext source;
    private AVFilterContext sink;
    private String graphKey;
    private final AVFrame out = av_frame_alloc();

    /**
     * @param rotation the clockwise quarter turns to apply, in degrees (0, 90, 180, 270)
     */
    RgbConverter(String name, int rotation) {
        this.name = name;
        this.rotation = rotation;
    }

    /** The frame as RGB, row-major, channels interleaved. */
    RgbImage convert(AVFrame frame, VideoLimits limits) {
        int w = frame.width();
        int h = frame.height();
        if (w < 1 || h < 1 || (long) w * h > limits.maxPixels()) {
            throw new VideoDecodeException(name + " has a " + w + "x" + h + " frame, beyond the " + limits.maxPixels()
                    + " pixels a frame may have", VideoDecodeException.VIDEO_TOO_LARGE);
        }
        int sarNum = frame.sample_aspect_ratio().num();
        int sarDen = frame.sample_aspect_ratio().den();
        String key = String.format(Locale.ROOT, "video_size=%dx%d:pix_fmt=%d:time_base=1/1:pixel_aspect=%d/%d"
                + ":colorspace=%d:range=%d", w, h, frame.format(), sarNum > 0 && sarDen > 0 ? sarNum : 1,
                sarNum > 0 && sarDen > 0 ? sarDen : 1, frame.colorspace(), frame.color_range());
        if (!key.equals(graphKey)) {
            boolean quarter = rotation == 90 || rotation == 270;
            build(key, quarter ? h : w, quarter ? w : h);
        }
        check("cannot be converted to RGB", av_buffersrc_add_frame_flags(source, frame, AV_BUFFERSRC_FLAG_KEEP_REF));
        check("cannot be converted to RGB", av_buffersink_get_frame(sink, out));
        try {
            boolean quarter = rotation == 90 || rotation == 270;
            int ow = quarter ? h : w;
            int oh = quarter ? w : h;
            if (out.width() != ow || out.height() != oh) {
                throw new IllegalStateException("the RGB conversion made a " + out.width() + "x" + out.height()
                        + " frame of a " + w + "x" + h + " one rotated by " + rotation);
            }
            w = ow;
            h = oh;
            byte[] rgb = new byte[w * h * 3];
            BytePointer data = out.data(0);
            int stride = out.linesize(0);
            for (int y = 0; y < h; y++) {
                data.position((long) y * stride).get(rgb, y * w * 3, w * 3);
            }
            data.position(0);
            return new RgbImage(w, h, rgb);
        } finally {
            av_frame_unref(out);
        }
    }

    private void build(String args, int width, int height) {
        freeGraph();
        graph = avfilter_graph_alloc();
        source = new AVFilterContext();
        sink = new AVFilterContext();
        check("cannot set up the RGB conversion", avfilter_graph_create_filter(source, avfilter_get_by_name("buffer"),
                "in", args, null, graph));
        AVFilterContext last = source;
        String[] turns = switch (rotation) {
            case 90 -> new String[] {"dir=clock"};
            case 180 -> new String[] {"dir=clock", "dir=clock"};
            case 270 -> new String[] {"dir=cclock"};
            default -> new String[0];
        };
        for (int i = 0; i < turns.length; i++) {
            last = link(last, "transpose", "transpose" + i, turns[i]);
        }
        last = link(last, "scale", "scale", "w=" + width + ":h=" + height);
        last = link(last, "format", "rgb", "pix_fmts=rgb24");
        check("cannot set up the RGB conversion", avfilter_graph_create_filter(sink,
                avfilter_get_by_name("buffersink"), "out", null, null, graph));
        check("cannot set up the RGB conversion", avfilter_link(last, 0, sink, 0));
        check("cannot set up the RGB conversion", avfilter_graph_config(graph, null));
        graphKey = args;
    }

    private AVFilterContext link(AVFilterContext from, String filter, String label, String args) {
        AVFilterContext next = new AVFilterContext();
        check("cannot set up the RGB conversion", avfilter_graph_create_filter(next, avfilter_get_by_name(filter),
                label, args, null, graph));
        check("cannot set up the RGB conversion", avfilter_link(from, 0, next, 0));
        return next;
    }

    private void check(String problem, int result) {
        if (result < 0) {
            throw new VideoDecodeException(name + ": a frame " + problem + " (" + FfmpegVideoDecoder.error(result)
                    + ")");
        }
    }

    private void freeGraph() {
        if (graph != null) {
            avfilter_graph_free(graph);
            graph = null;
            graphKey = null;
        }
    }

    @Override
    public void close() {
        freeGraph();
        av_frame_free(out);
    }
}
