package dev.internvl.testing;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatListener;
import dev.internvl.ChatRequest;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps a row of an engine's running batch busy with a long request until closed: the fixture of the tests of a
 * busy engine (a full queue, a 503, health under load).
 */
public final class EngineHold implements AutoCloseable {

    private final AtomicBoolean release = new AtomicBoolean();
    private final CountDownLatch decoding = new CountDownLatch(1);
    private final CompletableFuture<ChatAnswer> result;

    private EngineHold(InternVL engine) {
        ChatListener listener = new ChatListener() {
            @Override
            public void onText(String delta) {
            }

            @Override
            public void onToken(long tokenId) {
                decoding.countDown();
            }

            @Override
            public boolean cancelled() {
                return release.get();
            }
        };
        ChatRequest longOne = ChatRequest.builder("Keep going")
                .generation(GenerationOptions.builder().maxNewTokens(5000).build()).build();
        result = CompletableFuture.supplyAsync(() -> engine.chat(longOne, listener),
                r -> new Thread(r, "engine-hold").start());
    }

    /** Starts the long request on its own thread and returns once it decodes. */
    public static EngineHold start(InternVL engine) throws InterruptedException {
        EngineHold hold = new EngineHold(engine);
        if (!hold.decoding.await(1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the holding request did not start decoding within a minute");
        }
        return hold;
    }

    /** The holding request's answer (finish reason CANCELLED once released or once the engine closes). */
    public CompletableFuture<ChatAnswer> result() {
        return result;
    }

    /** Cancels the holding request and waits for it to end. */
    @Override
    public void close() throws Exception {
        release.set(true);
        result.get(1, TimeUnit.MINUTES);
    }
}
