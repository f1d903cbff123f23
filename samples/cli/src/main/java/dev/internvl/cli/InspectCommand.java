package dev.internvl.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.internvl.CheckpointInspection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code inspect}: what a checkpoint folder holds and whether the engine will load it, reading only config.json,
 * the tokenizer files and the safetensors headers, so it answers before the weights are downloaded.
 */
@Command(name = "inspect", description = {
        "Check a checkpoint folder without loading weights: vision and language parts, template, tokenizer and "
                + "its special-token ids, weight files against the tensors the engine needs, parameter counts and "
                + "the memory the weights take (bf16, int8, int4).",
        "Exits 0 when the folder will load, 1 with the reasons otherwise."})
final class InspectCommand implements Callable<Integer> {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();

    @Option(names = "--model", required = true, description = "Checkpoint folder (weights optional), or Hugging "
            + "Face model id (org/name[@revision]): then only its configuration and tokenizer files are downloaded, "
            + "to tell before the weights whether it will work and how much memory it needs.")
    ModelLocation location;

    @Option(names = "--template", description = "Template override (default: config.json's).")
    String template;

    @Option(names = "--system", description = "System message override.")
    String system;

    @Option(names = "--json", description = "Print the facts as JSON.")
    boolean json;

    @Override
    public Integer call() {
        CheckpointInspection inspection;
        try {
            inspection = CheckpointInspection.inspect(location.dirWithoutWeights(), template, system);
        } catch (RuntimeException e) {
            if (!json) {
                throw e;
            }
            Map<String, Object> failed = new LinkedHashMap<>();
            failed.put("model", location.toString());
            failed.put("willLoad", false);
            failed.put("problems", List.of(Main.oneLine(e)));
            System.out.println(GSON.toJson(failed));
            return 1;
        }
        System.out.print(json ? GSON.toJson(inspection.toMap()) + System.lineSeparator() : inspection.render());
        return inspection.willLoad() ? 0 : 1;
    }
}
