package dev.internvl;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.InternVLConfig;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.checkpoint.VisionConfig;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.Quantization;
import dev.internvl.model.WeightMemory;
import dev.internvl.text.ChatPromptBuilder;
import dev.internvl.text.ConversationTemplates;
import dev.internvl.text.InternVLTokenizer;
import dev.internvl.text.InternVLTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * What a checkpoint folder holds and what the engine will make of it, found without loading any weights (only
 * {@code config.json}, the tokenizer files and the safetensors headers are read), so that a folder can be checked
 * before its weights are downloaded: the vision and language parts, the template and system message in force, the
 * tokenizer and its special tokens, the weight files against the tensors the loader asks for
 * ({@link InternVLModel#plannedTensors}), the parameter counts and the memory the weights will take
 * ({@link WeightMemory}). {@link #problems()} are the reasons the engine would refuse the folder; {@link #warnings()}
 * what loads but looks wrong.
 *
 * @param dir        the checkpoint folder
 * @param config     its {@code config.json}
 * @param prompt     the template and system message in force; null when none can be chosen
 * @param tokenizer  the tokenizer's facts, or the error that keeps it from loading
 * @param weights    the weight files and the tensors they lack or hold in excess
 * @param parameters parameter counts from config.json's dimensions
 * @param memory     the bytes the weights will take
 * @param problems   reasons the folder will not load, one line each (empty when it will)
 * @param warnings   things that load but look wrong
 */
public record CheckpointInspection(Path dir, InternVLConfig config, Prompt prompt, Tokenizer tokenizer,
        Weights weights, Parameters parameters, Memory memory, List<String> problems, List<String> warnings) {

    /** The int4 group size of {@code --quantization int4}. */
    static final Quantization DEFAULT_INT4 = Quantization.parse("int4");

    /** Tokenizer files a checkpoint can ship (the ones found are listed when the tokenizer fails). */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer.model", "vocab.json",
            "merges.txt", "tokenizer_config.json", "added_tokens.json", "special_tokens_map.json");

    /**
     * The template and system message in force.
     *
     * @param template            the template's name
     * @param systemMessage       the system message prompts get
     * @param systemMessageSource where it comes from
     */
    public record Prompt(String template, String systemMessage, String systemMessageSource) {
    }

    /** A token and its id. */
    public record Token(String text, long id) {
        @Override
        public String toString() {
            return text + " " + id;
        }
    }

    /**
     * The tokenizer's facts; all but {@code files} and {@code error} are null when it does not load.
     *
     * @param source        what it was built from (e.g. {@code vocab.json + merges.txt})
     * @param files         the tokenizer files in the folder
     * @param vocabSize     distinct ids, added tokens included
     * @param addsBos       whether every prompt starts with BOS
     * @param specialTokens InternVL's tokens by text, with their ids (null where not a single token)
     * @param stopTokens    the ids that end generation (template and generation_config.json)
     * @param pad           the token that pads batches
     * @param bos           the BOS token the tokenizer files name, if any
     * @param eos           the EOS token the tokenizer files name, if any
     * @param error         why it does not load, or null
     */
    public record Tokenizer(String source, List<String> files, Integer vocabSize, Boolean addsBos,
            Map<String, Long> specialTokens, List<Token> stopTokens, Token pad, Token bos, Token eos, String error) {
    }

    /**
     * One weight file: its name, size, tensor count and how many tensors of each dtype it holds.
     */
    public record WeightFile(String name, long bytes, int tensors, Map<String, Integer> dtypes) {
    }

    /**
     * The weight files against what the loader asks for.
     *
     * @param files           the files the loader reads
     * @param missingShards   shards model.safetensors.index.json lists that are absent
     * @param unexpectedFiles weight files the loader will not read (.bin, .pt, stray .safetensors)
     * @param missingTensors  tensors the engine needs that the files lack
     * @param mismatched      tensors whose shape or dtype the loader refuses, one line each
     * @param unusedTensors   tensors in the files that nothing uses
     * @param headStored      whether the decoder's head is a tensor of its own (else the embedding is the head);
     *                        assumed true while there are no readable weights
     * @param parametersInFiles elements of all tensors in the files, or null without readable weights
     * @param noWeights       why there are no weights yet, or null when there are weight files
     */
    public record Weights(List<WeightFile> files, List<String> missingShards, List<String> unexpectedFiles,
            List<String> missingTensors, List<String> mismatched, List<String> unusedTensors, boolean headStored,
            Long parametersInFiles, String noWeights) {
    }

    /**
     * Parameter counts of what the engine loads, from the shapes config.json implies.
     *
     * @param headTied    the head is the embedding (no separate head tensor)
     * @param headAssumed no weights were read: the head is assumed stored on its own, as InternVL checkpoints save
     *                    it even when {@code tie_word_embeddings} is true
     */
    public record Parameters(long vision, long projector, long embedding, long layers, long finalNorm, long head,
            boolean headTied, boolean headAssumed) {

        public long decoder() {
            return embedding + layers + finalNorm + head;
        }

        public long total() {
            return vision + projector + decoder();
        }
    }

    /**
     * The bytes the weights take once loaded (the KV cache and activations come on top).
     *
     * @param dtype            the compute dtype
     * @param weightBytes      bytes by quantization ({@code none}, {@code int8}, {@code int4:64}, ...)
     * @param quantizationRefused quantizations this model cannot take, with the reason
     * @param kvBytesPerToken  KV cache bytes per token of context in the compute dtype
     * @param contextLength    the longest sequence the engine accepts
     */
    public record Memory(ComputeDType dtype, Map<String, Long> weightBytes, Map<String, String> quantizationRefused,
            long kvBytesPerToken, int contextLength) {
    }

    /** Whether the engine will load the folder: there are weights and nothing is wrong. */
    public boolean willLoad() {
        return problems.isEmpty();
    }

    /** Inspects {@code dir} with the checkpoint's own template and system message. */
    public static CheckpointInspection inspect(Path dir) {
        return inspect(dir, null, null);
    }

    /**
     * Inspects {@code dir}.
     *
     * @param template      a template name overriding config.json's, or null
     * @param systemMessage a system message overriding the checkpoint's, or null
     * @throws CheckpointException when {@code dir} is no folder or its config.json cannot be read (then nothing
     *     else can be told)
     */
    public static CheckpointInspection inspect(Path dir, String template, String systemMessage) {
        InternVLConfig cfg = readConfig(dir);
        return build(dir, cfg, () -> InternVL.promptBuilder(dir, cfg, template, systemMessage),
                () -> InternVLTokenizer.load(dir), true, ComputeDType.BF16, null);
    }

    /** Inspects the checkpoint a loaded engine runs, with its tokenizer, prompts, dtype and quantization. */
    public static CheckpointInspection of(InternVL engine) {
        Path dir = engine.info().dir();
        return build(dir, engine.model().config(), engine::prompts, engine::tokenizer, false,
                engine.model().options().dtype(), engine.model().options().quantization());
    }

    private static InternVLConfig readConfig(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a directory (expected an InternVL checkpoint folder)");
        }
        InternVLConfig cfg = InternVLConfig.read(dir.resolve("config.json"));
        cfg.llm().validate();
        return cfg;
    }

    private static CheckpointInspection build(Path dir, InternVLConfig cfg, Supplier<ChatPromptBuilder> prompts,
            Supplier<InternVLTokenizer> tokenizers, boolean closeTokenizer, ComputeDType dtype, Quantization inUse) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        ChatPromptBuilder builder = null;
        try {
            builder = prompts.get();
        } catch (RuntimeException e) {
            problems.add(oneLine(e));
        }
        Prompt prompt = builder == null ? null : new Prompt(builder.template().name(), builder.systemMessage(),
                systemMessageSource(cfg, builder));
        Tokenizer tokenizer = inspectTokenizer(dir, cfg, builder, tokenizers, closeTokenizer, problems, warnings);

        WeightFiles.Scan scan = WeightFiles.scan(dir);
        problems.addAll(scan.problems());
        for (String shard : scan.missingShards()) {
            problems.add(dir.resolve(WeightFiles.INDEX) + ": lists shard " + shard + ", which is missing");
        }
        if (scan.noWeights() != null) {
            problems.add("no weights yet: " + scan.noWeights());
        }
        Checkpoint ckpt = null;
        if (!scan.files().isEmpty() && scan.problems().isEmpty() && scan.missingShards().isEmpty()) {
            try {
                ckpt = Checkpoint.open(dir);
            } catch (CheckpointException e) {
                problems.add(oneLine(e));
            }
        }
        String head = InternVLModel.headTensorName(cfg);
        boolean headStored = ckpt == null || ckpt.has(head);
        List<PlannedTensor> planned = InternVLModel.plannedTensors(cfg, headStored);
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        Long inFiles = null;
        if (ckpt != null) {
            Set<String> wanted = new TreeSet<>();
            for (PlannedTensor t : planned) {
                wanted.add(t.name());
                if (!ckpt.has(t.name())) {
                    missing.add(t.name());
                    continue;
                }
                TensorInfo info = ckpt.tensor(t.name());
                if (!Arrays.equals(info.shape(), t.shape())) {
                    mismatched.add(info.file().getFileName() + ": tensor " + t.name() + " has shape "
                            + Arrays.toString(info.shape()) + ", expected " + Arrays.toString(t.shape())
                            + " from config.json");
                } else if (!info.dtype().isFloat()) {
                    mismatched.add(info.file().getFileName() + ": tensor " + t.name() + " has dtype " + info.dtype()
                            + ", expected a floating-point weight");
                }
            }
            long total = 0;
            for (String name : ckpt.names()) {
                total += ckpt.tensor(name).numel();
                if (!wanted.contains(name)) {
                    unused.add(name);
                }
            }
            inFiles = total;
            if (!missing.isEmpty()) {
                problems.add(missing.size() + " tensor" + (missing.size() == 1 ? "" : "s")
                        + " the engine needs " + (missing.size() == 1 ? "is" : "are") + " missing from the weight "
                        + "files, first " + missing.get(0));
            }
            problems.addAll(mismatched);
            if (!headStored && !cfg.llm().tieWordEmbeddings()) {
                warnings.add("config.json says the head is not tied (tie_word_embeddings false) but the weights have "
                        + "no " + head + ": the embedding serves as the head");
            }
            if (!unused.isEmpty()) {
                warnings.add(unused.size() + " tensor" + (unused.size() == 1 ? "" : "s")
                        + " in the weight files " + (unused.size() == 1 ? "is" : "are") + " not used, first "
                        + unused.get(0));
            }
        }
        for (String f : scan.unexpectedFiles()) {
            warnings.add(f + ": a weight file the loader does not read");
        }
        Weights weights = new Weights(scan.files(), scan.missingShards(), scan.unexpectedFiles(), List.copyOf(missing),
                List.copyOf(mismatched), List.copyOf(unused), headStored, inFiles, scan.noWeights());
        Parameters parameters = parameters(planned, headStored, ckpt == null);
        Memory memory = memory(cfg, planned, headStored, dtype, inUse);
        return new CheckpointInspection(dir, cfg, prompt, tokenizer, weights, parameters, memory,
                List.copyOf(problems), List.copyOf(warnings));
    }

    private static String systemMessageSource(InternVLConfig cfg, ChatPromptBuilder builder) {
        String message = builder.systemMessage();
        String templateDefault = builder.template().defaultSystemMessage();
        if (cfg.systemMessage().isPresent() && message.equals(cfg.systemMessage().get())) {
            return "config.json system_message";
        }
        if (!message.equals(templateDefault)) {
            return "set explicitly";
        }
        String registry = ConversationTemplates.get(builder.template().name()).defaultSystemMessage();
        return message.equals(registry) ? "the template's default" : "the checkpoint's conversation.py";
    }

    private static Tokenizer inspectTokenizer(Path dir, InternVLConfig cfg, ChatPromptBuilder builder,
            Supplier<InternVLTokenizer> tokenizers, boolean close, List<String> problems, List<String> warnings) {
        List<String> files = TOKENIZER_FILES.stream().filter(f -> Files.isRegularFile(dir.resolve(f))).toList();
        InternVLTokenizer t;
        try {
            t = tokenizers.get();
        } catch (RuntimeException | LinkageError e) {
            String error = oneLine(e);
            problems.add("the tokenizer will not load: " + error);
            return new Tokenizer(null, files, null, null, null, null, null, null, null, error);
        }
        try {
            Map<String, Long> special = new LinkedHashMap<>();
            for (String token : List.of(InternVLTokens.IMG_START, InternVLTokens.IMG_END, InternVLTokens.IMG_CONTEXT,
                    InternVLTokens.REF_START, InternVLTokens.REF_END, InternVLTokens.BOX_START, InternVLTokens.BOX_END,
                    InternVLTokens.QUAD_START, InternVLTokens.QUAD_END)) {
                OptionalLong id = t.tokenId(token);
                special.put(token, id.isPresent() ? id.getAsLong() : null);
                if (id.isEmpty()) {
                    String line = "the tokenizer has no single token " + token;
                    if (token.equals(InternVLTokens.IMG_CONTEXT)) {
                        problems.add(line + ": image embeddings have nowhere to go");
                    } else {
                        warnings.add(line + ": prompts or grounding output will not match the reference");
                    }
                }
            }
            List<Token> stops = null;
            Token pad = null;
            if (builder != null) {
                try {
                    Set<Long> ids = InternVL.stopTokenIds(builder.template(), t, Checkpoint.generationEosIds(dir),
                            cfg.llm().vocabSize());
                    stops = ids.stream().map(id -> token(t, id)).toList();
                    pad = token(t, InternVL.padTokenId(t, ids));
                } catch (RuntimeException e) {
                    problems.add(oneLine(e));
                }
            }
            try {
                InternVL.checkVocabulary(dir, t, cfg.llm().vocabSize());
            } catch (RuntimeException e) {
                problems.add(oneLine(e));
            }
            return new Tokenizer(t.source(), files, t.vocabSize(), t.addsBos(), special, stops, pad,
                    namedToken(dir, t, "bos_token"), namedToken(dir, t, "eos_token"), null);
        } finally {
            if (close) {
                t.close();
            }
        }
    }

    private static Token token(InternVLTokenizer t, long id) {
        return new Token(t.decode(new long[] {id}, false), id);
    }

    /** The token tokenizer_config.json (else special_tokens_map.json) names under {@code key}, when it is one token. */
    private static Token namedToken(Path dir, InternVLTokenizer t, String key) {
        for (String file : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Optional<String> text = tokenText(dir.resolve(file), key);
            if (text.isPresent()) {
                OptionalLong id = t.tokenId(text.get());
                return id.isPresent() ? new Token(text.get(), id.getAsLong()) : null;
            }
        }
        return null;
    }

    private static Optional<String> tokenText(Path file, String key) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            JsonElement v = root.isJsonObject() ? root.getAsJsonObject().get(key) : null;
            if (v == null || v.isJsonNull()) {
                return Optional.empty();
            }
            if (v.isJsonObject()) {
                JsonElement content = ((JsonObject) v).get("content");
                return content == null || content.isJsonNull() ? Optional.empty() : Optional.of(content.getAsString());
            }
            return Optional.of(v.getAsString());
        } catch (Exception e) {
            return Optional.empty(); // the tokenizer itself reports malformed files
        }
    }

    private static Parameters parameters(List<PlannedTensor> planned, boolean headStored, boolean assumed) {
        long[] byPart = new long[PlannedTensor.Part.values().length];
        for (PlannedTensor t : planned) {
            byPart[t.part().ordinal()] += t.numel();
        }
        return new Parameters(byPart[PlannedTensor.Part.VISION.ordinal()],
                byPart[PlannedTensor.Part.PROJECTOR.ordinal()], byPart[PlannedTensor.Part.EMBEDDING.ordinal()],
                byPart[PlannedTensor.Part.LAYER.ordinal()], byPart[PlannedTensor.Part.FINAL_NORM.ordinal()],
                byPart[PlannedTensor.Part.HEAD.ordinal()], !headStored, assumed);
    }

    private static Memory memory(InternVLConfig cfg, List<PlannedTensor> planned, boolean headStored,
            ComputeDType dtype, Quantization inUse) {
        List<Quantization> qs = new ArrayList<>(List.of(Quantization.NONE, Quantization.INT8, DEFAULT_INT4));
        if (inUse != null && !qs.contains(inUse)) {
            qs.add(inUse);
        }
        Map<String, Long> bytes = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        for (Quantization q : qs) {
            try {
                InternVLModel.checkQuantization(cfg, q);
                bytes.put(q.toString(), WeightMemory.bytes(planned, !headStored, dtype, q));
            } catch (IllegalArgumentException e) {
                refused.put(q.toString(), oneLine(e));
            }
        }
        LlmConfig llm = cfg.llm();
        long element = dtype == ComputeDType.FP32 ? 4 : 2;
        long kv = 2L * llm.numLayers() * llm.numKvHeads() * llm.headDim() * element;
        return new Memory(dtype, bytes, refused, kv, llm.contextLength());
    }

    static String oneLine(Throwable e) {
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        }
        return msg.strip().replace('\n', ' ');
    }

    // --- rendering ----------------------------------------------------------------------------------------------

    /** InternViT-300M-like or InternViT-6B-like, from the norm type and qk-normalization. */
    public String visionVariant() {
        VisionConfig v = config.vision();
        if (!v.rmsNorm() && !v.qkNormalization()) {
            return "InternViT-300M-like";
        }
        if (v.rmsNorm() && v.qkNormalization()) {
            return "InternViT-6B-like";
        }
        return "InternViT (mixed: " + (v.rmsNorm() ? "RMSNorm" : "LayerNorm") + ", "
                + (v.qkNormalization() ? "qk-norm" : "no qk-norm") + ")";
    }

    /** The report as text, one fact per line under a heading per part, ending with the verdict. */
    public String render() {
        StringBuilder out = new StringBuilder();
        VisionConfig v = config.vision();
        LlmConfig llm = config.llm();
        out.append("checkpoint  ").append(dir.toAbsolutePath()).append('\n');
        line(out, "vision", visionVariant() + ": hidden " + v.hiddenSize() + ", " + v.numLayers() + " layers, "
                + v.numHeads() + " heads, MLP " + v.intermediateSize() + ", " + (v.rmsNorm() ? "RMSNorm" : "LayerNorm")
                + ", " + (v.qkNormalization() ? "qk-norm" : "no qk-norm") + ", "
                + (v.qkvBias() ? "qkv bias" : "no qkv bias"));
        line(out, "", "tile " + config.imageSize() + " px, patch " + v.patchSize() + ", select_layer "
                + config.selectLayer() + " (" + config.visionLayersToRun() + " of " + v.numLayers() + " layers run), "
                + "downsample_ratio " + config.downsampleRatio() + ", ps_version " + config.psVersion());
        line(out, "", (config.dynamicImageSize() ? "dynamic tiling " + config.minDynamicPatch() + ".."
                + config.maxDynamicPatch() + " tiles" : "one tile per image (dynamic_image_size false)")
                + (config.useThumbnail() ? ", thumbnail on" : ", no thumbnail") + ", " + config.numImageTokens()
                + " tokens per tile");
        line(out, "language", llm.architecture() + ": " + llm.numLayers() + " layers, hidden " + llm.hiddenSize()
                + ", " + llm.numHeads() + " heads / " + llm.numKvHeads() + " kv heads, head dim " + llm.headDim()
                + ", MLP " + llm.intermediateSize());
        line(out, "", "vocab " + llm.vocabSize() + ", context " + llm.contextLength() + " (max_position_embeddings "
                + llm.maxPositionEmbeddings() + "), rope theta " + plain(llm.ropeTheta()) + ", rope scaling "
                + llm.ropeScaling() + ", tie_word_embeddings " + llm.tieWordEmbeddings());
        if (prompt != null) {
            line(out, "prompt", "template " + prompt.template() + "; system message (" + prompt.systemMessageSource()
                    + "): " + quote(prompt.systemMessage()));
        } else {
            line(out, "prompt", "no template can be chosen");
        }
        renderTokenizer(out);
        renderWeights(out);
        Parameters p = parameters;
        line(out, "parameters", count(p.total()) + " (" + p.total() + "): vision " + count(p.vision()) + ", projector "
                + count(p.projector()) + ", embedding " + count(p.embedding()) + ", layers " + count(p.layers())
                + ", final norm " + count(p.finalNorm()) + ", head " + (p.headTied() ? "tied to the embedding"
                : count(p.head()) + (p.headAssumed() && llm.tieWordEmbeddings() ? " (assumed stored: InternVL "
                        + "checkpoints save the head even when tie_word_embeddings is true)" : "")));
        if (weights.parametersInFiles() != null) {
            long unusedParams = weights.parametersInFiles() - p.total();
            line(out, "", "the weight files hold " + count(weights.parametersInFiles()) + " ("
                    + weights.parametersInFiles() + ")" + (unusedParams == 0 ? ", as config.json says"
                    : ", " + weights.unusedTensors().size() + " unused tensors included"));
        }
        StringBuilder mem = new StringBuilder("weights only, " + memory.dtype() + " compute: ");
        List<String> parts = new ArrayList<>();
        memory.weightBytes().forEach((q, b) -> parts.add(q + " " + bytes(b)));
        mem.append(String.join(", ", parts)).append(" (vision and projector stay ").append(memory.dtype())
                .append(')');
        line(out, "memory", mem.toString());
        memory.quantizationRefused().forEach((q, why) -> line(out, "", q + " refused: " + why));
        line(out, "", "KV cache: " + memory.kvBytesPerToken() + " bytes per token of context (" + memory.dtype()
                + "), " + bytes(memory.kvBytesPerToken() * (long) memory.contextLength()) + " per sequence at the full "
                + memory.contextLength() + " tokens; not included above");
        for (String w : warnings) {
            line(out, "warning", w);
        }
        if (willLoad()) {
            line(out, "verdict", "will load");
        } else {
            line(out, "verdict", "will not load:");
            for (String problem : problems) {
                out.append("  - ").append(problem).append('\n');
            }
        }
        return out.toString();
    }

    private void renderTokenizer(StringBuilder out) {
        Tokenizer t = tokenizer;
        if (t.error() != null) {
            line(out, "tokenizer", "will not load: " + t.error());
            line(out, "", "files: " + (t.files().isEmpty() ? "none" : String.join(", ", t.files())));
            return;
        }
        line(out, "tokenizer", t.source() + ": " + t.vocabSize() + " tokens, "
                + (t.addsBos() ? "adds BOS" : "no BOS added"));
        List<String> specials = new ArrayList<>();
        t.specialTokens().forEach((text, id) -> specials.add(text + " " + (id == null ? "(none)" : id)));
        line(out, "", String.join(", ", specials));
        line(out, "", "stop " + (t.stopTokens() == null ? "(none)" : join(t.stopTokens())) + "; pad " + opt(t.pad())
                + "; bos " + opt(t.bos()) + "; eos " + opt(t.eos()));
    }

    private void renderWeights(StringBuilder out) {
        Weights w = weights;
        if (w.noWeights() != null) {
            line(out, "weights", "no weights yet: " + w.noWeights());
        }
        boolean first = w.noWeights() == null;
        for (WeightFile f : w.files()) {
            List<String> dtypes = new ArrayList<>();
            f.dtypes().forEach((d, n) -> dtypes.add(n + " " + d));
            line(out, first ? "weights" : "", f.name() + ": " + bytes(f.bytes()) + ", " + f.tensors() + " tensors ("
                    + String.join(", ", dtypes) + ")");
            first = false;
        }
        for (String s : w.missingShards()) {
            line(out, first ? "weights" : "", s + ": listed by the index, missing");
            first = false;
        }
        for (String s : w.unexpectedFiles()) {
            line(out, first ? "weights" : "", s + ": not read by the loader");
            first = false;
        }
        list(out, "missing", w.missingTensors());
        list(out, "unused", w.unusedTensors());
    }

    private static void list(StringBuilder out, String what, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        int shown = Math.min(names.size(), 10);
        line(out, "", names.size() + " " + what + " tensor" + (names.size() == 1 ? "" : "s") + ": "
                + String.join(", ", names.subList(0, shown)) + (shown < names.size() ? ", ..." : ""));
    }

    private static void line(StringBuilder out, String label, String text) {
        out.append(String.format(Locale.ROOT, "%-11s %s%n", label, text));
    }

    private static String join(List<Token> tokens) {
        return String.join(", ", tokens.stream().map(Token::toString).toList());
    }

    private static String opt(Token t) {
        return t == null ? "(none)" : t.toString();
    }

    private static String quote(String s) {
        String one = s.replace("\n", "\\n");
        return "\"" + (one.length() > 120 ? one.substring(0, 117) + "..." : one) + "\"";
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** A count as 938.2M or 2.21B. */
    static String count(long n) {
        if (n < 10_000) {
            return String.valueOf(n);
        }
        if (n < 1_000_000) {
            return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        }
        if (n < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.2fB", n / 1e9);
    }

    /** Bytes in decimal units, as model hubs show file sizes. */
    static String bytes(long b) {
        if (b < 1000) {
            return b + " B";
        }
        if (b < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
        }
        if (b < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
    }

    // --- maps ---------------------------------------------------------------------------------------------------

    /** Every fact as nested maps, lists, strings, numbers and booleans (the CLI's {@code --json}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", dir.toAbsolutePath().toString());
        m.put("willLoad", willLoad());
        m.put("problems", problems);
        m.put("warnings", warnings);
        VisionConfig v = config.vision();
        Map<String, Object> vision = new LinkedHashMap<>();
        vision.put("variant", visionVariant());
        vision.put("hiddenSize", v.hiddenSize());
        vision.put("layers", v.numLayers());
        vision.put("heads", v.numHeads());
        vision.put("intermediateSize", v.intermediateSize());
        vision.put("norm", v.rmsNorm() ? "rms_norm" : "layer_norm");
        vision.put("qkNormalization", v.qkNormalization());
        vision.put("qkvBias", v.qkvBias());
        vision.put("imageSize", config.imageSize());
        vision.put("patchSize", v.patchSize());
        vision.put("selectLayer", config.selectLayer());
        vision.put("layersRun", config.visionLayersToRun());
        vision.put("downsampleRatio", config.downsampleRatio());
        vision.put("psVersion", config.psVersion());
        vision.put("dynamicImageSize", config.dynamicImageSize());
        vision.put("minTiles", config.minDynamicPatch());
        vision.put("maxTiles", config.maxDynamicPatch());
        vision.put("thumbnail", config.useThumbnail());
        vision.put("tokensPerTile", config.numImageTokens());
        m.put("vision", vision);
        LlmConfig llm = config.llm();
        Map<String, Object> language = new LinkedHashMap<>();
        language.put("architecture", llm.architecture());
        language.put("layers", llm.numLayers());
        language.put("hiddenSize", llm.hiddenSize());
        language.put("heads", llm.numHeads());
        language.put("kvHeads", llm.numKvHeads());
        language.put("headDim", llm.headDim());
        language.put("intermediateSize", llm.intermediateSize());
        language.put("vocabSize", llm.vocabSize());
        language.put("contextLength", llm.contextLength());
        language.put("maxPositionEmbeddings", llm.maxPositionEmbeddings());
        language.put("ropeTheta", llm.ropeTheta());
        language.put("ropeScaling", llm.ropeScaling().toString());
        language.put("tieWordEmbeddings", llm.tieWordEmbeddings());
        m.put("language", language);
        if (prompt != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("template", prompt.template());
            p.put("systemMessage", prompt.systemMessage());
            p.put("systemMessageSource", prompt.systemMessageSource());
            m.put("prompt", p);
        }
        m.put("tokenizer", tokenizerMap());
        m.put("weights", weightsMap());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("total", parameters.total());
        p.put("vision", parameters.vision());
        p.put("projector", parameters.projector());
        p.put("embedding", parameters.embedding());
        p.put("layers", parameters.layers());
        p.put("finalNorm", parameters.finalNorm());
        p.put("head", parameters.head());
        p.put("headTied", parameters.headTied());
        p.put("headAssumed", parameters.headAssumed());
        if (weights.parametersInFiles() != null) {
            p.put("inFiles", weights.parametersInFiles());
        }
        m.put("parameters", p);
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("dtype", memory.dtype().toString());
        mem.put("weightBytes", memory.weightBytes());
        if (!memory.quantizationRefused().isEmpty()) {
            mem.put("refused", memory.quantizationRefused());
        }
        mem.put("kvCacheBytesPerToken", memory.kvBytesPerToken());
        mem.put("kvCacheBytesFullContext", memory.kvBytesPerToken() * (long) memory.contextLength());
        m.put("memory", mem);
        return m;
    }

    private Map<String, Object> tokenizerMap() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("files", tokenizer.files());
        if (tokenizer.error() != null) {
            t.put("error", tokenizer.error());
            return t;
        }
        t.put("source", tokenizer.source());
        t.put("vocabSize", tokenizer.vocabSize());
        t.put("addsBos", tokenizer.addsBos());
        t.put("specialTokens", tokenizer.specialTokens());
        if (tokenizer.stopTokens() != null) {
            t.put("stopTokens", tokenizer.stopTokens().stream().map(CheckpointInspection::tokenMap).toList());
        }
        putToken(t, "pad", tokenizer.pad());
        putToken(t, "bos", tokenizer.bos());
        putToken(t, "eos", tokenizer.eos());
        return t;
    }

    private static Map<String, Object> tokenMap(Token token) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", token.text());
        m.put("id", token.id());
        return m;
    }

    private static void putToken(Map<String, Object> m, String key, Token token) {
        if (token != null) {
            m.put(key, tokenMap(token));
        }
    }

    private Map<String, Object> weightsMap() {
        Map<String, Object> w = new LinkedHashMap<>();
        if (weights.noWeights() != null) {
            w.put("noWeights", weights.noWeights());
        }
        List<Map<String, Object>> files = new ArrayList<>();
        for (WeightFile f : weights.files()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", f.name());
            one.put("bytes", f.bytes());
            one.put("tensors", f.tensors());
            one.put("dtypes", f.dtypes());
            files.add(one);
        }
        w.put("files", files);
        w.put("missingShards", weights.missingShards());
        w.put("unexpectedFiles", weights.unexpectedFiles());
        w.put("missingTensors", weights.missingTensors());
        w.put("mismatchedTensors", weights.mismatched());
        w.put("unusedTensors", weights.unusedTensors());
        w.put("headStored", weights.headStored());
        return w;
    }

    /**
     * The key facts for a health endpoint: {@code decoder}, {@code vision}, {@code tokenizer}, {@code template},
     * {@code parameters}, {@code weightBytes} (with {@code quantization} in use, when given) and
     * {@code kvCacheBytesPerToken}.
     *
     * @param quantization the quantization whose weight bytes to report ({@code none}, {@code int8}, {@code int4/g128},
     *     as {@link ModelInfo#quantization()} names it)
     * @param packed       whether the loaded decoder's matrices are packed ({@link ModelInfo#packedWeights()}): a tied
     *     head then holds a bf16 copy of its own
     */
    public Map<String, Object> healthDetails(String quantization, boolean packed) {
        LlmConfig llm = config.llm();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("decoder", llm.architecture() + " (" + llm.numLayers() + " layers, hidden " + llm.hiddenSize() + ", "
                + llm.numHeads() + "/" + llm.numKvHeads() + " heads, vocab " + llm.vocabSize() + ")");
        m.put("vision", visionVariant() + " (" + config.vision().numLayers() + " layers, hidden "
                + config.vision().hiddenSize() + ")");
        m.put("tokenizer", tokenizer.error() != null ? "will not load: " + tokenizer.error()
                : tokenizer.source() + " (" + tokenizer.vocabSize() + " tokens)");
        if (prompt != null) {
            m.put("template", prompt.template());
        }
        m.put("parameters", parameters.total());
        Long bytes = memory.weightBytes().get(quantization);
        if (bytes != null) {
            boolean ownHeadCopy = packed && !weights.headStored();
            m.put("weightBytes", bytes + (ownHeadCopy ? (long) llm.vocabSize() * llm.hiddenSize() * 2 : 0));
        }
        m.put("kvCacheBytesPerToken", memory.kvBytesPerToken());
        return m;
    }
}
