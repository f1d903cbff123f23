package dev.internvl.text;

import dev.internvl.InvalidRequestException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * Builds prompts exactly as the official {@code InternVLChatModel.chat()} and {@code batch_chat()} do, for one
 * template and system message. Immutable: the {@code with...} methods return a new builder.
 *
 * <p>A chat prompt: if there is no history, there are images and the question has no {@code <image>}, the
 * question becomes {@code <image>\n} + question; the template renders the system prompt, the history and the
 * question with the assistant's turn left open; then, image by image, the first {@code <image>} left in the whole
 * prompt (system message and history included) becomes {@code <img>} + {@code <IMG_CONTEXT>} × (tokens per tile ×
 * that image's tiles) + {@code </img>}, as the official {@code query.replace('<image>', image_tokens, 1)} does.
 *
 * <p>Placeholders beyond the images stay in the prompt as plain text ({@code <image>} is not a token), as in the
 * official code. Fewer placeholders than images is an error: the official code would then hold fewer
 * {@code <IMG_CONTEXT>} tokens than vision embeddings and fail when it scatters them.
 */
public final class ChatPromptBuilder {

    private final ConversationTemplate template;
    private final String systemMessageOverride;
    private final String configSystemMessage;
    private final int tokensPerTile;
    /** Whether the system message override came from a caller (it is then untrusted text, see {@link ChatPrompt#segments()}). */
    private final boolean systemFromCaller;

    private ChatPromptBuilder(ConversationTemplate template, String systemMessageOverride, String configSystemMessage,
                              int tokensPerTile) {
        this(template, systemMessageOverride, configSystemMessage, tokensPerTile, false);
    }

    private ChatPromptBuilder(ConversationTemplate template, String systemMessageOverride, String configSystemMessage,
                              int tokensPerTile, boolean systemFromCaller) {
        this.systemFromCaller = systemFromCaller && systemMessageOverride != null;
        this.template = Objects.requireNonNull(template, "template");
        this.systemMessageOverride = systemMessageOverride;
        this.configSystemMessage = configSystemMessage;
        if (tokensPerTile < 1) {
            throw new IllegalArgumentException("Image tokens per tile must be positive, got " + tokensPerTile);
        }
        this.tokensPerTile = tokensPerTile;
    }

    /** A builder with the template's default system message and {@value InternVLTokens#DEFAULT_TOKENS_PER_TILE} tokens per tile. */
    public static ChatPromptBuilder forTemplate(ConversationTemplate template) {
        return new ChatPromptBuilder(template, null, null, InternVLTokens.DEFAULT_TOKENS_PER_TILE);
    }

    /**
     * Uses the checkpoint's {@code config.json} {@code system_message} (null: none) unless a system message is set.
     * The training code of OpenGVLab/InternVL takes this key when present; the modeling code shipped with the
     * published checkpoints ignores it, and their {@code config.json} files do not have it.
     */
    public ChatPromptBuilder withConfigSystemMessage(String configSystemMessage) {
        return new ChatPromptBuilder(template, systemMessageOverride, configSystemMessage, tokensPerTile);
    }

    /** Uses this system message (null: none; empty: an empty system prompt), whatever the checkpoint says. */
    public ChatPromptBuilder withSystemMessage(String systemMessage) {
        return new ChatPromptBuilder(template, systemMessage, configSystemMessage, tokensPerTile);
    }

    /**
     * Uses this system message from a request (null: the builder's own), marked as caller text in
     * {@link ChatPrompt#segments()}; the prompt text is the same as with {@link #withSystemMessage}.
     */
    public ChatPromptBuilder withCallerSystemMessage(String systemMessage) {
        return systemMessage == null ? this
                : new ChatPromptBuilder(template, systemMessage, configSystemMessage, tokensPerTile, true);
    }

    /** Sets the image tokens per tile ({@code num_image_token} of the model, 256 for 448-pixel tiles). */
    public ChatPromptBuilder withImageTokensPerTile(int tokensPerTile) {
        return new ChatPromptBuilder(template, systemMessageOverride, configSystemMessage, tokensPerTile,
                systemFromCaller);
    }

    /** The system message in force: the one set, else the checkpoint's, else the template default. */
    public String systemMessage() {
        if (systemMessageOverride != null) {
            return systemMessageOverride;
        }
        return configSystemMessage != null ? configSystemMessage : template.defaultSystemMessage();
    }

    /** The template, for the stop tokens and {@link ConversationTemplate#cleanResponse} of the answers. */
    public ConversationTemplate template() {
        return template;
    }

    /**
     * The prompt of one {@code chat()} round.
     *
     * @param history earlier rounds, oldest first (null or empty: none), with questions as {@link ChatPrompt#question()}
     *     returned them
     * @param question the user's question
     * @param numPatchesList tiles per image, in placeholder order (null or empty: text only)
     * @throws IllegalArgumentException when the prompt holds fewer {@code <image>} placeholders than there are
     *     images (more are fine: the rest stay as text), or an image has no tiles
     */
    public ChatPrompt chat(List<ChatTurn> history, String question, List<Integer> numPatchesList) {
        Objects.requireNonNull(question, "question");
        List<ChatTurn> turns = new ArrayList<>(history == null ? List.of() : history);
        List<Integer> patches = numPatchesList == null ? List.of() : List.copyOf(numPatchesList);
        for (int tiles : patches) {
            if (tiles < 1) {
                throw new IllegalArgumentException("Every image needs at least one tile: numPatchesList=" + patches);
            }
        }
        String fullQuestion = imagePrefixed(question, turns.isEmpty(), patches.size());
        turns.add(ChatTurn.open(fullQuestion));
        StringBuilder rendered = new StringBuilder();
        BitSet fromCaller = new BitSet();
        template.separatorStyle().render(template, systemMessage(), systemFromCaller, turns, (part, untrusted) -> {
            if (untrusted) {
                fromCaller.set(rendered.length(), rendered.length() + part.length());
            }
            rendered.append(part);
        });
        String unexpanded = rendered.toString();

        int placeholders = InternVLTokens.countPlaceholders(unexpanded);
        if (placeholders < patches.size()) {
            throw new InvalidRequestException("The prompt holds " + placeholders + " " + InternVLTokens.IMAGE_PLACEHOLDER
                    + " placeholder(s) (system message, history and question together) but " + patches.size()
                    + " image(s) were given (numPatchesList=" + patches + "); each image needs its own placeholder");
        }
        int contextTokens = tokensPerTile * patches.stream().mapToInt(Integer::intValue).sum();
        String text = InternVLTokens.expandPlaceholders(unexpanded, patches, tokensPerTile);
        return new ChatPrompt(text, unexpanded, fullQuestion, patches, contextTokens,
                segments(unexpanded, fromCaller, patches));
    }

    /**
     * The reference {@code chat()}'s rule: the question of a first round with images that places no {@code <image>}
     * itself becomes {@code <image>\n} + question.
     */
    public static String imagePrefixed(String question, boolean firstRound, int images) {
        return firstRound && images > 0 && !question.contains(InternVLTokens.IMAGE_PLACEHOLDER)
                ? InternVLTokens.IMAGE_PLACEHOLDER + "\n" + question
                : question;
    }

    /**
     * The parts of the expanded prompt: runs of caller and template text as {@code fromCaller} marks them, with each
     * expanded placeholder (as {@link InternVLTokens#expandPlaceholders}) a template part.
     */
    private List<ChatPrompt.Segment> segments(String unexpanded, BitSet fromCaller, List<Integer> patches) {
        List<ChatPrompt.Segment> out = new ArrayList<>();
        int from = 0;
        for (int tiles : patches) {
            int at = unexpanded.indexOf(InternVLTokens.IMAGE_PLACEHOLDER, from);
            if (at < 0) {
                break;
            }
            addRuns(out, unexpanded, fromCaller, from, at);
            add(out, InternVLTokens.IMG_START + InternVLTokens.IMG_CONTEXT.repeat(tokensPerTile * tiles)
                    + InternVLTokens.IMG_END, false);
            from = at + InternVLTokens.IMAGE_PLACEHOLDER.length();
        }
        addRuns(out, unexpanded, fromCaller, from, unexpanded.length());
        return out;
    }

    private static void addRuns(List<ChatPrompt.Segment> out, String text, BitSet fromCaller, int from, int to) {
        int i = from;
        while (i < to) {
            boolean untrusted = fromCaller.get(i);
            int end = Math.min(to, untrusted ? fromCaller.nextClearBit(i) : nextSet(fromCaller, i, to));
            add(out, text.substring(i, end), untrusted);
            i = end;
        }
    }

    private static int nextSet(BitSet bits, int from, int to) {
        int next = bits.nextSetBit(from);
        return next < 0 ? to : next;
    }

    /** Appends a part, joined to the last one when both are caller text or both are not. */
    private static void add(List<ChatPrompt.Segment> out, String text, boolean untrusted) {
        if (text.isEmpty()) {
            return;
        }
        int last = out.size() - 1;
        if (last >= 0 && out.get(last).untrusted() == untrusted) {
            out.set(last, new ChatPrompt.Segment(out.get(last).text() + text, untrusted));
        } else {
            out.add(new ChatPrompt.Segment(text, untrusted));
        }
    }

    /**
     * The prompts of one {@code batch_chat()} call: independent questions without history, one image per question
     * (the same prefix rule as {@link #chat}). The system message is this builder's, as for {@link #chat}; the
     * repository's {@code batch_chat()} always uses the template default, which is this builder's unless changed.
     *
     * @param numPatchesList tiles of each question's image (null or empty: text only)
     */
    public List<ChatPrompt> batch(List<String> questions, List<Integer> numPatchesList) {
        boolean images = numPatchesList != null && !numPatchesList.isEmpty();
        if (images && numPatchesList.size() != questions.size()) {
            throw new IllegalArgumentException("batch_chat takes one image per question: " + questions.size()
                    + " questions but numPatchesList=" + numPatchesList);
        }
        List<ChatPrompt> prompts = new ArrayList<>(questions.size());
        for (int i = 0; i < questions.size(); i++) {
            prompts.add(chat(List.of(), questions.get(i), images ? List.of(numPatchesList.get(i)) : List.of()));
        }
        return prompts;
    }

    /**
     * The tiles per image for {@code totalTiles} tiles of pixel values, as {@code chat()} settles them: without a
     * list, all tiles form one image (none without tiles); with one, its sum must equal {@code totalTiles}.
     */
    public static List<Integer> numPatchesList(List<Integer> numPatchesList, int totalTiles) {
        if (numPatchesList == null) {
            return totalTiles == 0 ? List.of() : List.of(totalTiles);
        }
        int sum = numPatchesList.stream().mapToInt(Integer::intValue).sum();
        if (sum != totalTiles) {
            throw new IllegalArgumentException("numPatchesList " + numPatchesList + " adds up to " + sum
                    + " tiles, but the pixel values hold " + totalTiles + " tiles");
        }
        return List.copyOf(numPatchesList);
    }
}
