package dev.internvl.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.internvl.BatchingOptions;
import dev.internvl.ChatListener;
import dev.internvl.GenerationOptions;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.generate.BatchScheduler;
import dev.internvl.generate.Sampler;
import dev.internvl.image.ImagePreprocessor;
import dev.internvl.image.PreprocessOptions;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.Decoder;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.KvCache;
import dev.internvl.model.ModelOptions;
import dev.internvl.model.Quantization;
import dev.internvl.model.VisionEmbeddings;
import dev.internvl.testing.RandomCheckpoint;
import dev.internvl.torch.MemoryBandwidth;
import dev.internvl.torch.TorchKernels;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoSampling;
import dev.internvl.video.Videos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: time to first token and decode speed on a random-weight checkpoint of real dimensions (written
 * once to a work folder), or on a given checkpoint. Prints one JSON object.
 */
@Command(name = "bench", description = "Measure time-to-first-token and decode tokens/s; prints JSON.")
final class BenchCommand implements Callable<Integer> {

    /** {@code <IMG_CONTEXT>} of the Qwen2-based InternVL2 tokenizers. */
    private static final long IMG_CONTEXT = 151648;

    @Option(names = "--dims", defaultValue = "internvl2-1b", description = "internvl2-1b or tiny (random weights).")
    String dims;

    @Option(names = "--model", description = "Benchmark this checkpoint (folder or Hugging Face model id) instead of "
            + "random weights.")
    ModelLocation model;

    @Option(names = "--work-dir", description = "Where the random checkpoint is kept (default: the temp folder).")
    Path workDir;

    @Option(names = "--dtype", defaultValue = "bf16", description = "Compute dtype: bf16, fp16, fp32.")
    String dtype;

    @Option(names = "--quantization", defaultValue = "none", description = "none, int8, int4 or int4:GROUP.")
    String quantization;

    @Option(names = "--quantization-cache", defaultValue = "auto", description = "Where a quantized decoder is kept "
            + "for later loads: auto (internvl-cache/ in the checkpoint folder), off, or a folder.")
    String quantizationCache;

    @Option(names = "--packed-weights", defaultValue = "true", arity = "1", description = "Pack an unquantized bf16 "
            + "decoder's matrices into oneDNN's layout where the CPU supports it (true, the default) or not (false).")
    boolean packedWeights;

    @Option(names = "--batch", defaultValue = "1", description = "Sequences decoded together (same prompt each).")
    int batch;

    @Option(names = "--concurrent", defaultValue = "0", description = "Serve this many requests at once through the "
            + "continuous-batching scheduler (each with its own image) instead of one static batch.")
    int concurrent;

    @Option(names = "--prefill-chunk", defaultValue = "256", description = "With --concurrent: prompt tokens per "
            + "admission step beside running decodes.")
    int prefillChunk;

    @Option(names = "--vision-layers", defaultValue = "6", description = "With --concurrent: vision layers one tile "
            + "goes through per admission step beside running decodes.")
    int visionLayers;

    @Option(names = "--tiles", defaultValue = "1", description = "Image tiles in the prompt (0 for text only).")
    int tiles;

    @Option(names = "--text-tokens", defaultValue = "32", description = "Text tokens around the image.")
    int textTokens;

    @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens to decode.")
    int newTokens;

    @Option(names = "--video", description = "Time a question about this video instead of random tiles: decoding "
            + "its sampled frames (one tile each, as the reference load_video), tiling them, then vision and prefill "
            + "to the first token.")
    Path video;

    @Option(names = "--frames", defaultValue = "8", description = "With --video: frames sampled (default: "
            + "${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--json", description = "Print only the JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || batch > 64) {
            throw new IllegalArgumentException("--batch must be 1..64");
        }
        if (prefillChunk < 1 || visionLayers < 1) {
            throw new IllegalArgumentException("--prefill-chunk and --vision-layers must be at least 1");
        }
        if (concurrent < 0 || concurrent > 64 || (concurrent > 0 && batch > 1)) {
            throw new IllegalArgumentException("--concurrent must be 0..64 and cannot be combined with --batch");
        }
        Quantization quant = Quantization.parse(quantization);
        if (tiles < 0 || textTokens < 1 || newTokens < 1) {
            throw new IllegalArgumentException("--tiles must be >= 0, --text-tokens and --new-tokens >= 1");
        }
        ComputeDType computeDType = ComputeDType.parse(dtype);
        Path dir = model != null ? model.dir() : randomCheckpoint();
        double bandwidth;
        try (TorchKernels probe = TorchKernels.load()) {
            bandwidth = MemoryBandwidth.measure(probe, 1L << 30, 5);
        }
        boolean peakReset = resetPeakRss();
        ModelOptions options = ModelOptions.defaults().withDtype(computeDType).withQuantization(quant)
                .withQuantizationCache(quantizationCache).withPackedWeights(packedWeights);
        if (tiles == 0 && video == null) { // text only: the vision encoder is not loaded (nor counted)
            options = options.languageOnly();
        }
        long loadStart = System.nanoTime();
        try (InternVLModel m = InternVLModel.load(dir, options)) {
            double loadS = (System.nanoTime() - loadStart) / 1e9;
            Decoder decoder = m.decoder();
            int vocab = m.config().llm().vocabSize();
            int imageTokens = tiles * m.config().numImageTokens();
            long[] prompt = prompt(imageTokens, vocab);
            float[] pixels = randomPixels(tiles, m.config().imageSize());
            JsonObject clip = null;
            if (video != null) {
                if (concurrent > 0 || batch > 1) {
                    throw new IllegalArgumentException("--video times one request: no --concurrent or --batch");
                }
                clip = new JsonObject();
                pixels = videoPixels(m.config().imageSize(), clip);
                tiles = frames;
                imageTokens = tiles * m.config().numImageTokens();
                prompt = prompt(imageTokens, vocab);
            }
            run(m, decoder, prompt, pixels, 4); // warm-up: TorchScript profiles and optimizes on the first calls
            JsonObject o = new JsonObject();
            if (concurrent > 0) {
                serve(m, prompt, pixels, 4, o); // warm-up of the batched shapes
                o = new JsonObject();
                describe(o, dir, computeDType, quant, prompt.length, loadS, decoder);
                serve(m, prompt, pixels, newTokens, o);
                memory(o, m, decoder, computeDType, peakReset);
                System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
                return 0;
            }
            Timing t = run(m, decoder, prompt, pixels, newTokens);
            describe(o, dir, computeDType, quant, prompt.length, loadS, decoder);
            o.addProperty("vision_ms", round(t.visionMs));
            o.addProperty("prefill_ms", round(t.prefillMs));
            o.addProperty("ttft_ms", round(t.visionMs + t.prefillMs));
            if (clip != null) {
                for (var e : clip.entrySet()) {
                    o.add(e.getKey(), e.getValue());
                }
                double before = clip.get("video_decode_ms").getAsDouble() + clip.get("video_tiling_ms").getAsDouble();
                o.addProperty("video_ttft_ms", round(before + t.visionMs + t.prefillMs));
            }
            o.addProperty("decode_ms_per_token", round(t.decodeMs / (newTokens - 1)));
            o.addProperty("decode_tokens_per_s", round(batch * (newTokens - 1) / (t.decodeMs / 1000)));
            double perToken = decodeBytesPerToken(m.checkpoint(), decoder, computeDType);
            double rooflineMs = perToken / bandwidth * 1000;
            o.addProperty("read_bandwidth_gbs", round(bandwidth / 1e9));
            o.addProperty("decode_bytes_per_token_mb", round(perToken / 1e6));
            o.addProperty("roofline_ms_per_token", round(rooflineMs));
            o.addProperty("decode_fraction_of_roofline", round(rooflineMs / (t.decodeMs / (newTokens - 1))));
            memory(o, m, decoder, computeDType, peakReset);
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
        }
        return 0;
    }

    private void describe(JsonObject o, Path dir, ComputeDType computeDType, Quantization quant, int promptTokens,
            double loadS, Decoder decoder) {
        o.addProperty("dims", model != null ? dir.toString() : dims);
        o.addProperty("dtype", computeDType.toString());
        o.addProperty("quantization", quant.toString());
        o.addProperty("mode", concurrent > 0 ? "concurrent" : "static");
        o.addProperty("batch", concurrent > 0 ? concurrent : batch);
        o.addProperty("tiles", tiles);
        o.addProperty("prompt_tokens", promptTokens);
        o.addProperty("new_tokens", newTokens);
        o.addProperty("load_s", round(loadS));
        o.addProperty("quantized_from_cache", decoder.loadedFromCache());
        o.addProperty("packed_weights", decoder.packed());
    }

    /** {@code peakReset}: whether {@link #resetPeakRss} reset the high-water mark after the bandwidth probe. */
    private static void memory(JsonObject o, InternVLModel m, Decoder decoder, ComputeDType computeDType,
            boolean peakReset) {
        o.addProperty("peak_rss_mb", round(peakRssMb()));
        o.addProperty("peak_rss_excludes_bandwidth_probe", peakReset);
        long llmBytes = decoder.weightBytes();
        long visionBytes = weightBytes(m.checkpoint(), "vision_model.", computeDType)
                + weightBytes(m.checkpoint(), "mlp1.", computeDType);
        o.addProperty("weights_mb", round((llmBytes + visionBytes) / 1e6));
        o.addProperty("llm_weights_mb", round(llmBytes / 1e6));
        o.addProperty("cpus", Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@code concurrent} requests submitted at once to the continuous-batching scheduler (greedy, no stop tokens,
     * {@code steps} tokens each). Time to first token is per request from the common submission; the steady
     * aggregate rate is measured while every request is decoding; a stall is the longest wait of a running request
     * for its next token (it grows while newcomers are admitted).
     */
    private void serve(InternVLModel m, long[] prompt, float[] pixels, int steps, JsonObject o) {
        GenerationOptions greedy = GenerationOptions.builder().maxNewTokens(steps).build();
        long[][] times = new long[concurrent][steps];
        int[] count = new int[concurrent];
        BatchingOptions settings = new BatchingOptions(concurrent, concurrent, prefillChunk, 1, visionLayers);
        try (BatchScheduler scheduler = new BatchScheduler(m, null, IMG_CONTEXT, 0, Set.of(), settings)) {
            List<BatchScheduler.Submission> submitted = new ArrayList<>();
            long start = System.nanoTime();
            for (int r = 0; r < concurrent; r++) {
                int row = r;
                submitted.add(scheduler.submit(prompt, tiles > 0 ? pixels : null, tiles, greedy,
                        new ChatListener() {
                            @Override
                            public void onText(String delta) {
                            }

                            @Override
                            public void onToken(long tokenId) {
                                times[row][count[row]++] = System.nanoTime();
                            }
                        }));
            }
            int tokens = submitted.stream().mapToInt(s -> s.await().completionTokens()).sum();
            long end = System.nanoTime();
            long allDecoding = Long.MIN_VALUE;
            long firstDone = Long.MAX_VALUE;
            double ttftSum = 0;
            double stall = 0;
            for (int r = 0; r < concurrent; r++) {
                allDecoding = Math.max(allDecoding, times[r][0]);
                firstDone = Math.min(firstDone, times[r][steps - 1]);
                ttftSum += (times[r][0] - start) / 1e6;
                for (int i = 1; i < steps; i++) {
                    stall = Math.max(stall, (times[r][i] - times[r][i - 1]) / 1e6);
                }
            }
            int steady = 0;
            for (int r = 0; r < concurrent; r++) {
                for (int i = 0; i < steps; i++) {
                    steady += times[r][i] > allDecoding && times[r][i] <= firstDone ? 1 : 0;
                }
            }
            o.addProperty("ttft_ms", round(ttftSum / concurrent));
            o.addProperty("ttft_ms_last", round((allDecoding - start) / 1e6));
            o.addProperty("decode_tokens_per_s", firstDone > allDecoding
                    ? round(steady / ((firstDone - allDecoding) / 1e9)) : -1);
            o.addProperty("end_to_end_tokens_per_s", round(tokens / ((end - start) / 1e9)));
            o.addProperty("max_stall_ms", round(stall));
        }
    }

    private record Timing(double visionMs, double prefillMs, double decodeMs) {
    }

    /** Vision, then a static batch: prefill to the first token, then {@code steps - 1} greedy decode steps. */
    private Timing run(InternVLModel m, Decoder decoder, long[] prompt, float[] pixels, int steps) {
        long t0 = System.nanoTime();
        // each sequence of the batch stands for a request with its own image
        float[] all = pixels;
        if (batch > 1 && tiles > 0) {
            all = new float[pixels.length * batch];
            for (int r = 0; r < batch; r++) {
                System.arraycopy(pixels, 0, all, r * pixels.length, pixels.length);
            }
        }
        long[] firstAndLast = new long[2];
        try (VisionEmbeddings images = tiles > 0 ? m.encodeImages(all, tiles * batch) : null) {
            long t1 = System.nanoTime();
            long[][] ids = new long[batch][];
            boolean[] live = new boolean[batch];
            java.util.Arrays.fill(ids, prompt);
            java.util.Arrays.fill(live, true);
            // the engine's one step function, all rows starting together (greedy, no stop tokens)
            try (KvCache cache = decoder.newCache(batch, prompt.length + steps)) {
                float[][] logits = decoder.forward(ids, images, IMG_CONTEXT, cache, 0, live);
                long[][] next = greedy(logits);
                firstAndLast[0] = System.nanoTime();
                for (int s = 1; s < steps; s++) {
                    logits = decoder.forward(next, null, IMG_CONTEXT, cache, 0, live);
                    next = greedy(logits);
                }
                firstAndLast[1] = System.nanoTime();
            }
            return new Timing((t1 - t0) / 1e6, (firstAndLast[0] - t1) / 1e6, (firstAndLast[1] - firstAndLast[0]) / 1e6);
        }
    }

    /** Each row's most likely next token, as the next step's input. */
    private static long[][] greedy(float[][] logits) {
        long[][] next = new long[logits.length][1];
        for (int r = 0; r < logits.length; r++) {
            next[r][0] = Sampler.argmax(logits[r]);
        }
        return next;
    }

    private long[] prompt(int imageTokens, int vocab) {
        SplittableRandom r = new SplittableRandom(7);
        long[] ids = new long[textTokens + imageTokens];
        int before = textTokens / 2;
        for (int i = 0; i < ids.length; i++) {
            boolean image = i >= before && i < before + imageTokens;
            ids[i] = image ? IMG_CONTEXT : r.nextInt(Math.min(vocab, 150000));
        }
        return ids;
    }

    /**
     * Decodes the video's sampled frames (the best of 3 runs after one warm-up) and tiles them, one tile each; puts
     * the timings and the video's facts into {@code o}; returns the tiles' pixel values.
     */
    private float[] videoPixels(int imageSize, JsonObject o) {
        VideoSampling sampling = VideoSampling.of(frames);
        VideoFrames clip = Videos.decode(video, sampling);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            clip = Videos.decode(video, sampling);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        ImagePreprocessor tiler = new ImagePreprocessor(new PreprocessOptions(imageSize, 1, 1, true));
        long t0 = System.nanoTime();
        float[] all = new float[frames * 3 * imageSize * imageSize];
        for (int i = 0; i < frames; i++) {
            float[] one = tiler.preprocess(clip.frames().get(i)).pixelValues();
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        double tilingMs = (System.nanoTime() - t0) / 1e6;
        int decodedFrames = clip.indices().get(clip.indices().size() - 1) + 1;
        o.addProperty("video", video.getFileName().toString());
        o.addProperty("video_codec", clip.info().codec());
        o.addProperty("video_size", clip.info().width() + "x" + clip.info().height());
        o.addProperty("video_frame_count", clip.info().frameCount());
        o.addProperty("video_frames_sampled", frames);
        o.addProperty("video_frames_decoded", decodedFrames);
        o.addProperty("video_decode_ms", round(best));
        o.addProperty("video_decode_ms_per_decoded_frame", round(best / decodedFrames));
        o.addProperty("video_decode_ms_per_sampled_frame", round(best / frames));
        o.addProperty("video_tiling_ms", round(tilingMs));
        return all;
    }

    private static float[] randomPixels(int tiles, int size) {
        SplittableRandom r = new SplittableRandom(11);
        float[] px = new float[tiles * 3 * size * size];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return px;
    }

    private Path randomCheckpoint() throws IOException {
        RandomCheckpoint.Dims d = switch (dims) {
            case "internvl2-1b" -> RandomCheckpoint.Dims.internVL2_1B();
            case "tiny" -> RandomCheckpoint.Dims.tiny();
            default -> throw new IllegalArgumentException("unknown --dims " + dims + " (internvl2-1b or tiny)");
        };
        Path dir = (workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir")))
                .resolve("internvl-bench-" + dims + "-bf16");
        if (!Files.exists(dir.resolve(".complete"))) {
            if (!json) {
                System.err.println("writing a random " + dims + " checkpoint to " + dir + " (once)");
            }
            RandomCheckpoint.write(dir, d, TensorDType.BF16, 0, 1, "Hermes-2");
            Files.writeString(dir.resolve(".complete"), "ok");
        }
        return dir;
    }

    static long weightBytes(Checkpoint ckpt, String prefix, ComputeDType dtype) {
        int bytes = dtype == ComputeDType.FP32 ? 4 : 2;
        return ckpt.names().stream().filter(n -> prefix == null || n.startsWith(prefix)).map(ckpt::tensor)
                .mapToLong(TensorInfo::numel).sum() * bytes;
    }

    /**
     * Bytes a decode step reads: every resident decoder weight once, except an embedding the head does not share
     * (only one row of it is read per token).
     */
    static double decodeBytesPerToken(Checkpoint ckpt, Decoder decoder, ComputeDType dtype) {
        long all = decoder.weightBytes();
        boolean shared = !ckpt.has("language_model.lm_head.weight") && decoder.quantization().bits() != 4
                && !decoder.packed();
        if (shared) {
            return all;
        }
        long embedRows = ckpt.tensor("language_model.model.embed_tokens.weight").numel();
        int bytes = decoder.quantization().enabled() ? 1 : dtype == ComputeDType.FP32 ? 4 : 2;
        return all - embedRows * bytes;
    }

    /**
     * Resets the process's peak RSS (Linux: "5" to /proc/self/clear_refs) after the 1 GiB bandwidth probe, which
     * would otherwise be the peak of every small model; false where that is not possible.
     */
    static boolean resetPeakRss() {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
