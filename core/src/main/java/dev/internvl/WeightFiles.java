package dev.internvl;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.SafetensorsFile;
import dev.internvl.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a checkpoint folder holds in weight files, read from the safetensors headers only and never failing on a bad
 * file: the files {@link dev.internvl.checkpoint.Checkpoint#open} would read (the shards of
 * {@code model.safetensors.index.json}, else {@code model.safetensors}, else every {@code .safetensors}), the shards
 * the index lists that are missing, and the weight files it would not read.
 */
final class WeightFiles {

    static final String INDEX = "model.safetensors.index.json";
    static final String SINGLE = "model.safetensors";

    /**
     * What {@link #scan} found.
     *
     * @param files         the files the loader reads, described from their headers
     * @param missingShards shards the index lists that are absent
     * @param unexpectedFiles weight files the loader does not read
     * @param problems      files that cannot be read, one line each
     * @param noWeights     why there are no weights at all, or null
     */
    record Scan(List<CheckpointInspection.WeightFile> files, List<String> missingShards, List<String> unexpectedFiles,
            List<String> problems, String noWeights) {
    }

    private WeightFiles() {
    }

    /** Scans {@code dir}; problems with single files are reported in the result, not thrown. */
    static Scan scan(Path dir) {
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            return new Scan(List.of(), List.of(), List.of(),
                    List.of(dir + ": cannot list (" + e.getMessage() + ")"), null);
        }
        List<String> problems = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        TreeSet<String> used = new TreeSet<>();
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            for (String shard : shards(index, problems)) {
                Path f = dir.resolve(shard);
                if (!f.normalize().startsWith(dir.normalize())) {
                    problems.add(index + ": shard " + shard + " lies outside the checkpoint folder");
                } else if (Files.isRegularFile(f)) {
                    used.add(shard);
                } else {
                    missing.add(shard);
                }
            }
        } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
            used.add(SINGLE);
        } else {
            all.stream().map(WeightFiles::name).filter(n -> n.endsWith(".safetensors")).forEach(used::add);
        }
        List<CheckpointInspection.WeightFile> files = new ArrayList<>();
        for (String name : used) {
            files.add(describe(dir.resolve(name), problems));
        }
        List<String> unexpected = new ArrayList<>();
        for (Path p : all) {
            String n = name(p);
            boolean weights = n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt")
                    || n.endsWith(".pth") || n.endsWith(".ckpt") || n.endsWith(".gguf");
            if (weights && !used.contains(n)) {
                unexpected.add(n);
            }
        }
        String none = null;
        if (used.isEmpty() && missing.isEmpty() && problems.isEmpty()) {
            boolean bin = all.stream().map(WeightFiles::name).anyMatch(n -> n.startsWith("pytorch_model")
                    && (n.endsWith(".bin") || n.endsWith(".bin.index.json")));
            if (bin) {
                problems.add(dir + ": only PyTorch .bin weights found; convert them to safetensors");
            } else {
                none = "no " + SINGLE + " or " + INDEX + " in " + dir;
            }
        }
        return new Scan(List.copyOf(files), List.copyOf(missing), List.copyOf(unexpected),
                List.copyOf(problems), none);
    }

    private static List<String> shards(Path index, List<String> problems) {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8));
            JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
            if (map == null || !map.isJsonObject()) {
                problems.add(index + ": weight_map is missing: a sharded index maps tensor names to files");
                return List.of();
            }
            TreeSet<String> shards = new TreeSet<>();
            for (Map.Entry<String, JsonElement> e : ((JsonObject) map).entrySet()) {
                shards.add(e.getValue().getAsString());
            }
            return List.copyOf(shards);
        } catch (IOException e) {
            problems.add(index + ": cannot read (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            problems.add(index + ": not valid JSON (" + e.getMessage() + ")");
        }
        return List.of();
    }

    private static CheckpointInspection.WeightFile describe(Path file, List<String> problems) {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            bytes = -1;
        }
        Map<String, Integer> dtypes = new TreeMap<>();
        int tensors = 0;
        try {
            Map<String, TensorInfo> header = SafetensorsFile.readHeader(file);
            tensors = header.size();
            for (TensorInfo t : header.values()) {
                dtypes.merge(t.dtype().name(), 1, Integer::sum);
            }
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        return new CheckpointInspection.WeightFile(name(file), bytes, tensors, dtypes);
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }
}
