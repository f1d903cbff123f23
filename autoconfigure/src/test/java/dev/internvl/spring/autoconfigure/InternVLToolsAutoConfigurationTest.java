package dev.internvl.spring.autoconfigure;

import dev.internvl.testing.TinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.InternVL;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.tools.ImageStore;
import dev.internvl.spring.ai.tools.InternVLToolCallbackProvider;
import dev.internvl.spring.ai.tools.InternVLVisionBackend;
import dev.internvl.spring.ai.tools.VisionBackend;
import dev.internvl.spring.ai.tools.VisionTool;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Which tool beans appear for which properties and beans. */
class InternVLToolsAutoConfigurationTest {

    static final List<String> BUILT_IN = List.of("locate_objects", "read_text", "describe_image", "crop_region",
            "ask_about_region", "draw_boxes");

    @TempDir
    static Path tmp;

    static Path checkpoint;

    static InternVL engine;

    @BeforeAll
    static void load() {
        checkpoint = TinyModel.write(tmp.resolve("tiny-internvl"));
        engine = InternVL.load(checkpoint);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                    InternVLChatAutoConfiguration.class, InternVLToolsAutoConfiguration.class))
            .withUserConfiguration(UserEngine.class);

    static List<String> toolNames(AssertableApplicationContext context) {
        ToolCallbackProvider provider = context.getBean(InternVLToolsAutoConfiguration.PROVIDER_BEAN,
                ToolCallbackProvider.class);
        return Arrays.stream(provider.getToolCallbacks()).map(c -> c.getToolDefinition().name()).toList();
    }

    @Test
    void theSixToolsTheStoreAndTheBackendByDefault() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InternVLToolCallbackProvider.class)
                    .hasSingleBean(ImageStore.class).hasSingleBean(VisionBackend.class);
            assertThat(toolNames(context)).containsExactlyElementsOf(BUILT_IN);
            InternVLToolCallbackProvider provider = context.getBean(InternVLToolCallbackProvider.class);
            assertThat(provider.getImageStore()).isSameAs(context.getBean(ImageStore.class));
            assertThat(provider.getBackend()).isSameAs(context.getBean(VisionBackend.class));
            InternVLVisionBackend backend = (InternVLVisionBackend) context.getBean(VisionBackend.class);
            assertThat(backend.engine()).isSameAs(engine);
            assertThat(backend.options()).isEqualTo(VisionTaskOptions.defaults());
            ImageStore store = context.getBean(ImageStore.class);
            assertThat(store.maxImages()).isEqualTo(ImageStore.DEFAULT_MAX_IMAGES);
            assertThat(store.maxBytes()).isEqualTo(ImageStore.DEFAULT_MAX_BYTES);
            assertThat(store.maxDataUriLength()).isEqualTo(ImageStore.DEFAULT_MAX_DATA_URI_LENGTH);
        });
    }

    @Test
    void theToolsWorkOnTheContextsStore() {
        runner.withPropertyValues("spring.ai.internvl.tools.max-tokens=4", "spring.ai.internvl.tools.max-tiles=1")
                .run(context -> {
                    ImageStore store = context.getBean(ImageStore.class);
                    String id = store.put(TinyModel.png(48, 32, 1), "picture.png").id();
                    ToolCallback crop = context.getBean(InternVLToolCallbackProvider.class).getToolCallbacks()[3];
                    String result = crop.call("{\"image\":\"" + id + "\",\"box\":{\"x1\":0,\"y1\":0,\"x2\":24,"
                            + "\"y2\":16}}");
                    assertThat(result).contains("\"source\":\"" + id + "\"", "\"width\":24", "\"height\":16");
                    ToolCallback describe = context.getBean(InternVLToolCallbackProvider.class).getToolCallbacks()[2];
                    assertThat(describe.call("{\"image\":\"" + id + "\"}")).contains("\"answer\":");
                    VisionTaskOptions options = ((InternVLVisionBackend) context.getBean(VisionBackend.class))
                            .options();
                    assertThat(options.maxTiles()).isEqualTo(1);
                    assertThat(options.generation().maxNewTokens()).isEqualTo(4);
                });
    }

    @Test
    void theMasterSwitchTurnsEverythingOff() {
        runner.withPropertyValues("spring.ai.internvl.tools.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InternVLChatModel.class)
                    .doesNotHaveBean(ToolCallbackProvider.class).doesNotHaveBean(ImageStore.class)
                    .doesNotHaveBean(VisionBackend.class);
        });
    }

    @Test
    void eachToolHasItsSwitch() {
        runner.withPropertyValues("spring.ai.internvl.tools.draw-boxes.enabled=false",
                "spring.ai.internvl.tools.read_text.enabled=false", // relaxed binding: the tool's own name works too
                "spring.ai.internvl.tools.image-store.max-images=3")
                .run(context -> {
                    assertThat(toolNames(context)).containsExactly("locate_objects", "describe_image", "crop_region",
                            "ask_about_region");
                    assertThat(context.getBean(ImageStore.class).maxImages()).isEqualTo(3);
                });
    }

    @Test
    void imageStoreLimitsComeFromProperties() {
        runner.withPropertyValues("spring.ai.internvl.tools.image-store.max-images=5",
                "spring.ai.internvl.tools.image-store.max-bytes=10MB",
                "spring.ai.internvl.tools.image-store.max-data-uri-size=64KB")
                .run(context -> {
                    ImageStore store = context.getBean(ImageStore.class);
                    assertThat(store.maxImages()).isEqualTo(5);
                    assertThat(store.maxBytes()).isEqualTo(10L << 20);
                    assertThat(store.maxDataUriLength()).isEqualTo(64L << 10);
                });
    }

    @Test
    void invalidSettingsFailNamingTheProperty() {
        Map<String, String> cases = Map.of(
                "spring.ai.internvl.tools.image-store.max-images=0", "spring.ai.internvl.tools.image-store.max-images",
                "spring.ai.internvl.tools.image-store.max-bytes=2B", "spring.ai.internvl.tools.image-store.max-bytes",
                "spring.ai.internvl.tools.max-tiles=41", "spring.ai.internvl.tools.max-tiles",
                "spring.ai.internvl.tools.max-tokens=0", "spring.ai.internvl.tools.max-tokens");
        cases.forEach((setting, property) -> runner.withPropertyValues(setting).run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof InternVLConfigurationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).as(setting).isInstanceOf(InternVLConfigurationException.class);
            assertThat(((InternVLConfigurationException) cause).getProperty()).isEqualTo(property);
            assertThat(cause.getMessage()).startsWith(property + "=");
        }));
    }

    @Test
    void userVisionToolsJoinTheProviderAndHaveSwitchesToo() {
        runner.withUserConfiguration(UserTools.class).run(context -> {
            assertThat(toolNames(context)).containsExactly("locate_objects", "read_text", "describe_image",
                    "crop_region", "ask_about_region", "draw_boxes", "count_objects");
            InternVLToolCallbackProvider provider = context.getBean(InternVLToolCallbackProvider.class);
            ImageStore store = context.getBean(ImageStore.class);
            String id = store.put(TinyModel.png(16, 16, 0), "p.png").id();
            assertThat(provider.getToolCallbacks()[6].call("{\"image\":\"" + id + "\"}")).isEqualTo("{\"width\":16}");
        });
        runner.withUserConfiguration(UserTools.class)
                .withPropertyValues("spring.ai.internvl.tools.count-objects.enabled=false")
                .run(context -> assertThat(toolNames(context)).containsExactlyElementsOf(BUILT_IN));
    }

    @Test
    void aUserToolNamedLikeABuiltInOneReplacesIt() {
        runner.withUserConfiguration(UserDescribe.class).run(context -> {
            assertThat(toolNames(context)).containsExactlyElementsOf(BUILT_IN);
            assertThat(context.getBean(InternVLToolCallbackProvider.class).getToolCallbacks()[2].getToolDefinition()
                    .description()).isEqualTo("Our own description tool.");
        });
        runner.withUserConfiguration(UserDescribe.class)
                .withPropertyValues("spring.ai.internvl.tools.describe-image.enabled=false")
                .run(context -> assertThat(toolNames(context)).doesNotContain("describe_image"));
    }

    @Test
    void aUserProviderWins() {
        runner.withUserConfiguration(UserProviderByName.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(InternVLToolCallbackProvider.class);
            assertThat(context.getBean(InternVLToolsAutoConfiguration.PROVIDER_BEAN))
                    .isSameAs(UserProviderByName.PROVIDER);
            assertThat(context).hasSingleBean(ImageStore.class); // the store is still there for the application
        });
        runner.withUserConfiguration(UserProviderByType.class).run(context -> {
            assertThat(context).hasSingleBean(InternVLToolCallbackProvider.class);
            assertThat(context.getBean(InternVLToolCallbackProvider.class).getToolNames())
                    .containsExactly("locate_objects");
            assertThat(context).doesNotHaveBean(InternVLToolsAutoConfiguration.PROVIDER_BEAN);
        });
    }

    @Test
    void otherToolCallbackProvidersDoNotHideOurs() {
        runner.withUserConfiguration(OtherProvider.class).run(context -> {
            assertThat(context.getBeansOfType(ToolCallbackProvider.class)).hasSize(2);
            assertThat(toolNames(context)).containsExactlyElementsOf(BUILT_IN);
        });
    }

    @Test
    void aUserStoreAndBackendWin() {
        runner.withUserConfiguration(UserStore.class).run(context -> {
            assertThat(context.getBean(ImageStore.class)).isSameAs(UserStore.STORE);
            assertThat(context.getBean(InternVLToolCallbackProvider.class).getImageStore()).isSameAs(UserStore.STORE);
        });
    }

    @Test
    void noToolsWithoutAnEngine() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                        InternVLChatAutoConfiguration.class, InternVLToolsAutoConfiguration.class))
                .withPropertyValues("spring.ai.model.chat=none")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(InternVL.class)
                        .doesNotHaveBean(ToolCallbackProvider.class).doesNotHaveBean(ImageStore.class));
    }

    @Test
    void enablingTheToolsLoadsTheEngineForAPlannerOfAnotherProvider() {
        ApplicationContextRunner loading = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                        InternVLChatAutoConfiguration.class, InternVLToolsAutoConfiguration.class))
                .withPropertyValues("spring.ai.model.chat=openai", "spring.ai.internvl.model.path=" + checkpoint);
        loading.withPropertyValues("spring.ai.internvl.tools.enabled=true").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InternVL.class)
                    .hasSingleBean(InternVLToolCallbackProvider.class).doesNotHaveBean(ChatModel.class);
            assertThat(toolNames(context)).containsExactlyElementsOf(BUILT_IN);
        });
        // the default (true, but not set) does not load a model nobody asked for
        loading.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(InternVL.class)
                .doesNotHaveBean(ToolCallbackProvider.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class UserEngine {
        @Bean(destroyMethod = "")
        InternVL internVL() {
            return engine;
        }
    }

    record ImageInput(@ToolParam(description = "Image id or data: URI") String image) {
    }

    @Configuration(proxyBeanMethods = false)
    static class UserTools {
        @Bean
        VisionTool<ImageInput> countObjects() {
            return VisionTool.of("count_objects", "Tells the width of an image.", ImageInput.class,
                    (in, ctx) -> Map.of("width", ctx.image(in.image()).width()));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserDescribe {
        @Bean
        VisionTool<ImageInput> ourDescribe() {
            return VisionTool.of("describe_image", "Our own description tool.", ImageInput.class,
                    (in, ctx) -> "described");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserProviderByName {
        static final ToolCallbackProvider PROVIDER = ToolCallbackProvider.from(List.of());

        @Bean(InternVLToolsAutoConfiguration.PROVIDER_BEAN)
        ToolCallbackProvider internVLToolCallbackProvider() {
            return PROVIDER;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserProviderByType {
        @Bean
        InternVLToolCallbackProvider myVisionTools(VisionBackend backend, ImageStore store) {
            return InternVLToolCallbackProvider.builder(backend, store).enabled("locate_objects"::equals).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OtherProvider {
        @Bean
        ToolCallbackProvider weatherTools() {
            return ToolCallbackProvider.from(List.of());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserStore {
        static final ImageStore STORE = new ImageStore(2, 1 << 20, 1 << 10);

        @Bean
        ImageStore myStore() {
            return STORE;
        }
    }
}
