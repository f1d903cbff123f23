#!/usr/bin/env node
// One measurement of llama.cpp (through node-llama-cpp, CPU only) on a GGUF file, timed as the engine's `bench`
// command times itself; prints one JSON object on stdout.
//
//   node llama-bench.mjs --model FILE.gguf --prompt-tokens 32 --new-tokens 64 --batch 8 --threads 2
//   node llama-bench.mjs --model FILE.gguf --greedy-ids 1,2,3 --new-tokens 8     (greedy continuation only)
import {getLlama, GgmlType, LlamaLogLevel} from "node-llama-cpp";
import {readFileSync, statSync} from "node:fs";
import os from "node:os";
import {cpuModel, loadedCpuBackends, parseArgs, peakRssMb, prompt, round} from "./lib.mjs";

const args = parseArgs(process.argv.slice(2), {
    "model": "",
    "prompt-tokens": 32,
    "new-tokens": 64,
    "batch": 8,
    "threads": 2,
    "flash-attention": "default",
    "kv-type": "default",
    "mmap": "true",
    "greedy-ids": ""
});
if (!args.model) {
    throw new Error("--model FILE.gguf is required");
}
if (args["new-tokens"] < 2 || args.batch < 1 || args.threads < 1) {
    throw new Error("--new-tokens must be >= 2, --batch and --threads >= 1");
}
const nodeLlamaCppVersion = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json",
    import.meta.url), "utf8")).version;

// llama.cpp's own log, kept (not printed) for what it resolves: flash attention, weight buffers, KV cache
let log = "";
const logger = (level, message) => {
    log += message;
    if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) {
        process.stderr.write(message);
    }
};

/** What llama.cpp's log says it did: flash attention on or off, the weight buffers (a repacked copy), KV types. */
function logFacts() {
    const mb = (name) => {
        const m = log.match(new RegExp(`${name} model buffer size =\\s*([\\d.]+) MiB`));
        return m ? round(Number(m[1]) * 1.048576, 1) : 0;
    };
    const fa = log.match(/Flash Attention (enabled|disabled)/g);
    const kv = log.match(/K \((\w+)\):.*V \((\w+)\)/);
    return {
        flash_attention_used: fa ? fa[fa.length - 1].endsWith("enabled") : args["flash-attention"] === "false" ? false : null,
        weights_mapped_mb: mb("CPU_Mapped"),
        weights_repacked_mb: mb("CPU_REPACK"),
        kv_cache_types: kv ? `${kv[1]}/${kv[2]}` : null
    };
}

const t0 = performance.now();
// CPU only, the prebuilt binaries as installed: never build from source, never download
const llama = await getLlama({gpu: false, build: "never", skipDownload: true, maxThreads: args.threads,
    logLevel: LlamaLogLevel.info, logger, progressLogs: false});
const tLlama = performance.now();
const model = await llama.loadModel({modelPath: args.model, gpuLayers: 0, useMmap: args.mmap === "true"});
const tModel = performance.now();

function contextOptions(sequences, promptTokens, newTokens) {
    const o = {
        sequences,
        contextSize: promptTokens + newTokens + 16,
        batchSize: Math.max(promptTokens * sequences, sequences),
        threads: {ideal: args.threads, min: args.threads},
        performanceTracking: false
    };
    if (args["flash-attention"] !== "default") {
        o.flashAttention = args["flash-attention"] === "auto" ? "auto" : args["flash-attention"] === "true";
    }
    if (args["kv-type"] !== "default") {
        o.experimentalKvCacheKeyType = args["kv-type"].toUpperCase();
        o.experimentalKvCacheValueType = args["kv-type"].toUpperCase();
    }
    return o;
}

// greedy, and no stop token: the random model's end-of-generation ids are ordinary tokens here, as in `bench`
const greedy = {temperature: 0, yieldEogToken: true};

/** Evaluates ids and collects `steps` greedy tokens; returns the tokens and when the first and last arrived. */
async function generate(sequence, ids, steps) {
    const tokens = [];
    let first = 0;
    for await (const token of sequence.evaluate(ids, greedy)) {
        tokens.push(token);
        if (tokens.length === 1) {
            first = performance.now();
        }
        if (tokens.length >= steps) {
            break;
        }
    }
    return {tokens, first, last: performance.now()};
}

if (args["greedy-ids"]) {
    // the distribution after the prompt (softmax of the logits: temperature 1, no truncation), then greedy steps
    const ids = args["greedy-ids"].split(",").map(Number);
    const context = await model.createContext(contextOptions(1, ids.length, args["new-tokens"]));
    const sequence = context.getSequence();
    const full = {temperature: 1, topK: 0, topP: 1, minP: 0};
    const input = ids.map((t, i) => (i < ids.length - 1 ? t : [t, {generateNext: {probabilities: true, options: full}}]));
    const probabilities = (await sequence.controlledEvaluate(input))[ids.length - 1].next.probabilities;
    const top = [...probabilities.entries()].slice(0, 100); // sorted, most likely first
    const tokens = [top[0][0]];
    if (args["new-tokens"] > 1) {
        tokens.push(...(await generate(sequence, [top[0][0]], args["new-tokens"] - 1)).tokens);
    }
    console.log(JSON.stringify({model: args.model, ids, tokens, first_step_top: top,
        kv_type: GgmlType[context.kvCacheKeyType], ...logFacts()}));
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    process.exit(0);
}

const P = args["prompt-tokens"];
const N = args["new-tokens"];
const B = args.batch;
const embedding = (model.fileInfo.fullTensorInfo ?? model.fileInfo.tensorInfo ?? [])
    .find((t) => t.name === "token_embd.weight");
const ids = prompt(P, Number(embedding.dimensions[1]));

// batch 1: one sequence
const context = await model.createContext(contextOptions(1, P, N));
const tLoaded = performance.now();
const sequence = context.getSequence();
await generate(sequence, ids, 4); // warm-up (the file's pages, the graph allocations), as `bench` warms up
await sequence.clearHistory();
const tStart = performance.now();
const one = await generate(sequence, ids, N);
const prefillS = (one.first - tStart) / 1000;
const decodeMs = (one.last - one.first) / (N - 1);
const facts = {flash_attention_option: context.flashAttention, kv_type: GgmlType[context.kvCacheKeyType],
    threads: context.idealThreads, batch_size: context.batchSize, ...logFacts()};
await sequence.dispose();
await context.dispose();

// batch B: B sequences of one context decoding together, each with the same prompt. The sequences are stepped in
// lockstep (every sequence asks for its next token before any waits), so that each llama.cpp decode call holds one
// token of every sequence, as the engine's static batch does; left to itself node-llama-cpp dispatches whichever
// sequences are ready first and the sequences drift apart into smaller batches.
async function generateTogether(sequences, ids, steps) {
    const generators = sequences.map((s) => s.evaluate(ids, greedy));
    const tokens = sequences.map(() => []);
    let first = 0;
    try {
        for (let k = 0; k < steps; k++) {
            const next = await Promise.all(generators.map((g) => g.next()));
            next.forEach((r, i) => tokens[i].push(r.value));
            if (k === 0) {
                first = performance.now();
            }
        }
    } finally {
        await Promise.all(generators.map((g) => g.return()));
    }
    return {tokens, first, last: performance.now()};
}

let batchRow = {};
if (B > 1) {
    const many = await model.createContext(contextOptions(B, P, N));
    const sequences = Array.from({length: B}, () => many.getSequence());
    await generateTogether(sequences, ids, 4);
    await Promise.all(sequences.map((s) => s.clearHistory()));
    const start = performance.now();
    const together = await generateTogether(sequences, ids, N);
    batchRow = {
        batch_prefill_s: round((together.first - start) / 1000, 3),
        batch_decode_tokens_per_s: round(B * (N - 1) / ((together.last - together.first) / 1000)),
        // greedy rows of a batch may part from the batch-1 tokens where two logits are nearly tied (other kernels)
        batch_rows_equal_batch_1: together.tokens.filter((t) => t.join() === one.tokens.join()).length
    };
    await Promise.all(sequences.map((s) => s.dispose()));
    await many.dispose();
}

const out = {
    engine: "llama.cpp",
    node_llama_cpp: nodeLlamaCppVersion,
    llama_cpp_release: llama.llamaCppRelease?.release,
    build: llama.buildType,
    gpu: llama.gpu,
    cpu_backends: loadedCpuBackends(),
    model: args.model,
    model_mb: round(statSync(args.model).size / 1e6, 1),
    file_type: model.fileInfo.metadata?.general?.file_type,
    prompt_tokens: P,
    new_tokens: N,
    batch: B,
    ...facts,
    mmap: model.useMmap,
    backend_init_s: round((tLlama - t0) / 1000, 3),
    load_s: round((tLoaded - tLlama) / 1000, 3),
    model_load_s: round((tModel - tLlama) / 1000, 3),
    prefill_s: round(prefillS, 3),
    ttft_ms: round(prefillS * 1000),
    decode_ms_per_token: round(decodeMs),
    decode_tokens_per_s: round(1000 / decodeMs),
    ...batchRow,
    peak_rss_mb: round(peakRssMb()),
    cpu_model: cpuModel(),
    cpus: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    system_info: llama.systemInfo
};
console.log(JSON.stringify(out, null, 2));
await model.dispose();
await llama.dispose();
