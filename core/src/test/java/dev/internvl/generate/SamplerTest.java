package dev.internvl.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.GenerationOptions;
import dev.internvl.InvalidRequestException;
import org.junit.jupiter.api.Test;

class SamplerTest {

    static int draw(GenerationOptions o, float... logits) {
        return new Sampler(o).next(logits.clone(), new long[0], 0);
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(2, draw(GenerationOptions.defaults(), 0f, 1f, 3f, 3f, -1f));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        float[] l = {2f, -2f, 1f};
        Sampler.applyRepetitionPenalty(l, new long[] {0, 1, 0}, 3, 2f);
        assertEquals(1f, l[0]);
        assertEquals(-4f, l[1]);
        assertEquals(1f, l[2]);
    }

    @Test
    void repetitionPenaltyCanChangeTheGreedyChoice() {
        GenerationOptions o = GenerationOptions.builder().repetitionPenalty(1.5).build();
        float[] l = {3f, 2.5f};
        assertEquals(1, new Sampler(o).next(l, new long[] {0}, 1));
    }

    @Test
    void topKOfOneIsGreedy() {
        GenerationOptions o = GenerationOptions.builder().temperature(1.0).topK(1).seed(7L).build();
        for (int i = 0; i < 50; i++) {
            assertEquals(3, new Sampler(o.toBuilder().seed((long) i).build()).next(new float[] {1, 2, 0, 2.5f},
                    new long[0], 0));
        }
    }

    @Test
    void sameSeedSameDraws() {
        GenerationOptions o = GenerationOptions.builder().temperature(1.0).seed(42L).build();
        Sampler a = new Sampler(o);
        Sampler b = new Sampler(o);
        float[] l = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
        for (int i = 0; i < 100; i++) {
            assertEquals(a.next(l.clone(), new long[0], 0), b.next(l.clone(), new long[0], 0));
        }
    }

    @Test
    void samplingFollowsTheSoftmaxAtTheTemperature() {
        GenerationOptions o = GenerationOptions.builder().temperature(0.5).seed(1L).build();
        Sampler s = new Sampler(o);
        float[] l = {0f, (float) Math.log(2) / 2, (float) Math.log(4) / 2}; // at T=0.5: probabilities 1:2:4
        int[] counts = new int[3];
        int n = 70_000;
        for (int i = 0; i < n; i++) {
            counts[s.next(l.clone(), new long[0], 0)]++;
        }
        assertEquals(1 / 7.0, counts[0] / (double) n, 0.01);
        assertEquals(2 / 7.0, counts[1] / (double) n, 0.01);
        assertEquals(4 / 7.0, counts[2] / (double) n, 0.01);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities 0.5, 0.3, 0.2: p=0.7 keeps the first two, never the third
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        Sampler s = new Sampler(GenerationOptions.builder().temperature(1).topP(0.7).seed(3L).build());
        int[] counts = new int[3];
        for (int i = 0; i < 20_000; i++) {
            counts[s.next(l.clone(), new long[0], 0)]++;
        }
        assertEquals(0, counts[2]);
        assertEquals(0.5 / 0.8, counts[0] / 20_000.0, 0.02);
        // p=0.5 keeps only the first (the mass before the second is already 0.5)
        Sampler only = new Sampler(GenerationOptions.builder().temperature(1).topP(0.5).seed(3L).build());
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, only.next(l.clone(), new long[0], 0));
        }
    }

    @Test
    void topKKeepsTiesWithTheKthLogit() {
        Sampler s = new Sampler(GenerationOptions.builder().temperature(1).topK(2).seed(5L).build());
        boolean[] seen = new boolean[4];
        for (int i = 0; i < 3000; i++) {
            seen[s.next(new float[] {5f, 1f, 1f, 0f}, new long[0], 0)] = true;
        }
        assertTrue(seen[0] && seen[1] && seen[2]);
        assertTrue(!seen[3]);
    }

    @Test
    void nanLogitsAreAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> draw(GenerationOptions.defaults(), Float.NaN, Float.NaN));
        assertTrue(e.getMessage().contains("NaN"));
    }

    @Test
    void badOptionsAreRejectedWithTheirName() {
        assertTrue(assertThrows(InvalidRequestException.class, () -> GenerationOptions.builder().topP(0).build())
                .getMessage().contains("topP"));
        assertTrue(assertThrows(InvalidRequestException.class,
                () -> GenerationOptions.builder().temperature(-1).build()).getMessage().contains("temperature"));
        assertTrue(assertThrows(InvalidRequestException.class,
                () -> GenerationOptions.builder().maxNewTokens(0).build()).getMessage().contains("maxNewTokens"));
    }
}
