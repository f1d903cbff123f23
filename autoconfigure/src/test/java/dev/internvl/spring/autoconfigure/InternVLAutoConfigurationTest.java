package dev.internvl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.BatchingOptions;
import dev.internvl.ChatRequest;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.SafetensorsFile;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.ModelOptions;
import dev.internvl.model.Quantization;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import dev.internvl.testing.EngineHold;
import dev.internvl.testing.TinyModel;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Which beans appear for which properties, and how a misconfiguration fails. */
class InternVLAutoConfigurationTest {

    @TempDir
    static Path tmp;

    static Path checkpoint;

    /** An engine the application loads itself, for the "user-defined bean wins" cases. */
    static InternVL userEngine;

    @BeforeAll
    static void writeCheckpoint() {
        checkpoint = TinyModel.write(tmp.resolve("tiny-internvl"));
        userEngine = InternVL.load(checkpoint);
    }

    @AfterAll
    static void closeUserEngine() {
        userEngine.close();
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                    InternVLChatAutoConfiguration.class, InternVLHealthContributorAutoConfiguration.class));

    ApplicationContextRunner withModel() {
        return runner.withPropertyValues("spring.ai.internvl.model.path=" + checkpoint);
    }

    // --- activation -------------------------------------------------------------------------------------------

    @Test
    void activeWhenTheModelSelectionIsAbsent() {
        withModel().run(context -> {
            assertThat(context).hasSingleBean(InternVL.class).hasSingleBean(InternVLChatModel.class)
                    .hasSingleBean(ChatModel.class).hasSingleBean(InternVLHealthIndicator.class)
                    // Actuator names a contributor after its bean without the suffix: "internvl", as documented
                    .hasBean("internvlHealthIndicator");
            assertThat(context.getBean(InternVLChatModel.class).getModelId()).isEqualTo("tiny-internvl");
        });
    }

    @Test
    void activeWhenInternVLIsSelected() {
        withModel().withPropertyValues("spring.ai.model.chat=internvl")
                .run(context -> assertThat(context).hasSingleBean(InternVLChatModel.class));
    }

    @Test
    void offWhenNoneOrAnotherModelIsSelected() {
        for (String other : List.of("none", "ollama", "openai")) {
            // no model path needed: nothing is loaded
            runner.withPropertyValues("spring.ai.model.chat=" + other).run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(InternVL.class).doesNotHaveBean(ChatModel.class)
                        .doesNotHaveBean(InternVLHealthIndicator.class);
            });
        }
    }

    @Test
    void theChatModelFollowsTheSelectionEvenWithAnEngineThere() {
        // an engine the application loads (or the tools ask for) does not make InternVL the chat model by itself
        ApplicationContextRunner withEngine = runner.withUserConfiguration(UserEngine.class);
        for (String other : List.of("openai", "none")) {
            withEngine.withPropertyValues("spring.ai.model.chat=" + other).run(context -> assertThat(context)
                    .hasNotFailed().hasSingleBean(InternVL.class).doesNotHaveBean(ChatModel.class));
        }
        withEngine.run(context -> assertThat(context).hasSingleBean(InternVLChatModel.class));
        withEngine.withPropertyValues("spring.ai.model.chat=internvl")
                .run(context -> assertThat(context).hasSingleBean(InternVLChatModel.class));
    }

    @Test
    void aUserChatModelWins() {
        withModel().withUserConfiguration(UserChatModel.class).run(context -> {
            assertThat(context).hasSingleBean(ChatModel.class).doesNotHaveBean(InternVLChatModel.class);
            assertThat(context.getBean(ChatModel.class)).isSameAs(UserChatModel.MODEL);
        });
    }

    @Test
    void aUserEngineWinsAndIsNotClosedByTheContext() {
        runner.withUserConfiguration(UserEngine.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InternVL.class);
            assertThat(context.getBean(InternVL.class)).isSameAs(userEngine);
            assertThat(context.getBean(InternVLChatModel.class).getEngine()).isSameAs(userEngine);
        });
        // still usable after its context closed (UserEngine declares no destroy method)
        assertThat(userEngine.tokenizer().encode("still open")).isNotEmpty();
    }

    @Test
    void theEngineIsClosedWithTheContext() {
        withModel().run(context -> {
            AbstractBeanDefinition definition = (AbstractBeanDefinition) context.getBeanFactory()
                    .getBeanDefinition("internVL");
            assertThat(definition.getDestroyMethodNames()).containsExactly("close");
        });
    }

    // --- properties --------------------------------------------------------------------------------------------

    @Test
    void propertiesReachTheEngineAndTheChatModel() {
        withModel().withPropertyValues("spring.ai.internvl.model.id=my-vlm", "spring.ai.internvl.dtype=fp32",
                "spring.ai.internvl.quantization=int8", "spring.ai.internvl.device-map=*=cpu",
                "spring.ai.internvl.max-tiles=2", "spring.ai.internvl.min-tiles=1", "spring.ai.internvl.thumbnail=false",
                "spring.ai.internvl.template=internvl2_5", "spring.ai.internvl.system-message=Be brief.",
                "spring.ai.internvl.chat.options.temperature=0.5", "spring.ai.internvl.chat.options.top-p=0.9",
                "spring.ai.internvl.chat.options.top-k=20", "spring.ai.internvl.chat.options.max-tokens=3",
                "spring.ai.internvl.chat.options.repetition-penalty=1.2", "spring.ai.internvl.chat.options.seed=5",
                "spring.ai.internvl.chat.options.stop=END,STOP").run(context -> {
                    InternVL engine = context.getBean(InternVL.class);
                    assertThat(engine.info().dtype()).isEqualTo("fp32");
                    assertThat(engine.info().quantization()).isEqualTo("int8");
                    assertThat(engine.info().devices()).containsExactly("cpu");
                    assertThat(engine.preprocessOptions().maxTiles()).isEqualTo(2);
                    assertThat(engine.preprocessOptions().useThumbnail()).isFalse();
                    assertThat(engine.template().name()).isEqualTo("internvl2_5");
                    assertThat(engine.prompts().systemMessage()).isEqualTo("Be brief.");
                    InternVLChatModel model = context.getBean(InternVLChatModel.class);
                    assertThat(model.getModelId()).isEqualTo("my-vlm");
                    assertThat(model.getOptions()).isEqualTo(InternVLChatOptions.builder().model("my-vlm")
                            .temperature(0.5).topP(0.9).topK(20).maxTokens(3).repetitionPenalty(1.2).seed(5L)
                            .stopSequences(List.of("END", "STOP"))
                            .videoFrames(8).build()); // spring.ai.internvl.video.default-frames
                    ChatResponse r = model.call(new Prompt("Hello"));
                    assertThat(r.getMetadata().getModel()).isEqualTo("my-vlm");
                    assertThat(r.getMetadata().getUsage().getCompletionTokens()).isLessThanOrEqualTo(3);
                });
    }

    @Test
    void batchingDefaultsAreTheEngines() {
        withModel().run(context -> assertThat(InternVLAutoConfiguration.engineOptions(
                context.getBean(InternVLProperties.class)).batching()).isEqualTo(BatchingOptions.defaults()));
    }

    @Test
    void batchingPropertiesReachTheEngine() {
        withModel().withPropertyValues("spring.ai.internvl.batching.max-batch-size=1",
                "spring.ai.internvl.batching.max-queue=1", "spring.ai.internvl.batching.prefill-chunk=16",
                "spring.ai.internvl.batching.vision-tiles-per-step=2",
                "spring.ai.internvl.batching.vision-layers-per-step=3").run(context -> {
                    assertThat(InternVLAutoConfiguration.engineOptions(context.getBean(InternVLProperties.class))
                            .batching()).isEqualTo(new BatchingOptions(1, 1, 16, 2, 3));
                    InternVL engine = context.getBean(InternVL.class);
                    try (Busy busy = Busy.start(engine)) {
                        // one request decoding and one waiting fill a batch of 1 and a queue of 1
                        Health health = context.getBean(InternVLHealthIndicator.class).health(true);
                        assertThat(health.getStatus()).isEqualTo(Status.UP);
                        assertThat(health.getDetails()).containsEntry("running", 1).containsEntry("waiting", 1);
                        assertThatThrownBy(() -> engine.chat(ChatRequest.of("One too many")))
                                .isInstanceOf(RejectedExecutionException.class)
                                .hasMessageStartingWith("the engine is busy");
                    }
                });
    }

    /** One long request decoding (until closed) and one short one waiting behind it. */
    record Busy(EngineHold hold, CompletableFuture<?> waiting) implements AutoCloseable {

        static Busy start(InternVL engine) throws InterruptedException {
            EngineHold hold = EngineHold.start(engine);
            CompletableFuture<?> waiting = CompletableFuture.supplyAsync(() -> engine.chat(ChatRequest
                    .builder("Short").generation(GenerationOptions.builder().maxNewTokens(2).build()).build()),
                    r -> new Thread(r, "busy-engine-test").start());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (engine.stats().waiting() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            return new Busy(hold, waiting);
        }

        @Override
        public void close() throws Exception {
            hold.close();
            waiting.get(1, TimeUnit.MINUTES);
        }
    }

    @Test
    void observationsGoToTheApplicationsRegistry() {
        withModel().withUserConfiguration(Observations.class).run(context -> {
            context.getBean(ChatModel.class).call(new Prompt("Hello",
                    InternVLChatOptions.builder().maxTokens(1).build()));
            assertThat(Observations.STOPPED.get()).isEqualTo(1);
        });
    }

    // --- failures ----------------------------------------------------------------------------------------------

    @Test
    void aMissingModelPathFailsNamingTheProperty() {
        runner.run(context -> assertFailure(context, "spring.ai.internvl.model.path",
                "spring.ai.internvl.model.path is not set"));
    }

    @Test
    void aWrongModelPathFailsNamingTheProperty() throws Exception {
        runner.withPropertyValues("spring.ai.internvl.model.path=" + tmp.resolve("nowhere"))
                .run(context -> assertFailure(context, "spring.ai.internvl.model.path", "no such folder"));
        Path file = Files.writeString(tmp.resolve("a-file.txt"), "not a checkpoint");
        runner.withPropertyValues("spring.ai.internvl.model.path=" + file)
                .run(context -> assertFailure(context, "spring.ai.internvl.model.path", "not a folder"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        runner.withPropertyValues("spring.ai.internvl.model.path=" + empty)
                .run(context -> assertFailure(context, "spring.ai.internvl.model.path", "no config.json"));
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("config.json"), "{ not json");
        runner.withPropertyValues("spring.ai.internvl.model.path=" + broken)
                .run(context -> assertFailure(context, "spring.ai.internvl.model.path",
                        "could not load the InternVL checkpoint"));
    }

    @Test
    void invalidEngineSettingsFailNamingTheProperty() {
        withModel().withPropertyValues("spring.ai.internvl.dtype=bf17")
                .run(context -> assertFailure(context, "spring.ai.internvl.dtype", "spring.ai.internvl.dtype"));
        withModel().withPropertyValues("spring.ai.internvl.max-tiles=0")
                .run(context -> assertFailure(context, "spring.ai.internvl.max-tiles", "between 1 and 40"));
        withModel().withPropertyValues("spring.ai.internvl.min-tiles=41")
                .run(context -> assertFailure(context, "spring.ai.internvl.min-tiles", "between 1 and 40"));
        withModel().withPropertyValues("spring.ai.internvl.min-tiles=6", "spring.ai.internvl.max-tiles=2")
                .run(context -> assertFailure(context, "spring.ai.internvl.min-tiles=6",
                        "spring.ai.internvl.max-tiles=2"));
        withModel().withPropertyValues("spring.ai.internvl.device=tpu")
                .run(context -> assertFailure(context, "spring.ai.internvl.device=tpu", "cuda:N"));
        withModel().withPropertyValues("spring.ai.internvl.quantization=int3")
                .run(context -> assertFailure(context, "spring.ai.internvl.quantization=int3", "int8"));
        withModel().withPropertyValues("spring.ai.internvl.device-map=vision_model=gpu0,*=cpu")
                .run(context -> assertFailure(context, "spring.ai.internvl.device-map", "gpu0"));
        withModel().withPropertyValues("spring.ai.internvl.template=llama-3")
                .run(context -> assertFailure(context, "spring.ai.internvl.template=llama-3", "Hermes-2"));
        withModel().withPropertyValues("spring.ai.internvl.chat.options.top-p=1.5")
                .run(context -> assertFailure(context, "spring.ai.internvl.chat.options", "topP"));
    }

    @Test
    void invalidBatchingSettingsFailNamingTheProperty() {
        withModel().withPropertyValues("spring.ai.internvl.batching.max-batch-size=0")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.max-batch-size=0",
                        "between 1 and 256"));
        withModel().withPropertyValues("spring.ai.internvl.batching.max-batch-size=257")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.max-batch-size=257",
                        "between 1 and 256"));
        withModel().withPropertyValues("spring.ai.internvl.batching.max-queue=-1")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.max-queue=-1", "at least 0"));
        withModel().withPropertyValues("spring.ai.internvl.batching.prefill-chunk=0")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.prefill-chunk=0", "at least 1"));
        withModel().withPropertyValues("spring.ai.internvl.batching.vision-tiles-per-step=0")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.vision-tiles-per-step=0",
                        "at least 1"));
        withModel().withPropertyValues("spring.ai.internvl.batching.vision-layers-per-step=0")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.vision-layers-per-step=0",
                        "at least 1"));
        withModel().withPropertyValues("spring.ai.internvl.batching.max-queue=many")
                .run(context -> assertFailure(context, "spring.ai.internvl.batching.max-queue", "many"));
        // a queue of 0 is valid: every request that finds the batch full is refused
        withModel().withPropertyValues("spring.ai.internvl.batching.max-queue=0")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aBatchingFailureSaysWhichPropertyToUpdate() {
        withModel().withPropertyValues("spring.ai.internvl.batching.max-batch-size=0").run(context -> {
            FailureAnalysis analysis = new InternVLConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).startsWith("spring.ai.internvl.batching.max-batch-size=0");
            assertThat(analysis.getAction()).startsWith("Update spring.ai.internvl.batching.max-batch-size");
        });
    }

    /** The start-up failure's message chain names {@code property} and says {@code detail}. */
    static void assertFailure(AssertableApplicationContext context, String property, String detail) {
        assertThat(context).hasFailed();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertThat(messages.toString()).contains(property).contains(detail);
    }

    @Test
    void theFailureAnalysisSaysWhatToSet() {
        runner.withPropertyValues("spring.ai.internvl.model.path=" + tmp.resolve("nowhere")).run(context -> {
            FailureAnalysis analysis = new InternVLConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).startsWith("spring.ai.internvl.model.path=")
                    .contains("no such folder");
            assertThat(analysis.getAction()).contains("Set spring.ai.internvl.model.path to the folder")
                    .contains("spring.ai.model.chat");
        });
    }

    // --- health ------------------------------------------------------------------------------------------------

    @Test
    void healthReportsTheLoadedModel() {
        withModel().run(context -> {
            Health health = context.getBean(InternVLHealthIndicator.class).health(true);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("model", "tiny-internvl").containsEntry("dtype", "bf16")
                    .containsEntry("device", "cpu").containsEntry("template", "Hermes-2")
                    .containsEntry("path", checkpoint.toAbsolutePath().toString())
                    .containsEntry("running", 0).containsEntry("waiting", 0);
            // the inspection's key facts: the tiny Qwen2 decoder, its tokenizer, and parameters that match the files
            String source = context.getBean(InternVL.class).tokenizer().source();
            assertThat(health.getDetails()).containsEntry("quantization", "none")
                    .containsEntry("tokenizer", source + " (151655 tokens)");
            assertThat((String) health.getDetails().get("decoder")).startsWith("Qwen2ForCausalLM (2 layers, hidden 32");
            assertThat(health.getDetails().get("parameters")).isEqualTo(elementsInFiles(checkpoint));
            assertThat(health.getDetails().get("weightBytes")).isEqualTo(2 * elementsInFiles(checkpoint));
        });
    }

    @Test
    void healthWeightBytesFollowTheQuantizationInUse() {
        withModel().withPropertyValues("spring.ai.internvl.quantization=int8").run(context -> {
            InternVL engine = context.getBean(InternVL.class);
            Health health = context.getBean(InternVLHealthIndicator.class).health(true);
            assertThat(health.getDetails()).containsEntry("quantization", "int8");
            // the decoder's bytes as libtorch measures them once loaded, plus bf16 vision encoder and projector
            Checkpoint ckpt = Checkpoint.open(engine.info().dir());
            long visionAndProjector = 0;
            for (String name : ckpt.names()) {
                if (!name.startsWith("language_model.")) {
                    visionAndProjector += ckpt.tensor(name).numel();
                }
            }
            long decoderBytes;
            try (InternVLModel decoderOnly = InternVLModel.load(engine.info().dir(),
                    ModelOptions.defaults().languageOnly().withQuantization(Quantization.INT8))) {
                decoderBytes = decoderOnly.decoder().weightBytes();
            }
            assertThat(health.getDetails().get("weightBytes")).isEqualTo(decoderBytes + 2 * visionAndProjector);
        });
    }

    @Test
    void theQuantizedDecoderIsCachedWhereThePropertySays(@org.junit.jupiter.api.io.TempDir Path folder) {
        withModel().withPropertyValues("spring.ai.internvl.quantization=int8",
                "spring.ai.internvl.quantization-cache=" + folder).run(context -> {
                    assertThat(context).hasNotFailed();
                    try (Stream<Path> files = Files.walk(folder)) {
                        assertThat(files.map(f -> f.getFileName().toString()))
                                .contains("decoder-int8-bf16.safetensors");
                    }
                });
    }

    @Test
    void packedWeightsFollowTheProperty() {
        withModel().withPropertyValues("spring.ai.internvl.packed-weights=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(InternVL.class).info().packedWeights()).isFalse();
            assertThat(context.getBean(InternVLHealthIndicator.class).health(true).getDetails())
                    .containsEntry("packedWeights", false);
        });
        withModel().run(context -> {
            InternVL engine = context.getBean(InternVL.class);
            boolean packs; // what this machine does by default (bf16 on a CPU with AVX-512 packs)
            long decoderBytes;
            try (InternVLModel m = InternVLModel.load(engine.info().dir(), ModelOptions.defaults().languageOnly())) {
                packs = m.decoder().packed();
                decoderBytes = m.decoder().weightBytes();
            }
            assertThat(engine.info().packedWeights()).isEqualTo(packs);
            // the weights as loaded: a packed tied head's own copy included
            long visionAndProjector = 0;
            Checkpoint ckpt = Checkpoint.open(engine.info().dir());
            for (String name : ckpt.names()) {
                if (!name.startsWith("language_model.")) {
                    visionAndProjector += ckpt.tensor(name).numel();
                }
            }
            assertThat(context.getBean(InternVLHealthIndicator.class).health(true).getDetails().get("weightBytes"))
                    .isEqualTo(decoderBytes + 2 * visionAndProjector);
        });
    }

    /** Elements of all tensors the safetensors headers in {@code dir} declare. */
    static long elementsInFiles(Path dir) throws IOException {
        long n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                for (TensorInfo t : SafetensorsFile.readHeader(f).values()) {
                    n += t.numel();
                }
            }
        }
        return n;
    }

    @Test
    void noHealthIndicatorWhenDisabledOrWithoutActuator() {
        withModel().withPropertyValues("management.health.internvl.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(InternVL.class)
                        .doesNotHaveBean(InternVLHealthIndicator.class));
        withModel().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasSingleBean(InternVLChatModel.class)
                        .doesNotHaveBean(InternVLHealthIndicator.class));
    }

    // --- user configurations -----------------------------------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    static class UserChatModel {
        static final ChatModel MODEL = prompt -> {
            throw new UnsupportedOperationException("not called");
        };

        @Bean
        ChatModel myChatModel() {
            return MODEL;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserEngine {
        @Bean(destroyMethod = "")
        InternVL myEngine() {
            return userEngine;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Observations {
        static final AtomicInteger STOPPED = new AtomicInteger();

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return true;
                }

                @Override
                public void onStop(Observation.Context context) {
                    STOPPED.incrementAndGet();
                }
            });
            return registry;
        }
    }
}
