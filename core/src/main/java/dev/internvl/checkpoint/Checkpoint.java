package dev.internvl.checkpoint;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An OpenGVLab-layout checkpoint directory: {@code config.json}, the weights as one {@code model.safetensors} or
 * shards listed in {@code model.safetensors.index.json}, the tokenizer files and an optional
 * {@code generation_config.json}. Opening reads only JSON and safetensors headers; tensor data stays on disk
 * until the engine maps it.
 */
public final class Checkpoint {

    private final Path dir;
    private final InternVLConfig config;
    private final Map<String, TensorInfo> tensors;
    private final List<Path> files;
    private final List<Integer> generationEosIds;

    private Checkpoint(Path dir, InternVLConfig config, Map<String, TensorInfo> tensors, List<Path> files,
            List<Integer> eos) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
        this.files = files;
        this.generationEosIds = eos;
    }

    /** Opens the checkpoint in {@code dir}, indexing every tensor whose name {@code wanted} accepts. */
    public static Checkpoint open(Path dir, Predicate<String> wanted) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a directory (expected an InternVL checkpoint folder)");
        }
        InternVLConfig config = InternVLConfig.read(dir.resolve("config.json"));
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, Path> seenIn = new java.util.HashMap<>();
        List<Path> files = weightFiles(dir);
        for (Path file : files) {
            SafetensorsFile.readHeader(file).forEach((name, info) -> {
                Path other = seenIn.putIfAbsent(name, file);
                if (other != null) {
                    throw new CheckpointException(file + ": tensor " + name + " is also in " + other.getFileName()
                            + "; a checkpoint holds each tensor once");
                }
                if (wanted.test(name)) {
                    tensors.put(name, info);
                }
            });
        }
        checkIndex(dir, seenIn);
        return new Checkpoint(dir, config, Collections.unmodifiableMap(tensors), List.copyOf(files),
                generationEosIds(dir));
    }

    /** The eos ids of {@code generation_config.json} in {@code dir}, empty when the file is absent. */
    public static List<Integer> generationEosIds(Path dir) {
        Path gen = dir.resolve("generation_config.json");
        return Files.exists(gen) ? Json.read(gen).getIntOrList("eos_token_id") : List.of();
    }

    /** Opens the checkpoint indexing all tensors. */
    public static Checkpoint open(Path dir) {
        return open(dir, name -> true);
    }

    /**
     * A sharded index must say where each tensor really is: transformers reads every tensor from the shard its
     * {@code weight_map} names, so a wrong entry (or a tensor the shards lack) is an error, not a guess.
     */
    private static void checkIndex(Path dir, Map<String, Path> foundIn) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.exists(index)) {
            return;
        }
        for (Map.Entry<String, JsonElement> e : Json.read(index).obj.getAsJsonObject("weight_map").entrySet()) {
            Path actual = foundIn.get(e.getKey());
            Path listed = dir.resolve(e.getValue().getAsString());
            if (actual == null) {
                throw new CheckpointException(index + ": weight_map lists tensor " + e.getKey() + " in "
                        + listed.getFileName() + ", but no shard holds it");
            }
            if (!actual.equals(listed)) {
                throw new CheckpointException(index + ": weight_map puts tensor " + e.getKey() + " in "
                        + listed.getFileName() + ", but it is in " + actual.getFileName());
            }
        }
    }

    private static List<Path> weightFiles(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.exists(index)) {
            Json j = Json.read(index);
            if (!j.has("weight_map") || !j.obj.get("weight_map").isJsonObject()) {
                throw j.invalid("weight_map", "is missing: a sharded index maps tensor names to files");
            }
            TreeSet<String> shards = new TreeSet<>();
            for (Map.Entry<String, JsonElement> e : j.obj.getAsJsonObject("weight_map").entrySet()) {
                shards.add(e.getValue().getAsString());
            }
            List<Path> files = shards.stream().map(dir::resolve).toList();
            for (Path f : files) {
                if (!f.normalize().startsWith(dir.normalize())) {
                    throw new CheckpointException(index + ": shard " + f + " lies outside the checkpoint folder");
                }
                if (!Files.exists(f)) {
                    throw new CheckpointException(index + ": lists shard " + f.getFileName() + ", which is missing");
                }
            }
            return files;
        }
        Path single = dir.resolve("model.safetensors");
        if (Files.exists(single)) {
            return List.of(single);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> any = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            if (!any.isEmpty()) {
                return any;
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
        boolean bin = Files.exists(dir.resolve("pytorch_model.bin"))
                || Files.exists(dir.resolve("pytorch_model.bin.index.json"));
        throw new CheckpointException(dir + ": no model.safetensors or model.safetensors.index.json"
                + (bin ? " (only PyTorch .bin weights found; convert them to safetensors)" : ""));
    }

    /** The weight files the checkpoint consists of, whichever tensors {@link #open} was asked to index. */
    public List<Path> files() {
        return files;
    }

    public Path dir() {
        return dir;
    }

    public InternVLConfig config() {
        return config;
    }

    /** eos ids from {@code generation_config.json}, empty when the file is absent. */
    public List<Integer> generationEosIds() {
        return generationEosIds;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor {@code name}; a clear error when the checkpoint lacks it. */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(dir + ": tensor " + name + " is missing from the checkpoint");
        }
        return t;
    }

    /** The tensor {@code name}, checked to have {@code expected} shape. */
    public TensorInfo tensor(String name, long... expected) {
        TensorInfo t = tensor(name);
        if (!java.util.Arrays.equals(t.shape(), expected)) {
            throw new CheckpointException(t.file() + ": tensor " + name + " has shape "
                    + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(expected)
                    + " from config.json");
        }
        return t;
    }

    /** Names of the indexed tensors, sorted. */
    public List<String> names() {
        return tensors.keySet().stream().sorted().collect(Collectors.toList());
    }
}
