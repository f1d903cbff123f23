package dev.internvl.grounding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OCR answers and key/value lines. */
class OcrResultTest {

    @Test
    void linesOfAnAnswer() {
        OcrResult r = OcrResult.of("  STOP\r\n\r\n  Main St.  \n\tOne way \n");
        assertEquals("STOP\r\n\r\n  Main St.  \n\tOne way", r.text());
        assertEquals(List.of("STOP", "Main St.", "One way"), r.lines());
        assertEquals("  STOP\r\n\r\n  Main St.  \n\tOne way \n", r.raw());
    }

    @Test
    void aFenceAroundTheWholeAnswerIsRemoved() {
        OcrResult r = OcrResult.of("```text\nLine one\nLine two\n```");
        assertEquals("Line one\nLine two", r.text());
        assertEquals(List.of("Line one", "Line two"), r.lines());
        assertEquals("Code: ```x``` inline", OcrResult.of("Code: ```x``` inline").text());
        assertEquals("``````", OcrResult.of("``````").text());
    }

    @Test
    void emptyAndNullAnswers() {
        for (String s : new String[] {null, "", "  \n "}) {
            OcrResult r = OcrResult.of(s);
            assertEquals("", r.text());
            assertEquals(List.of(), r.lines());
            assertTrue(r.keyValues().isEmpty());
        }
    }

    @Test
    void keyValueLines() {
        String answer = """
                Here is the information:
                ```
                - **Name**: John Smith
                * Date: 2024-05-01
                1. Time: 12:30
                2) 总计：¥ 128.00
                "Invoice No": "INV-0042",
                __Address__ :  1 Main St, Springfield
                Name: Someone Else
                12:45 delivery
                https://example.invalid/receipt
                : no key
                Just a sentence without a colon
                Note:
                ```
                """;
        Map<String, String> kv = KeyValueParser.parse(answer);
        assertEquals(List.of("Here is the information", "Name", "Date", "Time", "总计", "Invoice No", "Address",
                "Note"), List.copyOf(kv.keySet()));
        assertEquals("", kv.get("Here is the information"));
        assertEquals("John Smith", kv.get("Name")); // the first value of a repeated key is kept
        assertEquals("2024-05-01", kv.get("Date"));
        assertEquals("12:30", kv.get("Time"));
        assertEquals("¥ 128.00", kv.get("总计"));
        assertEquals("INV-0042", kv.get("Invoice No"));
        assertEquals("1 Main St, Springfield", kv.get("Address"));
        assertEquals("", kv.get("Note"));
        assertEquals(kv, OcrResult.of(answer).keyValues());
        assertThrows(UnsupportedOperationException.class, () -> kv.put("x", "y"));
    }

    @Test
    void keyValueParserNeverThrowsAndStaysLinear() {
        assertTrue(KeyValueParser.parse(null).isEmpty());
        assertTrue(KeyValueParser.parse("").isEmpty());
        assertTrue(KeyValueParser.parse(":::\n\"\":\"\"\n**:**\n- \n1.\n").isEmpty());
        assertEquals(Map.of("k" + "x".repeat(98), "v"), KeyValueParser.parse("k" + "x".repeat(98) + ": v\n"
                + "x".repeat(101) + ": too long"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertEquals(1, KeyValueParser.parse("key: value\n".repeat(200_000)).size());
            assertTrue(KeyValueParser.parse(":".repeat(2_000_000)).isEmpty());
            assertEquals(1, KeyValueParser.parse("a" + ":".repeat(2_000_000)).size());
        });
    }
}
