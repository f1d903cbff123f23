package dev.internvl;

import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.InternVLConfig;
import dev.internvl.generate.BatchScheduler;
import dev.internvl.generate.Completion;
import dev.internvl.image.DynamicTiling;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.ImagePreprocessor;
import dev.internvl.image.PreprocessOptions;
import dev.internvl.image.PreprocessedImage;
import dev.internvl.image.RgbImage;
import dev.internvl.image.TileGrid;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.ModelOptions;
import dev.internvl.text.ChatPrompt;
import dev.internvl.text.ChatPromptBuilder;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.ConversationTemplate;
import dev.internvl.text.ConversationTemplates;
import dev.internvl.text.InternVLTokenizer;
import dev.internvl.text.InternVLTokens;
import dev.internvl.text.MultiImageQuestions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An InternVL chat model loaded in-process: the engine's entry point. A request travels
 * images → {@link ImagePreprocessor} (Pillow-exact tiles) → prompt ({@link ChatPromptBuilder}, the reference
 * chat() rules) → {@link InternVLTokenizer} → {@link BatchScheduler} (vision encoder and projector, then the
 * decoder, one row of the running batch per request).
 *
 * <p>Thread-safe: preprocessing and tokenization run on the caller's thread; model work runs on the
 * {@link BatchScheduler}'s worker, which decodes concurrent requests together (continuous batching: each request
 * joins the running batch between steps and leaves it when done) and queues the ones beyond the batch size in
 * arrival order.
 */
public final class InternVL implements ChatEngine {

    private final InternVLModel model;
    private final InternVLTokenizer tokenizer;
    private final ConversationTemplate template;
    private final ChatPromptBuilder prompts;
    private final PreprocessOptions preprocess;
    private final GenerationOptions defaults;
    private final BatchScheduler scheduler;
    private final long imageContextId;
    private volatile boolean closed;

    private InternVL(InternVLModel model, InternVLTokenizer tokenizer, ConversationTemplate template,
            ChatPromptBuilder prompts, PreprocessOptions preprocess, GenerationOptions defaults,
            BatchingOptions batching) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.prompts = prompts;
        this.preprocess = preprocess;
        this.defaults = defaults;
        this.imageContextId = tokenizer.requireTokenId(InternVLTokens.IMG_CONTEXT);
        Set<Long> stops = stopTokenIds(template, tokenizer, model.checkpoint().generationEosIds(),
                model.config().llm().vocabSize());
        long pad = padTokenId(tokenizer, stops);
        this.scheduler = new BatchScheduler(model, tokenizer, imageContextId, pad, stops, batching);
    }

    /** Loads the checkpoint in {@code dir} with default options (bf16, CPU). */
    public static InternVL load(Path dir) {
        return load(dir, EngineOptions.defaults());
    }

    /** Loads the checkpoint in {@code dir}. */
    public static InternVL load(Path dir, EngineOptions options) {
        InternVLTokenizer tokenizer = InternVLTokenizer.load(dir);
        InternVLModel model = null;
        try {
            if (!options.model().loadVision() || !options.model().loadLanguage()) {
                throw new IllegalArgumentException("chat needs both the vision and the language parts");
            }
            // before the weights: a mismatched tokenizer is found in milliseconds, not after minutes of loading
            checkVocabulary(dir, tokenizer, InternVLConfig.read(dir.resolve("config.json")).llm().vocabSize());
            model = InternVLModel.load(dir, options.model());
            InternVLConfig cfg = model.config();
            ChatPromptBuilder builder = promptBuilder(dir, cfg, options.template(), options.systemMessage());
            ConversationTemplate template = builder.template();
            int min = options.minTiles() != null ? options.minTiles() : cfg.minDynamicPatch();
            int max = options.maxTiles() != null ? options.maxTiles() : cfg.maxDynamicPatch();
            boolean thumb = options.thumbnail() != null ? options.thumbnail() : cfg.useThumbnail();
            if (!cfg.dynamicImageSize()) {
                min = 1;
                max = 1;
            }
            PreprocessOptions pre = new PreprocessOptions(cfg.imageSize(), min, max, thumb);
            return new InternVL(model, tokenizer, template, builder, pre, options.generation(), options.batching());
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            tokenizer.close();
            throw e;
        }
    }

    /**
     * The prompt builder of the checkpoint in {@code dir}: the template {@code template} names, else the one
     * {@code config.json} names (as the checkpoint's own {@code conversation.py} defines it, see
     * {@link ConversationTemplates#forCheckpoint}); the system message {@code systemMessage}, else
     * {@code config.json}'s {@code system_message}, else the template's; and the config's image tokens per tile.
     *
     * @param template      a template name overriding config.json's, or null
     * @param systemMessage a system message overriding the checkpoint's, or null
     * @throws CheckpointException when neither names a template
     */
    public static ChatPromptBuilder promptBuilder(Path dir, InternVLConfig cfg, String template, String systemMessage) {
        String name = template != null ? template : cfg.template().orElseThrow(() ->
                new CheckpointException(dir.resolve("config.json") + ": names no template; set one explicitly"));
        ChatPromptBuilder builder = ChatPromptBuilder.forTemplate(ConversationTemplates.forCheckpoint(dir, name))
                .withImageTokensPerTile(cfg.numImageTokens());
        if (cfg.systemMessage().isPresent()) {
            builder = builder.withConfigSystemMessage(cfg.systemMessage().get());
        }
        if (systemMessage != null) {
            builder = builder.withSystemMessage(systemMessage);
        }
        return builder;
    }

    /**
     * The ids that end generation: the template's stop tokens with {@code tokenizer}, then the eos ids of
     * {@code generation_config.json} that lie inside the model's vocabulary of {@code vocab}.
     */
    static Set<Long> stopTokenIds(ConversationTemplate template, InternVLTokenizer tokenizer,
            List<Integer> generationEosIds, int vocab) {
        Set<Long> stops = new LinkedHashSet<>(template.stopTokenIds(tokenizer));
        generationEosIds.stream().map(Integer::longValue).filter(id -> id < vocab).forEach(stops::add);
        return stops;
    }

    /**
     * Fails when the tokenizer has ids beyond the rows of the model's embedding ({@code llm_config.vocab_size}):
     * such a token would index past the embedding. Fewer tokens than rows is normal (embeddings are padded).
     */
    public static void checkVocabulary(Path dir, InternVLTokenizer tokenizer, long vocab) {
        if (tokenizer.maxTokenId() >= vocab) {
            throw new CheckpointException(dir + ": the tokenizer (" + tokenizer.source() + ") has ids up to "
                    + tokenizer.maxTokenId() + " (" + tokenizer.vocabSize() + " tokens), but config.json's "
                    + "llm_config.vocab_size is " + vocab + ": the files belong to different models");
        }
    }

    /** The id that pads batches: the tokenizer's pad token, else the first stop id. */
    static long padTokenId(InternVLTokenizer tokenizer, Set<Long> stops) {
        return tokenizer.padTokenId().orElse(stops.iterator().next());
    }

    /**
     * Answers one round. The question, history and system message are encoded as the reference {@code chat()} does:
     * the text of an added token in them ({@code <|im_end|>}, {@code <img>}, ...) becomes that token, unless the
     * request asks for {@link dev.internvl.text.SpecialTokensInText#PLAIN}; {@code <IMG_CONTEXT>} typed in them
     * stays text in either mode (only images bring it).
     */
    @Override
    public ChatAnswer chat(ChatRequest request) {
        return chat(request, ChatListener.SILENT);
    }

    /**
     * Answers one round, streaming text to {@code listener} as it is generated. The prompt is built from the
     * images' tile counts (their sizes decide them); the tiles themselves are made on this thread only when the
     * request's turn is near, so that requests waiting in the queue hold their images, not their larger tiles.
     */
    @Override
    public ChatAnswer chat(ChatRequest request, ChatListener listener) {
        requireOpen();
        scheduler.checkRoom(); // before anything else is done for it
        Prepared p = prepare(request, defaults);
        BatchScheduler.Submission submission = scheduler.submitPending(p.ids(), p.totalTiles(), p.options(), listener);
        if (submission.awaitTurn()) {
            try {
                submission.providePixels(p.pixels(request));
            } catch (RuntimeException | Error e) {
                submission.failPixels(e);
            }
        }
        return p.answer(request, submission.await());
    }

    /**
     * The reference batch_chat(): independent questions, each with at most one image and no history, decoded
     * together. Each question joins the running batch as its own sequence (no left padding), so it gets the answer
     * it gets alone; each request's own system message, tile settings and generation options hold as in
     * {@link #chat}. More questions than the engine takes at once are submitted as earlier ones finish.
     *
     * @param options generation options for the requests that carry none (null: the engine's defaults)
     * @throws InvalidRequestException for a request with history or several images
     */
    public List<ChatAnswer> batchChat(List<ChatRequest> requests, GenerationOptions options) {
        requireOpen();
        List<Prepared> prepared = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            ChatRequest req = requests.get(i);
            if (!req.history().isEmpty() || req.images().size() > 1) {
                throw new InvalidRequestException("batchChat takes independent questions with at most one image "
                        + "and no history; request " + i + " has " + req.history().size() + " earlier rounds and "
                        + req.images().size() + " images");
            }
            Prepared p = prepare(req, options != null ? options : defaults);
            prepared.add(p);
            pixels.add(p.pixels(req));
        }
        List<BatchScheduler.Submission> submitted = new ArrayList<>();
        Completion[] results = new Completion[prepared.size()];
        int waited = 0; // results[0..waited) are in
        try {
            for (int i = 0; i < prepared.size(); i++) {
                Prepared p = prepared.get(i);
                while (true) {
                    try {
                        submitted.add(scheduler.submit(p.ids(), pixels.get(i), p.totalTiles(), p.options(),
                                ChatListener.SILENT));
                        pixels.set(i, null);
                        break;
                    } catch (java.util.concurrent.RejectedExecutionException busy) {
                        if (waited == submitted.size()) {
                            throw busy; // none of ours is in the way: the engine is busy with others
                        }
                        results[waited] = submitted.get(waited).await(); // room frees as ours finish
                        waited++;
                    }
                }
            }
        } catch (RuntimeException e) {
            submitted.forEach(BatchScheduler.Submission::cancel);
            throw e;
        }
        List<ChatAnswer> out = new ArrayList<>();
        for (int i = 0; i < submitted.size(); i++) {
            Completion r = i < waited ? results[i] : submitted.get(i).await();
            out.add(prepared.get(i).answer(requests.get(i), r));
        }
        return out;
    }

    /**
     * A request made ready for the scheduler: its prompt as the reference chat() builds it (the request's system
     * message, image layout and tile settings), its ids, and its generation options.
     */
    private record Prepared(ChatPrompt prompt, long[] ids, PreprocessOptions tiling, List<Integer> tiles,
            GenerationOptions options) {

        int totalTiles() {
            return tiles.stream().mapToInt(Integer::intValue).sum();
        }

        /** The request's images as tiles, all of them in one array (null without images). */
        float[] pixels(ChatRequest request) {
            List<PreprocessedImage> images = preprocess(request.images(), tiling);
            for (int i = 0; i < images.size(); i++) {
                if (images.get(i).numTiles() != tiles.get(i)) {
                    throw new IllegalStateException("image " + i + " gave " + images.get(i).numTiles()
                            + " tiles, its size " + tiles.get(i));
                }
            }
            return totalTiles() == 0 ? null : concatPixels(images, totalTiles(), tiling.imageSize());
        }

        ChatAnswer answer(ChatRequest request, Completion r) {
            List<ChatTurn> history = new ArrayList<>(request.history());
            history.add(prompt.answered(r.text()));
            return new ChatAnswer(r.text(), r.finishReason(), r.promptTokens(), r.completionTokens(), r.tokenIds(),
                    List.copyOf(history));
        }
    }

    private Prepared prepare(ChatRequest request, GenerationOptions fallback) {
        boolean frames = request.layout() == ImageLayout.FRAMES;
        PreprocessOptions tiling = frames ? frameTiling(request.maxTiles(), request.thumbnail())
                : preprocessOptions(request.maxTiles(), request.thumbnail());
        List<Integer> tiles = request.images().stream().map(img -> tileCount(img.width(), img.height(), tiling))
                .toList();
        String question = MultiImageQuestions.place(request.question(), tiles.size(), request.layout(),
                !request.history().isEmpty());
        List<Integer> numPatches = request.layout() == ImageLayout.COMBINED && tiles.size() > 1
                ? MultiImageQuestions.combined(tiles) : tiles;
        ChatPromptBuilder builder = prompts.withCallerSystemMessage(request.systemMessage());
        ChatPrompt prompt = builder.chat(request.history(), question, numPatches);
        long[] ids = tokenizer.encode(prompt.segments(), request.specialTokensInText());
        GenerationOptions options = request.generation() != null ? request.generation() : fallback;
        return new Prepared(prompt, ids, tiling, tiles, options);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
    }

    private static List<PreprocessedImage> preprocess(List<RgbImage> images, PreprocessOptions tiling) {
        ImagePreprocessor p = new ImagePreprocessor(tiling);
        return images.stream().map(p::preprocess).toList();
    }

    /** The tiles {@link ImagePreprocessor} makes of a {@code width} × {@code height} image, thumbnail included. */
    private static int tileCount(int width, int height, PreprocessOptions o) {
        TileGrid grid = DynamicTiling.chooseGrid(width, height, o.minTiles(), o.maxTiles(), o.imageSize());
        int n = grid.cols() * grid.rows();
        return o.useThumbnail() && n != 1 ? n + 1 : n;
    }

    /** The engine's tiling with a request's own tile limit and thumbnail setting (nulls: the engine's). */
    private PreprocessOptions preprocessOptions(Integer maxTiles, Boolean thumbnail) {
        InvalidOptionException.checkTiles("maxTiles", maxTiles);
        return new PreprocessOptions(preprocess.imageSize(),
                maxTiles == null ? preprocess.minTiles() : Math.min(preprocess.minTiles(), maxTiles),
                maxTiles == null ? preprocess.maxTiles() : maxTiles,
                thumbnail == null ? preprocess.useThumbnail() : thumbnail);
    }

    /**
     * The tiling of a video's frames, as the reference {@code load_video} does it: at most {@code maxTiles} tiles
     * (its {@code max_num}, 1 when null) and a thumbnail ({@code use_thumbnail=True}) unless the request says not.
     */
    private PreprocessOptions frameTiling(Integer maxTiles, Boolean thumbnail) {
        return preprocessOptions(maxTiles == null ? 1 : maxTiles, thumbnail == null ? Boolean.TRUE : thumbnail);
    }

    /**
     * The cheap refusals of a request, to make before its images are decoded: a full engine (as {@link #chat}
     * would refuse it) and images whose tokens alone, counted from their sizes as the request would tile them, do
     * not fit the model's context. A request that passes may still be refused by the exact count of its prompt.
     *
     * @param imageSizes the images' sizes, from their headers ({@link ImageDecoder#readHeader})
     * @param maxTiles   the request's tile limit, or null for the engine's
     * @param thumbnail  the request's thumbnail setting, or null for the engine's
     * @throws RejectedExecutionException when the engine holds as many requests as it takes
     * @throws InvalidRequestException    ({@code context_length_exceeded}) when the image tokens fill the context
     */
    @Override
    public void precheck(List<ImageDecoder.Header> imageSizes, Integer maxTiles, Boolean thumbnail) {
        requireOpen();
        scheduler.checkRoom();
        if (imageSizes.isEmpty()) {
            return;
        }
        PreprocessOptions o = preprocessOptions(maxTiles, thumbnail);
        int perTile = model.config().numImageTokens();
        long tiles = 0;
        for (ImageDecoder.Header h : imageSizes) {
            tiles += tileCount(h.width(), h.height(), o);
        }
        long tokens = tiles * perTile;
        int context = scheduler.contextLength();
        if (tokens >= context) {
            throw new InvalidRequestException("the images take " + tokens + " tokens (" + tiles + " tiles of "
                    + perTile + "), and the model's context is " + context + " (use fewer or smaller images, or "
                    + "fewer tiles per image)", InvalidRequestException.CONTEXT_LENGTH_EXCEEDED, null, null);
        }
    }

    /** How many requests are running and waiting now, and whether the engine still works. */
    @Override
    public EngineStats stats() {
        return scheduler.load();
    }

    /** What is loaded and how images are tiled. */
    @Override
    public ModelInfo info() {
        ModelOptions o = model.options();
        List<String> devices = model.decoder().devices().devices(); // the decoder's, which a device map spreads
        return new ModelInfo(model.checkpoint().dir(), model.config().llm().architecture(), o.dtype().toString(),
                o.device(), devices, model.decoder().quantization().toString(), template.name(),
                prompts.systemMessage(), preprocess.imageSize(), preprocess.minTiles(), preprocess.maxTiles(),
                preprocess.useThumbnail(), model.config().numImageTokens(), scheduler.contextLength(),
                model.decoder().packed());
    }

    private static float[] concatPixels(List<PreprocessedImage> images, int totalTiles, int size) {
        if (images.size() == 1) {
            return images.get(0).pixelValues();
        }
        float[] all = new float[totalTiles * 3 * size * size];
        int at = 0;
        for (PreprocessedImage img : images) {
            System.arraycopy(img.pixelValues(), 0, all, at, img.pixelValues().length);
            at += img.pixelValues().length;
        }
        return all;
    }

    public InternVLTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public String modelName() {
        Path name = model.checkpoint().dir().toAbsolutePath().normalize().getFileName();
        return name != null ? name.toString() : "internvl";
    }

    @Override
    public java.util.Optional<String> addedTokenIn(String text) {
        return tokenizer.addedTokenIn(text);
    }

    /** The loaded model, for the engine's own inspection (not part of the public API). */
    InternVLModel model() {
        return model;
    }

    public ConversationTemplate template() {
        return template;
    }

    /** The prompt builder with the checkpoint's system message and image tokens per tile. */
    public ChatPromptBuilder prompts() {
        return prompts;
    }

    /** The tiling settings images are preprocessed with. */
    public PreprocessOptions preprocessOptions() {
        return preprocess;
    }

    /** The default generation options. */
    @Override
    public GenerationOptions defaultGeneration() {
        return defaults;
    }

    @Override
    public void close() {
        closed = true;
        scheduler.close(); // running requests end as cancelled, waiting ones fail
        model.close();
        tokenizer.close();
    }
}
