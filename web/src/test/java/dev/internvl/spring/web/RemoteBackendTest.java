package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.GenerationOptions;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.remote.RemoteEngine;
import dev.internvl.remote.RemoteOptions;
import dev.internvl.text.SpecialTokensInText;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The remote backend on two replicas of this project's own server (its chat completions endpoint in a real Tomcat
 * each, on loopback, over the tiny checkpoint): the same answers and grounding boxes as in-process, and requests
 * that go on, none lost or answered twice, when a replica stops in the middle.
 */
class RemoteBackendTest {

    private static final GenerationOptions GREEDY = GenerationOptions.builder().maxNewTokens(Fixture.MAX_TOKENS)
            .build();

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /**
     * A replica as an application's own back end is set up: its caller is the application (trusted), so the text of
     * InternVL's markers in the prompts it sends (the grounding prompt's {@code <ref>}) is the markers.
     */
    private LoopbackServer replica() {
        return replica(0);
    }

    private LoopbackServer replica(int port) {
        ApiSettings trusted = ApiSettings.builder().specialTokensInText(SpecialTokensInText.REFERENCE).build();
        LoopbackServer s = LoopbackServer.start(port, trusted, new ChatCompletionsController(Fixture.chatModel(),
                trusted));
        open.add(s);
        return s;
    }

    private RemoteEngine remote(LoopbackServer... servers) {
        return remote(Duration.ofSeconds(30), servers);
    }

    private RemoteEngine remote(Duration downFor, LoopbackServer... servers) {
        List<URI> urls = new ArrayList<>();
        for (LoopbackServer s : servers) {
            urls.add(URI.create("http://127.0.0.1:" + s.port()));
        }
        RemoteEngine e = RemoteEngine.connect(RemoteOptions.of(RemoteOptions.Flavor.INTERNVL, Fixture.MODEL, urls)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(60), downFor)
                .withDefaults(GREEDY));
        open.add(e);
        return e;
    }

    private static RgbImage picture(int w, int h, int seed) {
        return ImageDecoder.decode(Fixture.png(w, h, seed), "picture.png");
    }

    @Test
    void answersAndPromptsAreTheInProcessEnginesOnes() {
        RemoteEngine remote = remote(replica());
        List<ChatRequest> requests = List.of(
                ChatRequest.builder("Hello there").generation(GREEDY).build(),
                ChatRequest.builder("What is in the picture?").image(picture(64, 48, 3)).generation(GREEDY).build(),
                ChatRequest.builder("Compare them.").image(picture(64, 48, 4)).image(picture(48, 64, 5))
                        .maxTiles(2).generation(GREEDY).build(),
                ChatRequest.builder("Describe it.").image(picture(80, 40, 6)).systemMessage("Be brief.")
                        .generation(GREEDY).build());
        for (ChatRequest r : requests) {
            ChatAnswer local = Fixture.engine().chat(r);
            ChatAnswer far = remote.chat(r);
            assertThat(far.text()).as(r.question()).isEqualTo(local.text());
            assertThat(far.promptTokens()).as(r.question()).isEqualTo(local.promptTokens());
            assertThat(far.completionTokens()).as(r.question()).isEqualTo(local.completionTokens());
            assertThat(far.history()).as(r.question()).isEqualTo(local.history());
        }
        // a second round about the same picture, with the first round's history
        ChatRequest first = requests.get(1);
        ChatAnswer local = Fixture.engine().chat(ChatRequest.builder("And the colours?").image(first.images().get(0))
                .history(Fixture.engine().chat(first).history()).generation(GREEDY).build());
        ChatAnswer far = remote.chat(ChatRequest.builder("And the colours?").image(first.images().get(0))
                .history(remote.chat(first).history()).generation(GREEDY).build());
        assertThat(far.text()).isEqualTo(local.text());
        assertThat(far.promptTokens()).isEqualTo(local.promptTokens());
    }

    @Test
    void groundingGivesTheSameBoxesRemotely() {
        RemoteEngine remote = remote(replica());
        VisionTaskOptions options = VisionTaskOptions.defaults().withGeneration(GenerationOptions.builder()
                .maxNewTokens(24).build());
        RgbImage image = picture(120, 80, 7);
        GroundingResult local = VisionTasks.ground(Fixture.engine(), image, "the square", options);
        GroundingResult far = VisionTasks.ground(remote, image, "the square", options);
        // the tiny model's words are random, but they are the same words, markers and boxes included
        assertThat(far.raw()).isEqualTo(local.raw());
        assertThat(far.refs()).isEqualTo(local.refs());
    }

    @Test
    void requestsGoOnWhenAReplicaStopsInTheMiddle() throws Exception {
        LoopbackServer a = replica();
        LoopbackServer b = replica();
        RemoteEngine remote = remote(a, b);
        ChatRequest question = ChatRequest.builder("Count to three.").generation(GREEDY).build();
        String expected = Fixture.engine().chat(question).text();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ChatAnswer>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                if (i == 12) {
                    for (Future<ChatAnswer> f : answers) {
                        f.get(); // what it is answering ends first (a graceful stop)
                    }
                    a.close(); // then the replica goes away; the requests that follow find it gone
                }
                answers.add(pool.submit(() -> remote.chat(question)));
                Thread.sleep(5);
            }
            for (Future<ChatAnswer> f : answers) {
                assertThat(f.get().text()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
        List<RemoteEngine.ReplicaStatus> replicas = remote.replicas();
        assertThat(replicas.get(0).up()).isFalse();
        assertThat(replicas.get(0).answered() + replicas.get(1).answered()).isEqualTo(40);
        assertThat(replicas.get(0).answered()).isGreaterThan(0);
    }

    /**
     * The load test of the remote backend (bounded, loopback): 200 requests over two replicas, 8 at a time, with one
     * replica restarted in the middle as a graceful restart does it (it stops taking requests, finishes the answers
     * it had begun, stops, and starts again on the same port). Every request gets its one answer; the figures are printed
     * for docs/scale-out.md.
     */
    @Test
    void twoHundredRequestsOverTwoReplicasWithOneRestartedLoseNone() throws Exception {
        LoopbackServer first = replica();
        int portA = first.port();
        LoopbackServer b = replica();
        RemoteEngine remote = remote(Duration.ofMillis(300), first, b);
        List<ChatRequest> questions = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ChatRequest q = ChatRequest.builder("Question number " + i).generation(GREEDY).build();
            questions.add(q);
            expected.add(Fixture.engine().chat(q).text());
        }
        ExecutorService pool = Executors.newFixedThreadPool(9);
        java.util.concurrent.Semaphore eight = new java.util.concurrent.Semaphore(8);
        long[] latencies = new long[200];
        long[] beforeRestart = new long[1];
        boolean[] wentDown = new boolean[1];
        long start = System.nanoTime();
        int failed = 0;
        try {
            List<Future<ChatAnswer>> answers = new ArrayList<>();
            Future<?> restart = null;
            for (int i = 0; i < 200; i++) {
                eight.acquire(); // 8 requests at a time
                int n = i;
                answers.add(pool.submit(() -> {
                    try {
                        long t0 = System.nanoTime();
                        ChatAnswer r = remote.chat(questions.get(n % 4));
                        latencies[n] = System.nanoTime() - t0;
                        return r;
                    } finally {
                        eight.release();
                    }
                }));
                if (i == 100) {
                    // a graceful restart while requests go on: no new connections, what it answers ends, it stops,
                    // requests meanwhile find it gone, then it starts again on its port
                    restart = pool.submit(() -> {
                        first.stopAccepting();
                        Thread.sleep(1500); // the answers it had begun end (each takes a fraction of that)
                        first.close(); // requests it held unanswered go elsewhere
                        beforeRestart[0] = remote.replicas().get(0).answered();
                        long until = System.nanoTime() + 3_000_000_000L;
                        while (remote.replicas().get(0).up() && System.nanoTime() < until) {
                            Thread.sleep(5);
                        }
                        wentDown[0] = !remote.replicas().get(0).up();
                        replica(portA);
                        return null;
                    });
                }
            }
            restart.get();
            for (int i = 0; i < answers.size(); i++) {
                try {
                    assertThat(answers.get(i).get().text()).isEqualTo(expected.get(i % 4));
                } catch (java.util.concurrent.ExecutionException e) {
                    failed++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        java.util.Arrays.sort(latencies);
        List<RemoteEngine.ReplicaStatus> replicas = remote.replicas();
        System.out.printf(java.util.Locale.ROOT, "remote load: 200 requests, 8 at a time, %.1f s, %.1f requests/s, "
                + "latency median %.0f ms, p95 %.0f ms, max %.0f ms; answered by the restarted replica %d (%d before "
                + "its restart), by the other %d; failed %d%n", seconds, 200 / seconds, latencies[100] / 1e6,
                latencies[190] / 1e6, latencies[199] / 1e6, replicas.get(0).answered(), beforeRestart[0],
                replicas.get(1).answered(), failed);
        assertThat(failed).isZero();
        assertThat(replicas.get(0).answered() + replicas.get(1).answered()).isEqualTo(200);
        assertThat(wentDown[0]).as("the stopped replica was passed over").isTrue();
        assertThat(beforeRestart[0]).isGreaterThan(0);
        assertThat(replicas.get(1).answered()).isGreaterThan(0);
    }
}
