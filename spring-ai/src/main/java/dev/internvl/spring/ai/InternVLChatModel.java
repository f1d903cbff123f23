package dev.internvl.spring.ai;

import dev.internvl.ChatEngine;
import dev.internvl.ChatAnswer;
import dev.internvl.ChatListener;
import dev.internvl.ChatRequest;
import dev.internvl.FinishReason;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidOptionException;
import dev.internvl.InvalidRequestException;
import dev.internvl.video.VideoLimits;
import dev.internvl.video.VideoSampling;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A Spring AI {@link ChatModel} and {@link StreamingChatModel} answering with an in-process {@link InternVL} engine.
 * Plain Java: no Spring Boot needed.
 *
 * <pre>{@code
 * InternVLChatModel chat = InternVLChatModel.builder(InternVL.load(dir)).build();
 * String answer = ChatClient.create(chat).prompt()
 *         .user(u -> u.text("What is written on the sign?").media(MimeTypeUtils.IMAGE_JPEG, new FileSystemResource("sign.jpg")))
 *         .call().content();
 * }</pre>
 *
 * <p>Messages map onto one InternVL chat round: system messages replace the system prompt, earlier user and assistant
 * messages become the history, the last message (a user message) is the question, and the images of all user
 * messages are shown in order (see {@link PromptConverter}); a {@code video/*} media is sampled into frames
 * ({@link InternVLChatOptions#getVideoFrames()}) under the {@link Builder#videoLimits video limits}. Options: request options over {@link #getOptions()
 * the default options} over the engine's defaults, field by field.
 *
 * <p>Thread-safe. The engine decodes concurrent calls and streams together (continuous batching); beyond its batch
 * size they wait in its queue, and beyond the queue they fail at once with a
 * {@link java.util.concurrent.RejectedExecutionException} ("the engine is busy: ..."). {@link #call} waits on the
 * caller's thread; {@link #stream} waits on a thread of a scheduler ({@link Schedulers#boundedElastic()} unless set)
 * and stops within one token when the subscription is cancelled. The engine is not closed by this class: whoever
 * loaded it closes it.
 *
 * <p>The text of a stream is produced on the engine's single worker thread, which decodes every request: it must
 * never wait for a subscriber. Each stream's deltas therefore go into an unbounded buffer (a {@link FluxSink} with
 * the {@code BUFFER} strategy: emitting never blocks, whatever the demand) and reach the subscriber on a thread of
 * the scheduler ({@code publishOn}), never on the worker, so a slow or blocking subscriber delays only its own
 * stream. A stream in progress holds two of the scheduler's threads at times (the one waiting for the engine, and
 * one delivering); give a scheduler of your own enough of them for the streams you serve at once.
 */
public final class InternVLChatModel implements ChatModel, StreamingChatModel {

    /** The provider name in observations ({@code gen_ai.system}). */
    public static final String PROVIDER = "internvl";

    private static final ChatModelObservationConvention DEFAULT_CONVENTION =
            new DefaultChatModelObservationConvention();

    private final ChatEngine engine;
    private final String modelId;
    private final InternVLChatOptions defaultOptions;
    private final ObservationRegistry observationRegistry;
    private final Scheduler scheduler;
    private final VideoLimits videoLimits;
    private volatile ChatModelObservationConvention observationConvention;

    private InternVLChatModel(Builder b) {
        this.engine = Objects.requireNonNull(b.engine, "engine");
        this.modelId = b.modelId != null ? b.modelId : defaultModelId(engine);
        InternVLChatOptions defaults = b.defaultOptions != null ? b.defaultOptions : InternVLChatOptions.builder().build();
        if (defaults.getModel() == null) {
            defaults = defaults.mutate().model(modelId).build();
        }
        this.defaultOptions = defaults;
        this.observationRegistry = b.observationRegistry != null ? b.observationRegistry : ObservationRegistry.NOOP;
        this.observationConvention = b.observationConvention;
        this.scheduler = b.scheduler != null ? b.scheduler : Schedulers.boundedElastic();
        this.videoLimits = b.videoLimits != null ? b.videoLimits : VideoLimits.DEFAULTS;
        generationOptions(defaults); // invalid defaults fail here rather than at the first request
        try {
            videoLimits.checkSampling(PromptConverter.sampling(defaults));
        } catch (InvalidRequestException e) {
            throw new InvalidOptionException("videoFrames", "must be at most the video limits' maxFrames ("
                    + videoLimits.maxFrames() + ")", defaults.getVideoFrames() != null ? defaults.getVideoFrames()
                    : VideoSampling.DEFAULT_FRAMES + " (unset)");
        }
    }

    /** A chat model on {@code engine} with the defaults: id from the checkpoint folder, no observations. */
    public static InternVLChatModel of(ChatEngine engine) {
        return builder(engine).build();
    }

    public static Builder builder(ChatEngine engine) {
        return new Builder(engine);
    }

    private static String defaultModelId(ChatEngine engine) {
        return engine.modelName();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        Prompt request = withEffectiveOptions(prompt);
        ChatModelObservationContext context = ChatModelObservationContext.builder()
                .prompt(request)
                .provider(PROVIDER)
                .build();
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry)
                .observe(() -> {
                    ChatAnswer answer = engine.chat(toChatRequest(request));
                    ChatResponse response = response(UUID.randomUUID().toString(), answer.text(),
                            answer.finishReason(), answer.promptTokens(), answer.completionTokens());
                    context.setResponse(response);
                    return response;
                });
    }

    /**
     * Streams the answer: one response per text delta (no finish reason), then a last response with empty text, the
     * finish reason and the token usage. Cancelling the subscription stops generation before the next token; the
     * observation of a cancelled stream ends when the engine has stopped, with finish reason {@code CANCELLED} and the
     * tokens generated until then. The observation of a stream that ends carries the whole answer as its response.
     * A refused stream (a wrong request: {@link dev.internvl.InvalidRequestException}; a busy engine:
     * {@link java.util.concurrent.RejectedExecutionException}) fails with that exception and logs nothing.
     */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.deferContextual(contextView -> {
            Prompt request = withEffectiveOptions(prompt);
            ChatModelObservationContext context = ChatModelObservationContext.builder()
                    .prompt(request)
                    .provider(PROVIDER)
                    .streaming(true)
                    .build();
            Observation observation = ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                    .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry);
            Observation parent = contextView.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
            observation.parentObservation(parent);
            observation.start();
            StreamRun run = new StreamRun(request, context, observation);
            // BUFFER (the default of create): sink.next on the engine's worker only queues, never waits for demand
            Flux<ChatResponse> chunks = Flux.<ChatResponse>create(run::generate, FluxSink.OverflowStrategy.BUFFER)
                    // requests must not queue behind the generation that blocks the scheduler's worker
                    .subscribeOn(scheduler, false)
                    // the subscriber's onNext runs here, not on the engine's worker thread that emitted the delta
                    .publishOn(scheduler)
                    .doOnError(observation::error)
                    .doFinally(run::finished)
                    .contextWrite(ctx -> ctx.put(ObservationThreadLocalAccessor.KEY, observation));
            // No MessageAggregator: it logs every error of the stream at ERROR, refusals of wrong requests and of a
            // busy engine included; the run sets the observation's response itself (the engine returns the whole
            // answer at the end).
            return chunks;
        });
    }

    /** One streamed generation and the end of its observation. */
    private final class StreamRun {
        private static final int PENDING = 0;
        private static final int RUNNING = 1;
        private static final int DONE = 2;

        private final Prompt request;
        private final ChatModelObservationContext context;
        private final Observation observation;
        private final String id = UUID.randomUUID().toString();
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final AtomicBoolean stopped = new AtomicBoolean();

        StreamRun(Prompt request, ChatModelObservationContext context, Observation observation) {
            this.request = request;
            this.context = context;
            this.observation = observation;
        }

        void generate(FluxSink<ChatResponse> sink) {
            sink.onCancel(() -> cancelled.set(true));
            if (!state.compareAndSet(PENDING, RUNNING)) {
                return;
            }
            ChatAnswer answer = null;
            boolean ended = false;
            try {
                ChatRequest chatRequest = toChatRequest(request);
                if (cancelled.get()) {
                    return;
                }
                answer = engine.chat(chatRequest, new ChatListener() {
                    @Override
                    public void onText(String delta) {
                        if (!delta.isEmpty() && !cancelled.get()) {
                            sink.next(response(id, delta, null, null, null));
                        }
                    }

                    @Override
                    public boolean cancelled() {
                        return cancelled.get();
                    }
                });
                if (!cancelled.get()) {
                    // the whole answer goes out: a cancel from here on (a subscriber that cancels when it sees the
                    // end) does not make the generation a cancelled one. An answer the engine ended as cancelled
                    // while the subscriber is still there (this thread was interrupted: a scheduler shutting down)
                    // ends the stream too, with finish reason CANCELLED, rather than leaving it open for ever.
                    ended = true;
                    // the observation's response, set before the end is signalled (the observation stops then)
                    context.setResponse(response(id, answer.text(), answer.finishReason(), answer.promptTokens(),
                            answer.completionTokens()));
                    sink.next(response(id, "", answer.finishReason(), answer.promptTokens(),
                            answer.completionTokens()));
                    sink.complete();
                }
            } catch (Throwable t) {
                sink.error(t);
            } finally {
                state.set(DONE);
                if (cancelled.get()) {
                    if (answer != null && !ended) {
                        context.setResponse(response(id, answer.text(), FinishReason.CANCELLED,
                                answer.promptTokens(), answer.completionTokens()));
                    }
                    stopObservation();
                }
            }
        }

        /** Completion and errors end the observation here; a cancel ends it when the engine has stopped. */
        void finished(SignalType signal) {
            if (signal != SignalType.CANCEL) {
                stopObservation();
                return;
            }
            cancelled.set(true);
            // Not started (it never will) or already over: stop now. Running: generate() stops it when the engine
            // returns (it sets DONE before reading the flag, this reads the state after setting the flag).
            if (state.compareAndSet(PENDING, DONE) || state.get() == DONE) {
                stopObservation();
            }
        }

        private void stopObservation() {
            if (stopped.compareAndSet(false, true)) {
                observation.stop();
            }
        }
    }

    private ChatResponse response(String id, String text, FinishReason finishReason, Integer promptTokens,
            Integer completionTokens) {
        ChatGenerationMetadata generationMetadata = finishReason == null ? ChatGenerationMetadata.NULL
                : ChatGenerationMetadata.builder().finishReason(finishReason.name()).build();
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder().id(id).model(modelId);
        if (promptTokens != null) {
            metadata.usage(new DefaultUsage(promptTokens, completionTokens));
        }
        return new ChatResponse(List.of(new Generation(new AssistantMessage(text), generationMetadata)),
                metadata.build());
    }

    private Prompt withEffectiveOptions(Prompt prompt) {
        Objects.requireNonNull(prompt, "prompt");
        InternVLChatOptions effective = InternVLChatOptions.merge(defaultOptions, prompt.getOptions());
        if (effective.getModel() != null && !effective.getModel().equals(modelId)) {
            throw new InvalidRequestException("This chat model serves InternVL model '" + modelId
                    + "', but the request asks for model '" + effective.getModel()
                    + "'; leave the model option unset or use '" + modelId + "'");
        }
        return prompt.mutate().chatOptions(effective).build();
    }

    private ChatRequest toChatRequest(Prompt request) {
        InternVLChatOptions options = (InternVLChatOptions) request.getOptions();
        // the cheap refusals (a full engine, images too large for the context) come before any image is decoded
        return PromptConverter.toChatRequest(request.getInstructions(), options, generationOptions(options),
                headers -> engine.precheck(headers, options.getMaxTiles(), options.getThumbnail()), videoLimits);
    }

    /** Spring AI's names of the engine's generation fields that it names otherwise. */
    private static final Map<String, String> OPTION_NAMES = Map.of("maxNewTokens", "maxTokens", "stopStrings",
            "stopSequences");

    /**
     * The engine's generation options with the set fields of {@code o}. The engine checks each value; its error
     * is rethrown under Spring AI's name of the option.
     */
    GenerationOptions generationOptions(InternVLChatOptions o) {
        unsupportedPenalty("frequencyPenalty", o.getFrequencyPenalty());
        unsupportedPenalty("presencePenalty", o.getPresencePenalty());
        GenerationOptions.Builder b = engine.defaultGeneration().toBuilder();
        if (o.getMaxTokens() != null) {
            b.maxNewTokens(o.getMaxTokens());
        }
        if (o.getTemperature() != null) {
            b.temperature(o.getTemperature());
        }
        if (o.getTopK() != null) {
            b.topK(o.getTopK());
        }
        if (o.getTopP() != null) {
            b.topP(o.getTopP());
        }
        if (o.getRepetitionPenalty() != null) {
            b.repetitionPenalty(o.getRepetitionPenalty());
        }
        if (o.getSeed() != null) {
            b.seed(o.getSeed());
        }
        if (o.getStopSequences() != null) {
            b.stopStrings(o.getStopSequences());
        }
        if (o.getSkipSpecialTokens() != null) {
            b.skipSpecialTokens(o.getSkipSpecialTokens());
        }
        try {
            InvalidOptionException.checkTiles("maxTiles", o.getMaxTiles());
            PromptConverter.sampling(o); // the video options: frames >= 1, a bound with 0 <= start < end
            return b.build();
        } catch (InvalidOptionException e) {
            String name = e.field().equals("frames") ? "videoFrames" : e.field();
            throw e.renamed(OPTION_NAMES.getOrDefault(name, name), "InternVL chat option ");
        }
    }

    /** What one video may make the decoder spend (see {@link Builder#videoLimits}). */
    public VideoLimits getVideoLimits() {
        return videoLimits;
    }

    private static void unsupportedPenalty(String name, Double value) {
        if (value != null && value != 0) {
            throw new InvalidRequestException("InternVL chat option " + name + " is not supported (got " + value
                    + "); leave it unset or 0 and use repetitionPenalty (e.g. 1.1) to discourage repetition");
        }
    }


    /** The default options: those given to the builder, with the model id filled in. */
    @Override
    public InternVLChatOptions getOptions() {
        return defaultOptions;
    }

    /** The id reported as the model in response metadata and observations. */
    public String getModelId() {
        return modelId;
    }

    /** The engine this model answers with. */
    public ChatEngine getEngine() {
        return engine;
    }

    /** Uses {@code convention} instead of Spring AI's default chat model observation convention. */
    public void setObservationConvention(ChatModelObservationConvention convention) {
        this.observationConvention = Objects.requireNonNull(convention, "convention");
    }

    /** Builder of {@link InternVLChatModel}. */
    public static final class Builder {
        private final ChatEngine engine;
        private String modelId;
        private InternVLChatOptions defaultOptions;
        private ObservationRegistry observationRegistry;
        private ChatModelObservationConvention observationConvention;
        private Scheduler scheduler;
        private VideoLimits videoLimits;

        private Builder(ChatEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /** The model id in metadata and observations (default: the checkpoint folder's name). */
        public Builder modelId(String v) {
            modelId = v;
            return this;
        }

        /** Default options; their null fields fall back to the engine's defaults. */
        public Builder defaultOptions(InternVLChatOptions v) {
            defaultOptions = v;
            return this;
        }

        /** Where chat observations go (default {@link ObservationRegistry#NOOP}). */
        public Builder observationRegistry(ObservationRegistry v) {
            observationRegistry = v;
            return this;
        }

        /** A custom observation convention (default: Spring AI's {@link DefaultChatModelObservationConvention}). */
        public Builder observationConvention(ChatModelObservationConvention v) {
            observationConvention = v;
            return this;
        }

        /** Where {@link #stream} generates (default {@link Schedulers#boundedElastic()}). */
        public Builder scheduler(Scheduler v) {
            scheduler = v;
            return this;
        }

        /**
         * What one video of a request may make the decoder spend: encoded bytes, seconds, frames and pixels a
         * frame (default {@link VideoLimits#DEFAULTS}); a video beyond them is refused before its frames are
         * decoded ({@code video_too_large}).
         */
        public Builder videoLimits(VideoLimits v) {
            videoLimits = v;
            return this;
        }

        public InternVLChatModel build() {
            return new InternVLChatModel(this);
        }
    }
}
