package dev.internvl.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a SentencePiece BPE {@code tokenizer.model} (InternLM2, Phi-3 / Llama-2 vocabularies) into the Hugging Face
 * {@code tokenizer.json} that transformers' own converter ({@code LlamaConverter}, InternLM2's
 * {@code InternLM2Converter}) makes of it, so that one tokenizer runtime (DJL's binding of the Rust
 * {@code tokenizers}) serves every family:
 *
 * <ul>
 *   <li>model: BPE over the pieces in id order, byte fallback as the model says, merges derived from the pieces:
 *       every split of a piece into two pieces, ordered by the score of the piece they form (highest first;
 *       equal scores keep piece order, and the splits of one piece are ordered by their left then right ids),
 *       which is the order SentencePiece's BPE applies them in;</li>
 *   <li>added tokens: the unknown and control pieces ({@code <unk> <s> </s>}) as special tokens, user-defined
 *       pieces as plain added tokens (SentencePiece matches them whole anywhere in the text). Exact for models
 *       without a dummy prefix (InternLM2); with one, the library also prefixes the text right after a user-defined
 *       piece, where SentencePiece does not (no InternVL checkpoint has both);</li>
 *   <li>whitespace, {@code legacy} (InternLM2 always; Llama-style tokenizers unless {@code tokenizer_config.json}
 *       says {@code "legacy": false}): spaces become {@code ▁} and every stretch of text between special tokens gets
 *       the dummy prefix {@code ▁}, as {@code sp.encode} does in the slow tokenizer; non-legacy (Phi-3): only the
 *       start of the text gets it, as the slow {@code LlamaTokenizer(legacy=False)} prepends {@code ▁} to the whole
 *       text (done by {@link InternVLTokenizer}, the tokenizer.json only maps spaces to {@code ▁});</li>
 *   <li>a {@code <s> $A} post-processor (both tokenizer classes add BOS by default; {@code add_bos_token} in
 *       {@code tokenizer_config.json} overrides it) and the decoder {@code ▁}→space, byte fallback, fuse, strip one
 *       leading space.</li>
 * </ul>
 *
 * Only the fields of {@code sentencepiece_model.proto} that matter for encoding are read.
 */
final class SentencePieceConverter {

    static final String TOKENIZER_MODEL = "tokenizer.model";
    private static final String SPACE = "\u2581";

    /** A piece of the model: text, score and type (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). */
    record Piece(String text, float score, int type) {
    }

    /** What the converter reads of a {@code tokenizer.model}. */
    record Model(List<Piece> pieces, int modelType, boolean byteFallback, int unkId, boolean addDummyPrefix,
            String normalizerName, byte[] precompiledCharsmap) {
    }

    private SentencePieceConverter() {
    }

    /**
     * The tokenizer.json of {@code modelFile}.
     *
     * @param legacy      whether every stretch between special tokens gets the dummy prefix (see the class doc)
     * @param internLM2   InternLM2's converter: pieces 0..2 are named {@code <unk> <s> </s>}
     * @param prefixSpace {@code add_prefix_space} from tokenizer_config.json, or null to follow the model's
     *                    {@code add_dummy_prefix}
     */
    static JsonObject convert(Path modelFile, boolean legacy, boolean internLM2, Boolean prefixSpace) {
        Model model;
        try {
            model = parse(Files.readAllBytes(modelFile));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + modelFile, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Malformed SentencePiece model " + modelFile + ": " + e.getMessage(), e);
        }
        if (model.modelType() != 2) {
            throw new IllegalArgumentException("SentencePiece model " + modelFile + " is of type " + model.modelType()
                    + " (1 unigram, 2 BPE, 3 word, 4 char); only BPE models (InternLM2, Llama, Phi-3) are supported");
        }
        if (model.precompiledCharsmap().length > 0 || !(model.normalizerName().isEmpty()
                || model.normalizerName().equals("identity"))) {
            throw new IllegalArgumentException("SentencePiece model " + modelFile + " normalizes text ("
                    + model.normalizerName() + "); only identity normalization (InternLM2, Llama, Phi-3) is supported");
        }
        return toTokenizerJson(model, legacy, internLM2, prefixSpace == null ? model.addDummyPrefix() : prefixSpace);
    }

    static JsonObject toTokenizerJson(Model model, boolean legacy, boolean internLM2, boolean prefix) {
        List<Piece> pieces = new ArrayList<>(model.pieces());
        if (internLM2) {
            String[] fixed = {"<unk>", "<s>", "</s>"};
            for (int i = 0; i < fixed.length && i < pieces.size(); i++) {
                pieces.set(i, new Piece(fixed[i], 0f, pieces.get(i).type()));
            }
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        JsonObject vocab = new JsonObject();
        for (int i = 0; i < pieces.size(); i++) {
            String text = pieces.get(i).text();
            if (ids.putIfAbsent(text, i) == null) {
                vocab.addProperty(text, i);
            }
        }
        String unk = pieces.get(model.unkId() >= 0 && model.unkId() < pieces.size() ? model.unkId() : 0).text();

        JsonObject bpe = new JsonObject();
        bpe.addProperty("type", "BPE");
        bpe.add("dropout", JsonNull.INSTANCE);
        bpe.addProperty("unk_token", unk);
        bpe.add("continuing_subword_prefix", JsonNull.INSTANCE);
        bpe.add("end_of_word_suffix", JsonNull.INSTANCE);
        bpe.addProperty("fuse_unk", true);
        bpe.addProperty("byte_fallback", model.byteFallback());
        bpe.addProperty("ignore_merges", false);
        bpe.add("vocab", vocab);
        bpe.add("merges", merges(pieces, ids));

        JsonArray added = new JsonArray();
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            boolean special = p.type() == 2 || p.type() == 3;
            if ((special || p.type() == 4) && ids.get(p.text()) == i) {
                JsonObject t = new JsonObject();
                t.addProperty("id", i);
                t.addProperty("content", p.text());
                t.addProperty("single_word", false);
                t.addProperty("lstrip", false);
                t.addProperty("rstrip", false);
                t.addProperty("normalized", false);
                t.addProperty("special", special);
                added.add(t);
            }
        }

        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", added);
        if (legacy) {
            JsonArray seq = new JsonArray();
            if (prefix) {
                JsonObject prepend = new JsonObject();
                prepend.addProperty("type", "Prepend");
                prepend.addProperty("prepend", SPACE);
                seq.add(prepend);
            }
            seq.add(replace(" ", SPACE));
            JsonObject normalizer = new JsonObject();
            normalizer.addProperty("type", "Sequence");
            normalizer.add("normalizers", seq);
            root.add("normalizer", normalizer);
            root.add("pre_tokenizer", JsonNull.INSTANCE);
        } else {
            // Non-legacy: spaces become ▁ but no stretch gets a dummy prefix here; the start of the text gets one
            // on the Java side (InternVLTokenizer), as the slow LlamaTokenizer prepends it to the whole text.
            JsonArray seq = new JsonArray();
            seq.add(replace(" ", SPACE));
            JsonObject normalizer = new JsonObject();
            normalizer.addProperty("type", "Sequence");
            normalizer.add("normalizers", seq);
            root.add("normalizer", normalizer);
            root.add("pre_tokenizer", JsonNull.INSTANCE);
        }
        root.add("post_processor", bosTemplate(pieces, ids));
        JsonArray decoders = new JsonArray();
        decoders.add(replace(SPACE, " "));
        decoders.add(type("ByteFallback"));
        decoders.add(type("Fuse"));
        if (prefix) {
            JsonObject strip = type("Strip");
            strip.addProperty("content", " ");
            strip.addProperty("start", 1);
            strip.addProperty("stop", 0);
            decoders.add(strip);
        }
        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "Sequence");
        decoder.add("decoders", decoders);
        root.add("decoder", decoder);
        root.add("model", bpe);
        return root;
    }

    /**
     * Every split of a piece into two pieces, ordered by the score of the whole piece (highest first, ties in piece
     * order), the splits of one piece by their left then right ids: transformers' {@code SentencePieceExtractor}.
     * Splits are made between code points, as Python slices strings.
     */
    static JsonArray merges(List<Piece> pieces, Map<String, Integer> ids) {
        record Merge(String left, String right, float score, int order) {
        }
        List<Merge> all = new ArrayList<>();
        int order = 0;
        for (int i = 0; i < pieces.size(); i++) {
            String text = pieces.get(i).text();
            if (ids.get(text) != i) {
                continue;
            }
            List<Merge> local = new ArrayList<>();
            int[] cps = text.codePoints().toArray();
            int at = 0;
            for (int k = 1; k < cps.length; k++) {
                at += Character.charCount(cps[k - 1]);
                String left = text.substring(0, at);
                String right = text.substring(at);
                if (ids.containsKey(left) && ids.containsKey(right)) {
                    local.add(new Merge(left, right, pieces.get(i).score(), 0));
                }
            }
            local.sort(Comparator.<Merge>comparingInt(m -> ids.get(m.left())).thenComparingInt(m -> ids.get(m.right())));
            for (Merge m : local) {
                all.add(new Merge(m.left(), m.right(), m.score(), order++));
            }
        }
        all.sort(Comparator.<Merge>comparingDouble(m -> -m.score()).thenComparingInt(Merge::order));
        JsonArray out = new JsonArray(all.size());
        for (Merge m : all) {
            out.add(m.left() + " " + m.right());
        }
        return out;
    }

    private static JsonObject bosTemplate(List<Piece> pieces, Map<String, Integer> ids) {
        String bos = null;
        for (Piece p : pieces) {
            if (p.type() == 3 && p.text().equals("<s>")) {
                bos = p.text();
                break;
            }
        }
        if (bos == null) {
            return null;
        }
        JsonObject tp = type("TemplateProcessing");
        JsonArray single = new JsonArray();
        single.add(templateItem("SpecialToken", bos, 0));
        single.add(templateItem("Sequence", "A", 0));
        JsonArray pair = new JsonArray();
        pair.add(templateItem("SpecialToken", bos, 0));
        pair.add(templateItem("Sequence", "A", 0));
        pair.add(templateItem("SpecialToken", bos, 1));
        pair.add(templateItem("Sequence", "B", 1));
        tp.add("single", single);
        tp.add("pair", pair);
        JsonObject specials = new JsonObject();
        JsonObject entry = new JsonObject();
        entry.addProperty("id", bos);
        JsonArray idList = new JsonArray();
        idList.add(ids.get(bos));
        entry.add("ids", idList);
        JsonArray tokens = new JsonArray();
        tokens.add(bos);
        entry.add("tokens", tokens);
        specials.add(bos, entry);
        tp.add("special_tokens", specials);
        return tp;
    }

    /** A template-processing item: {@code {"SpecialToken"|"Sequence": {"id": id, "type_id": typeId}}}. */
    private static JsonObject templateItem(String kind, String id, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", typeId);
        JsonObject o = new JsonObject();
        o.add(kind, inner);
        return o;
    }

    private static JsonObject replace(String from, String to) {
        JsonObject pattern = new JsonObject();
        pattern.addProperty("String", from);
        JsonObject r = type("Replace");
        r.add("pattern", pattern);
        r.addProperty("content", to);
        return r;
    }

    private static JsonObject type(String name) {
        JsonObject o = new JsonObject();
        o.addProperty("type", name);
        return o;
    }

    // ---- sentencepiece_model.proto, the fields that matter ----

    static Model parse(byte[] bytes) {
        ProtoReader r = new ProtoReader(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        List<Piece> pieces = new ArrayList<>();
        int modelType = 1;          // TrainerSpec.model_type default UNIGRAM
        boolean byteFallback = false;
        int unkId = 0;
        boolean addDummyPrefix = true; // NormalizerSpec defaults
        String normalizer = "";
        byte[] charsmap = new byte[0];
        while (r.hasMore()) {
            int tag = r.varint32();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {          // repeated SentencePiece pieces
                ProtoReader p = r.message();
                String text = "";
                float score = 0;
                int type = 1;
                while (p.hasMore()) {
                    int t = p.varint32();
                    switch (t >>> 3) {
                        case 1 -> text = p.string();
                        case 2 -> score = p.float32();
                        case 3 -> type = (int) p.varint();
                        default -> p.skip(t & 7);
                    }
                }
                pieces.add(new Piece(text, score, type));
            } else if (field == 2 && (tag & 7) == 2) {   // TrainerSpec
                ProtoReader t = r.message();
                while (t.hasMore()) {
                    int k = t.varint32();
                    switch (k >>> 3) {
                        case 3 -> modelType = (int) t.varint();
                        case 35 -> byteFallback = t.varint() != 0;
                        case 40 -> unkId = (int) t.varint();
                        default -> t.skip(k & 7);
                    }
                }
            } else if (field == 3 && (tag & 7) == 2) {   // NormalizerSpec
                ProtoReader n = r.message();
                while (n.hasMore()) {
                    int k = n.varint32();
                    switch (k >>> 3) {
                        case 1 -> normalizer = n.string();
                        case 2 -> charsmap = n.bytes();
                        case 3 -> addDummyPrefix = n.varint() != 0;
                        default -> n.skip(k & 7);
                    }
                }
            } else {
                r.skip(tag & 7);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        return new Model(List.copyOf(pieces), modelType, byteFallback, unkId, addDummyPrefix, normalizer, charsmap);
    }

    /** A minimal protobuf wire-format reader. */
    private static final class ProtoReader {
        private final ByteBuffer buf;

        ProtoReader(ByteBuffer buf) {
            this.buf = buf;
        }

        boolean hasMore() {
            return buf.hasRemaining();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf.get();
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        int varint32() {
            return (int) varint();
        }

        float float32() {
            return buf.getFloat();
        }

        byte[] bytes() {
            int n = varint32();
            if (n < 0 || n > buf.remaining()) {
                throw new IllegalArgumentException("field length " + n + " runs past the end");
            }
            byte[] out = new byte[n];
            buf.get(out);
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        ProtoReader message() {
            int n = varint32();
            if (n < 0 || n > buf.remaining()) {
                throw new IllegalArgumentException("message length " + n + " runs past the end");
            }
            ByteBuffer slice = buf.slice(buf.position(), n).order(ByteOrder.LITTLE_ENDIAN);
            buf.position(buf.position() + n);
            return new ProtoReader(slice);
        }

        void skip(int wireType) {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> buf.position(buf.position() + 8);
                case 2 -> bytes();
                case 5 -> buf.position(buf.position() + 4);
                default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
            }
        }
    }
}
