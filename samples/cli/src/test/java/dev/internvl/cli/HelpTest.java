package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code <command> --help}, as the README says: the usage on standard output and exit 0, for every command. */
class HelpTest {

    @ParameterizedTest
    @ValueSource(strings = {"chat", "preprocess", "prompt", "vision", "logits", "bench", "boxes", "ground", "ocr",
            "inspect", "gguf"})
    void everyCommandAnswersHelp(String command) {
        CliTest.Run r = CliTest.cli(command, "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Usage: internvl-cli " + command), r.out());
        assertTrue(r.out().contains("--help"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void theTopLevelAnswersHelpToo(String option) {
        CliTest.Run r = CliTest.cli(option);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("inspect"), r.out());
    }
}
