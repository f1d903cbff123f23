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
 * Converts decoded frames to RGB24 with an FFmpeg filter graph ({@code buffer → format=rgb24 → buffersink}), the
 * way decord and the {@code ffmpeg} command convert them: the graph's automatic scaler takes each frame's pixel
 * format, colour matrix and range as the frame declares them. The graph is made for the first frame and made again
 * when a frame's size or format changes. Not thread-safe; closed after one video.
 */
final class RgbConverter implements AutoCloseable {

    private final String name;
    private AVFilterGraph graph;
    private AVFilterContext source;
    private AVFilterContext sink;
    private String graphKey;
    private final AVFrame out = av_frame_alloc();

    RgbConverter(String name) {
        this.name = name;
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
            build(key);
        }
        check("cannot be converted to RGB", av_buffersrc_add_frame_flags(source, frame, AV_BUFFERSRC_FLAG_KEEP_REF));
        check("cannot be converted to RGB", av_buffersink_get_frame(sink, out));
        try {
            if (out.width() != w || out.height() != h) {
                throw new IllegalStateException("the RGB conversion changed the frame size from " + w + "x" + h
                        + " to " + out.width() + "x" + out.height());
            }
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

    private void build(String args) {
        freeGraph();
        graph = avfilter_graph_alloc();
        source = new AVFilterContext();
        sink = new AVFilterContext();
        AVFilterContext format = new AVFilterContext();
        check("cannot set up the RGB conversion", avfilter_graph_create_filter(source, avfilter_get_by_name("buffer"),
                "in", args, null, graph));
        check("cannot set up the RGB conversion", avfilter_graph_create_filter(format, avfilter_get_by_name("format"),
                "rgb", "pix_fmts=rgb24", null, graph));
        check("cannot set up the RGB conversion", avfilter_graph_create_filter(sink,
                avfilter_get_by_name("buffersink"), "out", null, null, graph));
        check("cannot set up the RGB conversion", avfilter_link(source, 0, format, 0));
        check("cannot set up the RGB conversion", avfilter_link(format, 0, sink, 0));
        check("cannot set up the RGB conversion", avfilter_graph_config(graph, null));
        graphKey = args;
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
