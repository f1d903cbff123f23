#!/usr/bin/env node
// The peer series: the engine's `bench` and llama.cpp (llama-bench.mjs) on the same random InternVL2-1B decoder,
// interleaved round by round, medians and ratios as a markdown table; every run's JSON is kept.
//
//   node compare.mjs [--rounds 3] [--prompt-tokens 32] [--new-tokens 64] [--batch 8] [--threads 2]
//   node compare.mjs --check        (same weights => same greedy tokens, on the tiny random checkpoint)
import {spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {cpuModel, median, parseArgs, prompt, round} from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2), {
    "jar": path.resolve(here, "../../samples/cli/target/internvl-cli.jar"),
    "java": "java",
    // bench's own default: its random checkpoints are found (or written) there, the GGUF files go beside them
    "work-dir": os.tmpdir(),
    "out-dir": "",
    "rounds": 3,
    "prompt-tokens": 32,
    "new-tokens": 64,
    "batch": 8,
    "threads": 2,
    "widths": "bf16,int8,int4",
    "engine-int4": "int4",
    "check": false,
    "check-dims": "tiny",
    "check-tokens": 8
});
if (!existsSync(args.jar)) {
    throw new Error(`${args.jar} is missing: build it with ./mvnw -B -q -pl samples/cli -am -DskipTests package`);
}
mkdirSync(args["work-dir"], {recursive: true});
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const outDir = args["out-dir"] || path.join(here, "results", stamp);
mkdirSync(path.join(outDir, "raw"), {recursive: true});

function log(msg) {
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Runs a command; returns its stdout (stderr passes through). */
function run(cmd, cmdArgs) {
    const r = spawnSync(cmd, cmdArgs, {encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 64 << 20});
    if (r.status !== 0) {
        throw new Error(`${cmd} ${cmdArgs.join(" ")} failed with status ${r.status}`);
    }
    return r.stdout;
}

function cli(...cliArgs) {
    return run(args.java, ["-jar", args.jar, ...cliArgs]);
}

/** The engine's random checkpoint of `--dims dims`, written once by `bench` (a short run, not measured). */
function randomCheckpoint(dims, dtype) {
    const dir = path.join(args["work-dir"], `internvl-bench-${dims}-bf16`);
    if (!existsSync(path.join(dir, ".complete"))) {
        log(`writing the random ${dims} checkpoint (a short bench run)`);
        cli("bench", "--dims", dims, "--dtype", dtype, "--work-dir", args["work-dir"], "--tiles", "0",
            "--text-tokens", "4", "--new-tokens", "2", "--json");
    }
    return dir;
}

/**
 * The GGUF of the checkpoint's decoder in `type`, written by the engine's own `gguf` command; kept while it is newer
 * than both the checkpoint and the jar.
 */
function gguf(checkpoint, type) {
    const file = path.join(args["work-dir"], `${path.basename(checkpoint)}.${type}.gguf`);
    const newest = Math.max(statSync(path.join(checkpoint, "model.safetensors")).mtimeMs, statSync(args.jar).mtimeMs);
    if (!existsSync(file) || statSync(file).mtimeMs < newest) {
        log(`writing ${file}`);
        cli("gguf", "--model", checkpoint, "--type", type, "--out", file);
    }
    return file;
}

function llamaBench(...benchArgs) {
    return JSON.parse(run(process.execPath, [path.join(here, "llama-bench.mjs"), ...benchArgs]));
}

function javaVersion() {
    const r = spawnSync(args.java, ["-version"], {encoding: "utf8"});
    return (r.stderr || "").split("\n")[0];
}

if (args.check) {
    check();
} else {
    series();
}

/**
 * Same weights, same model: the greedy continuation of the same prompt ids by the engine (fp32, one `logits` call
 * per token) and by llama.cpp on the f32 and bf16 GGUF files of a random checkpoint (`--check-dims`, default tiny:
 * untied head, head_dim 8; internvl2-1b: the benchmark's own, tied head), and the distribution after the prompt.
 */
function check() {
    const dir = randomCheckpoint(args["check-dims"], "fp32");
    const vocab = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")).llm_config.vocab_size;
    const ids = prompt(16, vocab);
    const steps = args["check-tokens"];
    const engine = [];
    const gaps = [];
    let firstLogits = null;
    const npy = path.join(args["work-dir"], "check-logits.npy");
    log(`engine: ${steps} greedy steps through the logits command (fp32)`);
    for (let k = 0; k < steps; k++) {
        cli("logits", "--model", dir, "--ids", [...ids, ...engine].join(","), "--out", npy, "--dtype", "fp32");
        const logits = readNpyFloats(npy);
        firstLogits ??= logits;
        let best = 0;
        let second = -Infinity;
        for (let i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                second = logits[best];
                best = i;
            } else if (logits[i] > second) {
                second = logits[i];
            }
        }
        engine.push(best);
        gaps.push(round(logits[best] - second, 4));
    }
    // the engine's log-probabilities after the prompt: log_softmax of its first logits
    let max = -Infinity;
    for (const v of firstLogits) {
        max = Math.max(max, v);
    }
    let sum = 0;
    for (const v of firstLogits) {
        sum += Math.exp(v - max);
    }
    const engineLogProb = (id) => firstLogits[id] - max - Math.log(sum);
    const result = {checkpoint: dir, prompt_ids: ids, engine_tokens: engine, engine_top2_gaps: gaps, llama: {}};
    let ok = true;
    // f32 weights and KV cache, no flash attention: the same model up to float rounding. bf16 weights with
    // llama.cpp's defaults (flash attention, f16 KV cache): its matrix products round the activations to bf16 and
    // its CPU flash attention computes in f16, so only the tokens must agree
    for (const [type, tolerance] of [["f32", 1e-3], ["bf16", null]]) {
        const file = gguf(dir, type);
        const strict = type === "f32" ? ["--kv-type", "f32", "--flash-attention", "false"] : [];
        const out = llamaBench("--model", file, "--greedy-ids", ids.join(","), "--new-tokens", String(steps),
            "--threads", String(args.threads), ...strict);
        const same = out.tokens.join() === engine.join();
        const logProbDiff = Math.max(...out.first_step_top.map(([id, p]) => Math.abs(Math.log(p) - engineLogProb(id))));
        const close = tolerance == null || logProbDiff <= tolerance;
        ok &&= same && close;
        result.llama[type] = {tokens: out.tokens, same, max_log_prob_diff_top100: Number(logProbDiff.toExponential(2)),
            tolerance, kv_cache_types: out.kv_cache_types, flash_attention_used: out.flash_attention_used};
        log(`llama.cpp ${type}: ${out.tokens.join(",")} ${same ? "== engine" : "!= engine " + engine.join(",")}; `
            + `first step: max |log p - log p_engine| over its top 100 = ${logProbDiff.toExponential(2)}`
            + (tolerance == null ? "" : ` (tolerance ${tolerance})`));
    }
    result.ok = ok;
    writeFileSync(path.join(outDir, "check.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify(result, null, 2));
    process.exit(ok ? 0 : 1);
}

/** The float32 values of a one-dimensional .npy file as the logits command writes it. */
function readNpyFloats(file) {
    const b = readFileSync(file);
    const headerLen = b.readUInt16LE(8);
    const header = b.toString("latin1", 10, 10 + headerLen);
    if (!header.includes("'<f4'")) {
        throw new Error(`${file}: expected little-endian float32, header ${header}`);
    }
    const start = 10 + headerLen;
    const data = b.subarray(start);
    return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

function series() {
    const P = args["prompt-tokens"];
    const N = args["new-tokens"];
    const B = args.batch;
    const T = args.threads;
    const widths = {
        bf16: {engine: "none", gguf: ["bf16", "f16"]},
        int8: {engine: "int8", gguf: ["q8_0"]},
        int4: {engine: args["engine-int4"], gguf: ["q4_0"]}
    };
    const chosen = args.widths.split(",").map((w) => {
        if (!widths[w]) {
            throw new Error(`unknown width ${w} (bf16, int8, int4)`);
        }
        return w;
    });
    const checkpoint = randomCheckpoint("internvl2-1b", "bf16");
    const files = {};
    for (const w of chosen) {
        for (const type of widths[w].gguf) {
            files[type] = gguf(checkpoint, type);
        }
    }
    const runs = [];
    const save = (name, o) => writeFileSync(path.join(outDir, "raw", name + ".json"), JSON.stringify(o, null, 2) + "\n");
    const common = ["--json", "--tiles", "0", "--text-tokens", String(P), "--new-tokens", String(N),
        "--work-dir", args["work-dir"]];
    for (let r = 0; r < args.rounds; r++) {
        for (const w of chosen) {
            const engineFirst = r % 2 === 0;
            const steps = [];
            const engineStep = () => {
                for (const batch of [1, B]) {
                    log(`round ${r + 1}/${args.rounds} ${w}: engine --quantization ${widths[w].engine} --batch ${batch}`);
                    const o = JSON.parse(cli("bench", ...common, "--quantization", widths[w].engine,
                        "--batch", String(batch)));
                    save(`r${r + 1}-${w}-engine-b${batch}`, o);
                    runs.push({round: r + 1, width: w, engine: "engine", variant: widths[w].engine, batch, order: engineFirst ? 1 : 2, o});
                }
            };
            const llamaStep = () => {
                for (const type of widths[w].gguf) {
                    log(`round ${r + 1}/${args.rounds} ${w}: llama.cpp ${type} (batch 1 and ${B})`);
                    const o = llamaBench("--model", files[type], "--prompt-tokens", String(P), "--new-tokens",
                        String(N), "--batch", String(B), "--threads", String(T));
                    save(`r${r + 1}-${w}-llama-${type}`, o);
                    runs.push({round: r + 1, width: w, engine: "llama.cpp", variant: type, batch: B, order: engineFirst ? 2 : 1, o});
                }
            };
            (engineFirst ? [engineStep, llamaStep] : [llamaStep, engineStep]).forEach((f) => f());
        }
    }
    writeFileSync(path.join(outDir, "series.json"), JSON.stringify({args, runs}, null, 2) + "\n");
    const table = report(runs, chosen, widths, B, checkpoint, files);
    writeFileSync(path.join(outDir, "results.md"), table);
    console.log(table);
    log(`raw JSON of every run and results.md are in ${outDir}`);
}

function report(runs, chosen, widths, B, checkpoint, files) {
    const pick = (f) => (xs) => median(xs.map(f));
    const fmt = (v, d = 2) => (v == null ? "n/a" : round(v, d).toString());
    const ratio = (a, b) => (a == null || b == null || b === 0 ? "n/a" : round(a / b, 2).toString());
    const lines = [];
    const engineAny = runs.find((x) => x.engine === "engine")?.o ?? {};
    const llamaAny = runs.find((x) => x.engine === "llama.cpp")?.o ?? {};
    const bandwidth = median(runs.filter((x) => x.engine === "engine" && x.batch === 1).map((x) => x.o.read_bandwidth_gbs));
    lines.push(`# Engine vs llama.cpp (same random InternVL2-1B decoder)`, ``);
    lines.push(`- date: ${new Date().toISOString()}`);
    lines.push(`- CPU: ${cpuModel()}, ${os.availableParallelism ? os.availableParallelism() : os.cpus().length} cores `
        + `visible, ${round(os.totalmem() / 2 ** 30, 1)} GiB RAM; threads ${args.threads}`);
    lines.push(`- engine: ${javaVersion()}, \`bench --tiles 0 --text-tokens ${args["prompt-tokens"]} `
        + `--new-tokens ${args["new-tokens"]}\` (batch 1 and ${B}); measured read bandwidth ${fmt(bandwidth)} GB/s`);
    lines.push(`- llama.cpp: node-llama-cpp ${llamaAny.node_llama_cpp} (llama.cpp release label `
        + `${llamaAny.llama_cpp_release}, ${llamaAny.build}), CPU backend ${(llamaAny.cpu_backends ?? []).join(", ")}, `
        + `flash attention ${llamaAny.flash_attention_used ? "on" : "off"} (option ${llamaAny.flash_attention_option}), `
        + `KV cache ${llamaAny.kv_cache_types}, Node ${process.version}`);
    lines.push(`- weights: ${checkpoint}; GGUF files ${Object.values(files).map((f) => path.basename(f)).join(", ")} `
        + `written by the engine's \`gguf\` command`);
    lines.push(`- ${args.rounds} rounds, the engine first in odd rounds, llama.cpp first in even ones; medians`);
    lines.push(``);
    lines.push(`Ratio = engine speed ÷ llama.cpp speed (> 1: the engine is faster; for RSS, > 1: the engine uses less).`);
    lines.push(``);
    lines.push(`| width | llama.cpp file | metric | engine | llama.cpp | ratio |`);
    lines.push(`|---|---|---|---|---|---|`);
    for (const w of chosen) {
        const e1 = runs.filter((x) => x.width === w && x.engine === "engine" && x.batch === 1).map((x) => x.o);
        const eB = runs.filter((x) => x.width === w && x.engine === "engine" && x.batch === B).map((x) => x.o);
        for (const type of widths[w].gguf) {
            const l = runs.filter((x) => x.width === w && x.engine === "llama.cpp" && x.variant === type).map((x) => x.o);
            const label = `${w} (engine ${widths[w].engine})`;
            const eDecode = pick((o) => o.decode_ms_per_token)(e1);
            const lDecode = pick((o) => o.decode_ms_per_token)(l);
            const eAgg = pick((o) => o.decode_tokens_per_s)(eB);
            const lAgg = pick((o) => o.batch_decode_tokens_per_s)(l);
            const ePrefill = pick((o) => o.prefill_ms / 1000)(e1);
            const lPrefill = pick((o) => o.prefill_s)(l);
            const eLoad = pick((o) => o.load_s)(e1);
            const lLoad = pick((o) => o.load_s)(l);
            const eRss = median(e1.map((o, i) => Math.max(o.peak_rss_mb, eB[i]?.peak_rss_mb ?? 0)));
            const lRss = pick((o) => o.peak_rss_mb)(l);
            const eRoof = pick((o) => o.decode_fraction_of_roofline)(e1);
            const lRoof = bandwidth && lDecode
                ? (statSync(files[type]).size / (bandwidth * 1e9) * 1000) / lDecode : null;
            lines.push(`| ${label} | ${type} | decode b=1 ms/token | ${fmt(eDecode)} | ${fmt(lDecode)} | ${ratio(lDecode, eDecode)} |`);
            lines.push(`| ${label} | ${type} | decode b=${B} tokens/s | ${fmt(eAgg)} | ${fmt(lAgg)} | ${ratio(eAgg, lAgg)} |`);
            lines.push(`| ${label} | ${type} | prefill s (${args["prompt-tokens"]} tokens) | ${fmt(ePrefill, 3)} | ${fmt(lPrefill, 3)} | ${ratio(lPrefill, ePrefill)} |`);
            lines.push(`| ${label} | ${type} | load s | ${fmt(eLoad)} | ${fmt(lLoad)} | ${ratio(lLoad, eLoad)} |`);
            lines.push(`| ${label} | ${type} | peak RSS MB | ${fmt(eRss, 0)} | ${fmt(lRss, 0)} | ${ratio(lRss, eRss)} |`);
            lines.push(`| ${label} | ${type} | decode b=1 fraction of roofline | ${fmt(eRoof)} | ${fmt(lRoof)} (≈, file bytes) | ${ratio(eRoof, lRoof)} |`);
        }
    }
    lines.push(``);
    lines.push(`Engine roofline: \`roofline_ms_per_token\` = decode bytes per token ÷ measured read bandwidth (bench). `
        + `llama.cpp's fraction is approximate: the GGUF file size (all of it is read per token, the head being tied) `
        + `÷ the same bandwidth, over its decode ms/token.`);
    if (engineAny.cpus) {
        lines.push(`Engine JVM saw ${engineAny.cpus} CPUs.`);
    }
    return lines.join("\n") + "\n";
}
