// Shared helpers of the peer benchmark: the engine's prompt ids, machine facts, small statistics.
import {readFileSync} from "node:fs";
import os from "node:os";

const MASK64 = (1n << 64n) - 1n;

/**
 * java.util.SplittableRandom (Java 17) with the given seed: nextInt(bound) returns the same ints as Java's, so
 * that prompt() gives the ids the engine's `bench` command builds.
 */
export function splittableRandom(seed) {
    let state = BigInt.asUintN(64, BigInt(seed));
    const gamma = 0x9e3779b97f4a7c15n;
    const nextInt = () => {
        state = (state + gamma) & MASK64;
        let z = state;
        z = ((z ^ (z >> 33n)) * 0x62a9d9ed799705f5n) & MASK64;
        z = ((z ^ (z >> 28n)) * 0xcb24d0a5c88c35b3n) & MASK64;
        return Number(BigInt.asIntN(32, z >> 32n));
    };
    return {
        nextInt(bound) {
            let r = nextInt();
            const m = bound - 1;
            if ((bound & m) === 0) {
                return r & m;
            }
            // rejection as Java's bounded nextInt does, with its int overflow
            for (let u = r >>> 1; ((u + m - (r = u % bound)) | 0) < 0; u = nextInt() >>> 1) {
                // draw again
            }
            return r;
        }
    };
}

/** The text-only prompt of `bench --tiles 0 --text-tokens n`: ids from SplittableRandom(7) below min(vocab, 150000). */
export function prompt(n, vocab) {
    const r = splittableRandom(7);
    const bound = Math.min(vocab, 150000);
    return Array.from({length: n}, () => r.nextInt(bound));
}

export function cpuModel() {
    try {
        const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
        if (line) {
            return line.split(":")[1].trim();
        }
    } catch {
        // not Linux
    }
    return os.cpus()[0]?.model ?? "unknown";
}

/** Peak resident set of this process in MB (VmHWM, else the maximum RSS Node reports). */
export function peakRssMb() {
    try {
        const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
        if (line) {
            return Number(line.replace(/\D/g, "")) / 1024;
        }
    } catch {
        // not Linux
    }
    return process.resourceUsage().maxRSS / 1024;
}

/** The ggml CPU backend variants mapped into this process (e.g. libggml-cpu-haswell.so). */
export function loadedCpuBackends() {
    try {
        const libs = new Set();
        for (const line of readFileSync("/proc/self/maps", "utf8").split("\n")) {
            const m = line.match(/(libggml-cpu[^/\s]*\.so)/);
            if (m) {
                libs.add(m[1]);
            }
        }
        return [...libs];
    } catch {
        return [];
    }
}

export function median(values) {
    const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
    if (v.length === 0) {
        return null;
    }
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function round(v, digits = 2) {
    if (v == null || !Number.isFinite(v)) {
        return v;
    }
    const f = 10 ** digits;
    return Math.round(v * f) / f;
}

/** --name value pairs and bare --flags of argv. */
export function parseArgs(argv, defaults) {
    const out = {...defaults};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) {
            throw new Error(`unexpected argument ${a}`);
        }
        const key = a.slice(2);
        if (!(key in defaults)) {
            throw new Error(`unknown option ${a} (options: ${Object.keys(defaults).map((k) => "--" + k).join(", ")})`);
        }
        if (typeof defaults[key] === "boolean") {
            out[key] = true;
        } else {
            const v = argv[++i];
            if (v === undefined) {
                throw new Error(`${a} needs a value`);
            }
            out[key] = typeof defaults[key] === "number" ? Number(v) : v;
        }
    }
    return out;
}
