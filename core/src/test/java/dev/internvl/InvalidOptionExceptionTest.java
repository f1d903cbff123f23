package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Each option rule is checked where the option is made, and names the field and the rule. */
class InvalidOptionExceptionTest {

    @Test
    void anOptionOutOfRangeNamesItsFieldItsRuleAndItsValue() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> GenerationOptions.builder().topP(1.5).build());
        assertEquals("topP", e.field());
        assertEquals("topP", e.param());
        assertEquals(InvalidOptionException.INVALID_VALUE, e.code());
        assertEquals("must be in (0, 1] (1 is off)", e.rule());
        assertEquals("topP must be in (0, 1] (1 is off), got 1.5", e.getMessage());
    }

    @Test
    void aLayerThatNamesTheFieldOtherwiseRenamesItWithoutCheckingAgain() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> GenerationOptions.builder().maxNewTokens(0).build());
        InvalidOptionException renamed = e.renamed("max_tokens", "");
        assertEquals("max_tokens must be at least 1, got 0", renamed.getMessage());
        assertEquals("max_tokens", renamed.param());
        assertEquals(e.rule(), renamed.rule());
        assertSame(e, renamed.getCause());
    }

    @Test
    void theTileLimitIsOneRuleForEngineRequestAndTaskOptions() {
        String rule = "must be between 1 and 40";
        assertEquals("maxTiles " + rule + ", got 41", assertThrows(InvalidOptionException.class,
                () -> EngineOptions.defaults().withTiles(null, 41, null)).getMessage());
        assertEquals("minTiles " + rule + ", got 0", assertThrows(InvalidOptionException.class,
                () -> EngineOptions.defaults().withTiles(0, null, null)).getMessage());
        assertEquals("maxTiles " + rule + ", got 0", assertThrows(InvalidOptionException.class,
                () -> dev.internvl.grounding.VisionTaskOptions.defaults().withMaxTiles(0)).getMessage());
        assertEquals("minTiles must not be greater than maxTiles=2, got 6", assertThrows(InvalidOptionException.class,
                () -> EngineOptions.defaults().withTiles(6, 2, null)).getMessage());
        InvalidOptionException.checkTiles("maxTiles", null);
        InvalidOptionException.checkTiles("maxTiles", 1);
        InvalidOptionException.checkTiles("maxTiles", 40);
    }

    @Test
    void batchingRangesAreTheEnginesOwn() {
        assertEquals("maxBatch must be between 1 and 256, got 257", assertThrows(InvalidOptionException.class,
                () -> new BatchingOptions(257, 0, 1, 1, 1)).getMessage());
        assertEquals("maxQueue must be at least 0, got -1", assertThrows(InvalidOptionException.class,
                () -> new BatchingOptions(1, -1, 1, 1, 1)).getMessage());
    }
}
