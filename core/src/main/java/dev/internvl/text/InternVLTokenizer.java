package dev.internvl.text;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.internvl.torch.DjlSettings;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text tokenizer of an InternVL checkpoint, equal to the slow transformers tokenizer that InternVL's
 * {@code chat()} loads ({@code use_fast=False}): the checkpoint's Hugging Face {@code tokenizer.json}, or the
 * {@code tokenizer.json} built in memory from its {@code vocab.json} + {@code merges.txt} (Qwen2) or SentencePiece
 * {@code tokenizer.model} (InternLM2, Phi-3, Yi), run by DJL's binding of the Rust {@code tokenizers} library with
 * truncation and padding off. Which packaging is read when a folder has several follows
 * {@code tokenizer_config.json}'s {@code tokenizer_class} (see {@link #source()}).
 *
 * <p>{@link #encode} adds the special tokens that the tokenizer itself adds: those of the {@code tokenizer.json}
 * post-processor, overridden by {@code add_bos_token} / {@code add_eos_token} where {@code tokenizer_config.json}
 * sets them. So Qwen2 tokenizers add nothing, while InternLM2-style tokenizers prepend BOS ({@link #addsBos()}).
 * Added tokens that {@code tokenizer_config.json} ({@code added_tokens_decoder}) or {@code added_tokens.json}
 * declare and {@code tokenizer.json} lacks are added as single tokens. Decoding applies no clean-up of spaces.
 *
 * <p>{@link #encodePlain} encodes text with no added token matched (every {@code <|im_end|>} or {@code <img>} as
 * ordinary text), and {@link #encode(List, SpecialTokensInText)} encodes a prompt whose caller-given parts must not
 * forge control tokens. Safe for concurrent use; {@link #close()} frees the native tokenizers.
 */
public final class InternVLTokenizer implements AutoCloseable {

    /** Text whose encoding, with and without special tokens, shows what the post-processor adds around it. */
    private static final String PROBE_TEXT = "a";
    /** Qwen2's pad token, used when the tokenizer files name none. */
    private static final String QWEN_PAD_TOKEN = "<|endoftext|>";
    private static final Logger LOG = LoggerFactory.getLogger(InternVLTokenizer.class);

    private final HuggingFaceTokenizer tokenizer;
    /** The same tokenizer without added tokens, for {@link #encodePlain}. */
    private final HuggingFaceTokenizer plainTokenizer;
    /** The texts of all added tokens, longest first, by their first character (for finding them in text). */
    private final Map<Character, java.util.List<String>> addedTextsByFirst;
    private final Set<Long> addedIds;
    private final Map<String, Integer> tokenIds;
    private final Set<Long> specialIds;
    private final int vocabSize;
    private final int maxTokenId;
    private final long[] prefixIds;
    private final long[] suffixIds;
    private final OptionalLong padTokenId;
    /** Non-legacy SentencePiece (Phi-3): the text gets a leading ▁ unless it starts with one of {@link #noPrefixBefore}. */
    private final boolean prefixesText;
    private final java.util.List<String> noPrefixBefore;
    /** The slow Qwen2Tokenizer normalizes the whole text to NFC before it splits off added tokens. */
    private final boolean nfcText;
    private final String source;

    private InternVLTokenizer(HuggingFaceTokenizer tokenizer, HuggingFaceTokenizer plainTokenizer, TokenizerFiles files,
                              Path dir) {
        this.tokenizer = tokenizer;
        this.plainTokenizer = plainTokenizer;
        Map<Character, java.util.List<String>> byFirst = new HashMap<>();
        Set<Long> added = new HashSet<>();
        for (TokenizerFiles.AddedToken token : files.addedTokens()) {
            added.add((long) token.id());
            if (!token.content().isEmpty()) {
                byFirst.computeIfAbsent(token.content().charAt(0), c -> new java.util.ArrayList<>()).add(token.content());
            }
        }
        byFirst.values().forEach(l -> l.sort(java.util.Comparator.comparingInt(String::length).reversed()));
        this.addedTextsByFirst = byFirst;
        // the unknown token stands for text the model cannot spell; it forges nothing
        files.modelUnkToken().map(unk -> idOf(files, unk)).ifPresent(added::remove);
        this.addedIds = Set.copyOf(added);
        this.prefixesText = files.prefixesText();
        this.noPrefixBefore = java.util.List.copyOf(files.allSpecialTokens(dir));
        this.nfcText = files.normalizesTextToNfc();
        this.source = files.description();
        Map<String, Integer> ids = new HashMap<>(files.vocab());
        Set<Long> special = new HashSet<>();
        for (TokenizerFiles.AddedToken token : files.addedTokens()) {
            ids.put(token.content(), token.id());
            if (token.special()) {
                special.add((long) token.id());
            }
        }
        this.tokenIds = Collections.unmodifiableMap(ids);
        this.specialIds = Set.copyOf(special);
        this.vocabSize = (int) ids.values().stream().distinct().count();
        this.maxTokenId = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        checkAddedTokens(files);

        long[] withSpecial = tokenizer.encode(PROBE_TEXT, true, false).getIds();
        long[] plain = tokenizer.encode(PROBE_TEXT, false, false).getIds();
        int at = indexOf(withSpecial, plain);
        if (at < 0) {
            throw new IllegalStateException("Cannot tell which special tokens the post-processor of "
                    + files.tokenizerJsonPath() + " adds: " + Arrays.toString(withSpecial) + " vs " + Arrays.toString(plain));
        }
        this.prefixIds = configuredSpecial(files, "add_bos_token", "bos_token")
                .orElse(Arrays.copyOfRange(withSpecial, 0, at));
        this.suffixIds = configuredSpecial(files, "add_eos_token", "eos_token")
                .orElse(Arrays.copyOfRange(withSpecial, at + plain.length, withSpecial.length));
        Optional<String> padToken = files.configToken("pad_token").or(files::paddingToken)
                .or(() -> Optional.of(QWEN_PAD_TOKEN).filter(this::isSpecial));
        this.padTokenId = padToken.map(t -> OptionalLong.of(requireTokenId(t))).orElse(OptionalLong.empty());
    }

    /**
     * Loads the tokenizer of a checkpoint folder.
     *
     * @param checkpointDir the folder with {@code tokenizer.json}, {@code tokenizer.model} or {@code vocab.json} +
     *     {@code merges.txt}, and optionally {@code tokenizer_config.json} and {@code added_tokens.json}
     * @throws IllegalArgumentException when no tokenizer is found or a file is malformed (the message names it), or
     *     a file declares a token id that contradicts another file
     * @throws IllegalStateException when the tokenizer library cannot register an added token under its id
     */
    public static InternVLTokenizer load(Path checkpointDir) {
        TokenizerFiles files = TokenizerFiles.read(checkpointDir);
        DjlSettings.optOutOfTracking();
        byte[] json = files.mergedJson().getBytes(StandardCharsets.UTF_8);
        // Special tokens are added here, not by DJL; DJL would otherwise truncate at 512 tokens and pad.
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        HuggingFaceTokenizer tokenizer;
        HuggingFaceTokenizer plain;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
            try {
                plain = HuggingFaceTokenizer.newInstance(
                        new ByteArrayInputStream(files.plainJson().getBytes(StandardCharsets.UTF_8)), options);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load " + files.tokenizerJsonPath(), e);
        } catch (EngineException e) {
            throw e; // the native library itself failed to load
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The tokenizer library rejects " + files.tokenizerJsonPath()
                    + ": " + e.getMessage(), e);
        }
        try {
            InternVLTokenizer loaded = new InternVLTokenizer(tokenizer, plain, files, checkpointDir);
            LOG.info("Tokenizer of {}: {}{}", checkpointDir, loaded.source(), files.choiceNote());
            return loaded;
        } catch (RuntimeException e) {
            tokenizer.close();
            plain.close();
            throw e;
        }
    }

    /**
     * The Hugging Face {@code tokenizer.json} that {@link #load} runs for the tokenizer of {@code checkpointDir}: the
     * folder's own, or the one converted from its {@code vocab.json} + {@code merges.txt} or {@code tokenizer.model},
     * with the added tokens of every file merged in (sorted by id). For tools that write the vocabulary into another
     * format; nothing native is loaded.
     *
     * @return empty when the folder has no tokenizer files at all
     * @throws IllegalArgumentException when a tokenizer file is malformed (the message names it)
     */
    public static Optional<String> tokenizerJson(Path checkpointDir) {
        if (!TokenizerFiles.anyIn(checkpointDir)) {
            return Optional.empty();
        }
        return Optional.of(TokenizerFiles.read(checkpointDir).mergedJson());
    }

    /** Token ids of {@code text}, with this tokenizer's own special tokens (e.g. BOS) added; never truncated. */
    public long[] encode(String text) {
        long[] body = tokenizer.encode(prefixed(text), false, false).getIds();
        if (prefixIds.length == 0 && suffixIds.length == 0) {
            return body;
        }
        long[] ids = new long[prefixIds.length + body.length + suffixIds.length];
        System.arraycopy(prefixIds, 0, ids, 0, prefixIds.length);
        System.arraycopy(body, 0, ids, prefixIds.length, body.length);
        System.arraycopy(suffixIds, 0, ids, prefixIds.length + body.length, suffixIds.length);
        return ids;
    }

    /**
     * Token ids of {@code text} with no added token matched: {@code <|im_end|>}, {@code <img>},
     * {@code <IMG_CONTEXT>}, {@code <s>} and the like are encoded as ordinary text by the model (BPE or the converted
     * SentencePiece), as transformers does with {@code split_special_tokens=True}; no BOS or EOS is added. Never yields
     * the id of an added token other than the unknown token (a SentencePiece piece that an added token renamed, such
     * as InternLM2's {@code [UNUSED_TOKEN_145]}, is spelled out too). The text is prepared as for {@link #encode} (NFC, the
     * non-legacy {@code ▁} prefix).
     */
    public long[] encodePlain(String text) {
        return plainBody(text, true);
    }

    /**
     * The first text in {@code text} (leftmost, longest) that the tokenizer matches as an added token, such as
     * {@code <|im_end|>} or {@code <ref>}; empty when there is none.
     */
    public Optional<String> addedTokenIn(String text) {
        java.util.BitSet all = new java.util.BitSet();
        all.set(0, text.length());
        java.util.List<int[]> found = forgedTokens(text, all, SpecialTokensInText.PLAIN);
        return found.isEmpty() ? Optional.empty() : Optional.of(text.substring(found.get(0)[0], found.get(0)[1]));
    }

    /**
     * Token ids of a prompt whose parts are marked as coming from the caller ({@link ChatPrompt.Segment#untrusted()})
     * or from the template and the image expansions, with this tokenizer's own special tokens (BOS) added once.
     *
     * <p>When no caller part holds the text of a token that {@code mode} keeps out of caller text, the ids are those
     * of {@link #encode}{@code (text)}, whatever the mode. Otherwise each such occurrence in caller text is encoded as
     * ordinary text ({@link #encodePlain}), and the stretches of the prompt between them as by {@link #encode}. The
     * tokenizer splits the text at an added token anyway, so the stretches around an occurrence are encoded exactly as
     * in the reference; only the occurrence itself differs from transformers' {@code split_special_tokens=True} on
     * the whole text, which could merge its first or last characters with the neighbouring text (and a SentencePiece
     * tokenizer that prefixes every stretch with {@code ▁} prefixes it too).
     *
     * @param mode {@link SpecialTokensInText#PLAIN}: no added token from caller text;
     *     {@link SpecialTokensInText#REFERENCE}: all of them as in the reference, except {@code <IMG_CONTEXT>}
     */
    public long[] encode(java.util.List<ChatPrompt.Segment> segments, SpecialTokensInText mode) {
        StringBuilder text = new StringBuilder();
        java.util.BitSet untrusted = new java.util.BitSet();
        for (ChatPrompt.Segment segment : segments) {
            if (segment.untrusted()) {
                untrusted.set(text.length(), text.length() + segment.text().length());
            }
            text.append(segment.text());
        }
        String all = text.toString();
        java.util.List<int[]> forged = untrusted.isEmpty() ? java.util.List.of() : forgedTokens(all, untrusted, mode);
        if (forged.isEmpty()) {
            return encode(all);
        }
        java.util.List<long[]> parts = new java.util.ArrayList<>();
        parts.add(prefixIds);
        int from = 0;
        for (int[] range : forged) {
            if (range[0] > from) {
                parts.add(body(all.substring(from, range[0]), from == 0));
            }
            parts.add(plainBody(all.substring(range[0], range[1]), range[0] == 0));
            from = range[1];
        }
        if (from < all.length()) {
            parts.add(body(all.substring(from), false));
        }
        parts.add(suffixIds);
        long[] ids = new long[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, ids, at, part.length);
            at += part.length;
        }
        return ids;
    }

    /**
     * The added tokens that the tokenizer would match in {@code text} (leftmost, longest first) and that touch caller
     * text, as [start, end) ranges: all of them in PLAIN mode, only {@code <IMG_CONTEXT>} in REFERENCE mode.
     */
    private java.util.List<int[]> forgedTokens(String text, java.util.BitSet untrusted, SpecialTokensInText mode) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            String match = null;
            for (String candidate : addedTextsByFirst.getOrDefault(text.charAt(i), java.util.List.of())) {
                if (text.startsWith(candidate, i)) {
                    match = candidate;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int end = i + match.length();
            int firstUntrusted = untrusted.nextSetBit(i);
            boolean fromCaller = firstUntrusted >= 0 && firstUntrusted < end;
            if (fromCaller && (mode == SpecialTokensInText.PLAIN || match.equals(InternVLTokens.IMG_CONTEXT))) {
                out.add(new int[] {i, end});
            }
            i = end;
        }
        return out;
    }

    /** The ids of a stretch of prompt text without BOS/EOS; only the first stretch gets the non-legacy ▁ prefix. */
    private long[] body(String text, boolean first) {
        String prepared = first ? prefixed(text) : nfcText ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        return tokenizer.encode(prepared, false, false).getIds();
    }

    private long[] plainBody(String text, boolean first) {
        String prepared = nfcText ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        if (first && prefixesText && !prepared.isEmpty()) {
            prepared = "\u2581" + prepared;
        }
        long[] ids = plainTokenizer.encode(prepared, false, false).getIds();
        for (long id : ids) {
            if (addedIds.contains(id)) {
                throw new IllegalStateException("The tokenizer (" + source + ") cannot encode \"" + text
                        + "\" without its added token id " + id + " (its model vocabulary cannot be reduced)");
            }
        }
        return ids;
    }

    /**
     * The text as the slow tokenizer prepares it: the slow {@code Qwen2Tokenizer} normalizes it to NFC as a whole
     * (before added tokens are split off, so {@code ">"} and a combining mark after an added token compose); the slow
     * {@code LlamaTokenizer(legacy=False)} prepends {@code ▁} to the whole text, then drops it again when the text
     * starts with one of its {@code all_special_tokens} (a leading added token outside that set keeps a lone
     * {@code ▁} token before it, as in Python).
     */
    private String prefixed(String text) {
        if (nfcText) {
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
        }
        if (!prefixesText || text.isEmpty()) {
            return text;
        }
        for (String special : noPrefixBefore) {
            if (!special.isEmpty() && text.startsWith(special)) {
                return text;
            }
        }
        return "\u2581" + text;
    }

    /**
     * The text of {@code ids}; ids that the tokenizer does not know are left out, as the Rust library does.
     *
     * @param skipSpecialTokens drop special tokens ({@code <|im_end|>}, {@code <ref>}, {@code <box>}, ...), as
     *     {@code chat()} does; keep them to parse grounding output
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** A decoder for generated ids that yields text as soon as it is complete; see {@link TokenStreamDecoder}. */
    public TokenStreamDecoder newStreamDecoder(boolean skipSpecialTokens) {
        return new TokenStreamDecoder(this, skipSpecialTokens);
    }

    /** The id of a single token (an added token such as {@code <IMG_CONTEXT>}, or a vocabulary entry), if any. */
    public OptionalLong tokenId(String token) {
        Integer id = tokenIds.get(token);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** The id of a single token, or an error saying that the tokenizer lacks it. */
    public long requireTokenId(String token) {
        return tokenId(token).orElseThrow(() -> new IllegalArgumentException(
                "Token " + token + " is not a single token of this tokenizer"));
    }

    /**
     * What was loaded: the packaging, the tokenizer class and how it was read, e.g.
     * {@code vocab.json + merges.txt (Qwen2Tokenizer, slow)},
     * {@code tokenizer.model (SentencePiece, InternLM2Tokenizer, 6 ids renamed by tokenizer_config.json)} or
     * {@code tokenizer.json (PreTrainedTokenizerFast)}.
     */
    public String source() {
        return source;
    }

    /** Number of distinct token ids, added tokens included ({@code len(tokenizer)} in transformers). */
    public int vocabSize() {
        return vocabSize;
    }

    /** The largest token id, added tokens included; the model's embedding needs more rows than that. */
    public int maxTokenId() {
        return maxTokenId;
    }

    /** Ids of the special added tokens: those that {@code decode(ids, true)} drops. */
    public Set<Long> specialIds() {
        return specialIds;
    }

    /** Whether {@link #encode} starts every sequence with a special token (BOS), as InternLM2 tokenizers do. */
    public boolean addsBos() {
        return prefixIds.length > 0;
    }

    /**
     * The id used to pad batches: tokenizer_config.json's {@code pad_token}, else the pad token of tokenizer.json,
     * else {@code <|endoftext|>} when it is a special token (Qwen2's pad token).
     */
    public OptionalLong padTokenId() {
        return padTokenId;
    }

    @Override
    public void close() {
        tokenizer.close();
        plainTokenizer.close();
    }

    private static Long idOf(TokenizerFiles files, String token) {
        for (TokenizerFiles.AddedToken added : files.addedTokens()) {
            if (added.content().equals(token)) {
                return (long) added.id();
            }
        }
        Integer id = files.vocab().get(token);
        return id == null ? null : (long) id;
    }

    /** Fails unless the library encodes every added token as exactly its own id (it renumbers ids that leave gaps). */
    private void checkAddedTokens(TokenizerFiles files) {
        for (TokenizerFiles.AddedToken token : files.addedTokens()) {
            long[] ids = tokenizer.encode(token.content(), false, false).getIds();
            if (ids.length != 1 || ids[0] != token.id()) {
                throw new IllegalStateException("The tokenizer library cannot add token \"" + token.content()
                        + "\" with id " + token.id() + " (it encodes to " + Arrays.toString(ids) + ") in "
                        + files.tokenizerJsonPath() + ": added token ids must follow the vocabulary without gaps");
            }
        }
    }

    /** The BOS (or EOS) ids that tokenizer_config.json asks for with its add_bos_token (add_eos_token) flag, if it has one. */
    private Optional<long[]> configuredSpecial(TokenizerFiles files, String flag, String tokenKey) {
        return files.configFlag(flag).map(add -> {
            if (!add) {
                return new long[0];
            }
            String token = files.configToken(tokenKey).orElseThrow(() -> new IllegalArgumentException(
                    TokenizerFiles.TOKENIZER_CONFIG_JSON + " sets " + flag + " but has no " + tokenKey));
            return new long[] {requireTokenId(token)};
        });
    }

    private boolean isSpecial(String token) {
        Integer id = tokenIds.get(token);
        return id != null && specialIds.contains((long) id);
    }

    private static int indexOf(long[] haystack, long[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
