"""Reference last-position logits for the engine's decoder families, from Hugging Face transformers.

Writes, for each family, a tiny random decoder under the OpenGVLab `language_model.*` names (F32 safetensors),
one InternVL `config.json` per RoPE variant, and what transformers' own modeling code computes on it in float32:
the last-position logits of several prompts and a greedy continuation through its KV cache.

The reference is transformers' code, not this project's: Qwen2ForCausalLM, LlamaForCausalLM and Phi3ForCausalLM
run as they are; InternLM2 (remote code, not in transformers) runs as LlamaForCausalLM after its packed weights
are split the way InternLM2's modeling file reads them (`wqkv` rows per KV head = [q_0..q_{g-1}, k, v], w1 gate,
w3 up, w2 down), which is what InternLM's own convert-to-Llama script does.

Usage (python 3.11; torch 2.13.0+cpu, transformers 5.17.0, safetensors 0.8.0, numpy):
    python generate.py OUT_DIR            # e.g. ../../core/src/test/resources/golden/families
    python generate.py --check-qwen2 GOLDEN_LLM_DIR   # re-derive the Jlama Qwen2 golden logits with transformers
"""
import copy
import hashlib
import json
import os
import sys

import numpy as np
import torch
import transformers
from safetensors.numpy import load_file, save_file

torch.manual_seed(0)
torch.set_num_threads(2)

VOCAB = 512
PROMPT_LENGTHS = [1, 7, 16, 17, 40]
GREEDY = 6


def rng_tensor(rng, std, mean, *shape):
    return (mean + std * (2 * rng.random(shape) - 1) * 1.7320508).astype(np.float32)


FAMILIES = {
    # InternLM2: GQA with g = 4 (4 query heads on 1 KV head), bias false, rope_theta 1e6, short context so that
    # prompts longer than max_position_embeddings switch on dynamic NTK.
    "internlm2": dict(
        llm=dict(architectures=["InternLM2ForCausalLM"], model_type="internlm2", vocab_size=VOCAB, hidden_size=64,
                 intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
                 hidden_act="silu", max_position_embeddings=16, rms_norm_eps=1e-6, rope_theta=1000000.0,
                 bias=False, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=2),
        variants={"none": None, "dynamic": {"type": "dynamic", "factor": 2.0}, "linear": {"type": "linear", "factor": 3.0}},
        template="internlm2-chat"),
    # Phi-3: GQA g = 2, longrope ("su") with original context 16 and max 64: prompts of 17 and 40 tokens take the
    # long factors and every length gets the attention factor sqrt(1 + ln 4 / ln 16).
    "phi3": dict(
        llm=dict(architectures=["Phi3ForCausalLM"], model_type="phi3", vocab_size=VOCAB, hidden_size=64,
                 intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 hidden_act="silu", max_position_embeddings=64, original_max_position_embeddings=16,
                 rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False, sliding_window=262144,
                 bos_token_id=1, eos_token_id=32000 % VOCAB, pad_token_id=0),
        variants={"none": None, "su": "su"},
        template="phi3-chat"),
    # Llama (Yi-34B, Llama-3-70B): GQA g = 2, no biases, Yi's rope_theta; llama3, dynamic and linear scalings.
    "llama": dict(
        llm=dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=VOCAB, hidden_size=64,
                 intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 hidden_act="silu", max_position_embeddings=16, rms_norm_eps=1e-5, rope_theta=5000000.0,
                 attention_bias=False, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2),
        variants={"none": None, "dynamic": {"type": "dynamic", "factor": 2.0}, "linear": {"type": "linear", "factor": 4.0},
                  "llama3": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 16}},
        template="Hermes-2"),
    # Qwen2.5 (InternVL2.5/3): q/k/v biases, tied embeddings (no lm_head), rope_theta 1e6; an llm_config may
    # carry a dynamic rope_scaling (factor 2), here over a 16-token context so that 17 and 40 tokens use it.
    "qwen2_5": dict(
        llm=dict(architectures=["Qwen2ForCausalLM"], model_type="qwen2", vocab_size=VOCAB, hidden_size=64,
                 intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 hidden_act="silu", max_position_embeddings=16, rms_norm_eps=1e-6, rope_theta=1000000.0,
                 tie_word_embeddings=True, use_sliding_window=False, sliding_window=16, max_window_layers=21,
                 bos_token_id=VOCAB - 3, eos_token_id=VOCAB - 2),
        variants={"none": None, "dynamic": {"type": "dynamic", "factor": 2.0}},
        template="internvl2_5"),
}


def make_weights(family, llm, seed):
    """OpenGVLab-named weights (language_model.*) and the equivalent transformers state dict."""
    rng = np.random.default_rng(seed)
    d, inter, layers = llm["hidden_size"], llm["intermediate_size"], llm["num_hidden_layers"]
    h, kv = llm["num_attention_heads"], llm["num_key_value_heads"]
    hd = d // h
    g = h // kv
    ours, hf = {}, {}
    p = "language_model.model."
    emb = rng_tensor(rng, 0.5, 0, VOCAB, d)
    ours[p + ("tok_embeddings.weight" if family == "internlm2" else "embed_tokens.weight")] = emb
    hf["model.embed_tokens.weight"] = emb
    for i in range(layers):
        l, hl = p + f"layers.{i}.", f"model.layers.{i}."
        n1, n2 = rng_tensor(rng, 0.1, 1, d), rng_tensor(rng, 0.1, 1, d)
        q = rng_tensor(rng, 0.15, 0, h * hd, d)
        k = rng_tensor(rng, 0.15, 0, kv * hd, d)
        v = rng_tensor(rng, 0.15, 0, kv * hd, d)
        o = rng_tensor(rng, 0.15, 0, d, h * hd)
        gate = rng_tensor(rng, 0.15, 0, inter, d)
        up = rng_tensor(rng, 0.15, 0, inter, d)
        down = rng_tensor(rng, 0.15, 0, d, inter)
        hf.update({hl + "input_layernorm.weight": n1, hl + "post_attention_layernorm.weight": n2,
                   hl + "self_attn.q_proj.weight": q, hl + "self_attn.k_proj.weight": k,
                   hl + "self_attn.v_proj.weight": v, hl + "self_attn.o_proj.weight": o,
                   hl + "mlp.gate_proj.weight": gate, hl + "mlp.up_proj.weight": up, hl + "mlp.down_proj.weight": down})
        if family == "internlm2":
            # pack as InternLM2 stores it: per KV head j, rows [q_(j*g) .. q_(j*g+g-1), k_j, v_j]
            blocks = []
            for j in range(kv):
                blocks.append(q[j * g * hd:(j + 1) * g * hd])
                blocks.append(k[j * hd:(j + 1) * hd])
                blocks.append(v[j * hd:(j + 1) * hd])
            ours.update({l + "attention_norm.weight": n1, l + "ffn_norm.weight": n2,
                         l + "attention.wqkv.weight": np.concatenate(blocks, 0), l + "attention.wo.weight": o,
                         l + "feed_forward.w1.weight": gate, l + "feed_forward.w3.weight": up,
                         l + "feed_forward.w2.weight": down})
        elif family == "phi3":
            packed_qkv = np.concatenate([q, k, v], 0)
            packed_gu = np.concatenate([gate, up], 0)
            ours.update({l + "input_layernorm.weight": n1, l + "post_attention_layernorm.weight": n2,
                         l + "self_attn.qkv_proj.weight": packed_qkv, l + "self_attn.o_proj.weight": o,
                         l + "mlp.gate_up_proj.weight": packed_gu, l + "mlp.down_proj.weight": down})
            for name in list(hf):
                if name.startswith(hl + "self_attn.") and name.split(".")[-2] in ("q_proj", "k_proj", "v_proj"):
                    del hf[name]
                if name.startswith(hl + "mlp.") and name.split(".")[-2] in ("gate_proj", "up_proj"):
                    del hf[name]
            hf[hl + "self_attn.qkv_proj.weight"] = packed_qkv
            hf[hl + "mlp.gate_up_proj.weight"] = packed_gu
        else:
            ours.update({l + "input_layernorm.weight": n1, l + "post_attention_layernorm.weight": n2,
                         l + "self_attn.q_proj.weight": q, l + "self_attn.k_proj.weight": k,
                         l + "self_attn.v_proj.weight": v, l + "self_attn.o_proj.weight": o,
                         l + "mlp.gate_proj.weight": gate, l + "mlp.up_proj.weight": up, l + "mlp.down_proj.weight": down})
            if family == "qwen2_5":
                for name, rows in (("q_proj", h * hd), ("k_proj", kv * hd), ("v_proj", kv * hd)):
                    b = rng_tensor(rng, 0.1, 0, rows)
                    ours[l + f"self_attn.{name}.bias"] = b
                    hf[hl + f"self_attn.{name}.bias"] = b
    norm = rng_tensor(rng, 0.1, 1, d)
    ours[p + "norm.weight"] = norm
    hf["model.norm.weight"] = norm
    if not llm.get("tie_word_embeddings"):
        head = rng_tensor(rng, 0.15, 0, VOCAB, d)
        ours["language_model.output.weight" if family == "internlm2" else "language_model.lm_head.weight"] = head
        hf["lm_head.weight"] = head
    return ours, hf


def hf_model(family, llm, rope, hf_weights):
    cfg = dict(llm)
    if family == "phi3" and rope == "su":
        hd = cfg["hidden_size"] // cfg["num_attention_heads"]
        rng = np.random.default_rng(77)
        rope = {"type": "su", "short_factor": [round(float(x), 4) for x in 1 + rng.random(hd // 2)],
                "long_factor": [round(float(x), 4) for x in 1 + 7 * rng.random(hd // 2)]}
    if rope is not None:
        cfg["rope_scaling"] = rope
    arch = "LlamaForCausalLM" if family == "internlm2" else cfg["architectures"][0]
    hf_cfg = copy.deepcopy(cfg)  # transformers rewrites rope_scaling in place; the InternVL config keeps the original
    for key in ("architectures", "model_type", "bias"):
        hf_cfg.pop(key, None)
    if family == "internlm2":
        hf_cfg["attention_bias"] = False
    if isinstance(rope, dict) and rope.get("type") == "su":
        # transformers 5 wants the original context inside rope_parameters; Phi-3 configs keep it top level
        hf_cfg["rope_scaling"] = dict(rope, original_max_position_embeddings=cfg["original_max_position_embeddings"])
    config_cls = {"LlamaForCausalLM": transformers.LlamaConfig, "Phi3ForCausalLM": transformers.Phi3Config,
                  "Qwen2ForCausalLM": transformers.Qwen2Config}[arch]
    config = config_cls(**hf_cfg)
    config._attn_implementation = "eager"
    model = getattr(transformers, arch)(config).eval().float()
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in hf_weights.items()}, strict=False)
    missing = [m for m in missing if not (llm.get("tie_word_embeddings") and m == "lm_head.weight")]
    assert not missing and not unexpected, (missing, unexpected)
    if llm.get("tie_word_embeddings"):
        model.tie_weights()
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    return model, cfg


@torch.no_grad()
def run_case(model_factory, ids):
    model = model_factory()  # fresh per case: transformers' dynamic RoPE keeps state between calls
    rot = model.model.rotary_emb
    info = {"rope_type": rot.rope_type, "attention_scaling": float(rot.attention_scaling)}
    out = model(input_ids=torch.tensor([ids]), use_cache=True)
    last = out.logits[0, -1].float().numpy().copy()
    past = out.past_key_values
    greedy, logits = [], out.logits[0, -1]
    for _ in range(GREEDY):
        nxt = int(torch.argmax(logits))
        greedy.append(nxt)
        out = model(input_ids=torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past, logits = out.past_key_values, out.logits[0, -1]
    top2 = np.sort(last)[-2:]
    return last, greedy, float(top2[1] - top2[0]), info


def generate(out_dir):
    rng = np.random.default_rng(2026)
    prompts = {f"len{n}": [int(x) for x in rng.integers(3, VOCAB, n)] for n in PROMPT_LENGTHS}
    manifest = {"generator": "tools/reference-logits/generate.py",
                "reference": f"transformers {transformers.__version__}, torch {torch.__version__}, float32, eager attention",
                "prompts": prompts, "families": {}}
    for fi, (family, spec) in enumerate(FAMILIES.items()):
        fdir = os.path.join(out_dir, family)
        os.makedirs(fdir, exist_ok=True)
        ours, hf = make_weights(family, spec["llm"], 1000 + fi)
        save_file(ours, os.path.join(fdir, "model.safetensors"), metadata={"format": "pt"})
        fam = {"weights": "model.safetensors", "variants": {}}
        for variant, rope in spec["variants"].items():
            factory = lambda: hf_model(family, spec["llm"], rope, hf)[0]
            _, cfg = hf_model(family, spec["llm"], rope, hf)
            config = {"architectures": ["InternVLChatModel"], "model_type": "internvl_chat",
                      "template": spec["template"], "llm_config": cfg,
                      "_note": "fragment: only llm_config is meaningful; no vision weights"}
            with open(os.path.join(fdir, f"config.{variant}.json"), "w") as f:
                json.dump(config, f, indent=1)
            cases = {}
            for name, ids in prompts.items():
                last, greedy, gap, info = run_case(factory, ids)
                fname = f"{variant}__{name}__last_logits.bin"
                last.astype("<f4").tofile(os.path.join(fdir, fname))
                cases[name] = {"logits": fname, "argmax": int(np.argmax(last)), "greedy": greedy,
                               "top1_top2_gap": gap, "transformers_rope": info, "sha256": hashlib.sha256(last.astype("<f4").tobytes()).hexdigest()}
            fam["variants"][variant] = {"config": f"config.{variant}.json", "rope_scaling": cfg.get("rope_scaling"),
                                        "cases": cases}
            print(family, variant, {k: v["argmax"] for k, v in cases.items()})
        manifest["families"][family] = fam
    # How much each scaling changes the logits, so that a test passing on them shows the scaling is exercised.
    for family, fam in manifest["families"].items():
        base = fam["variants"]["none"]["cases"]
        for variant, v in fam["variants"].items():
            for name, c in v["cases"].items():
                a = np.fromfile(os.path.join(out_dir, family, c["logits"]), dtype="<f4")
                b = np.fromfile(os.path.join(out_dir, family, base[name]["logits"]), dtype="<f4")
                c["max_abs_diff_vs_unscaled"] = float(np.max(np.abs(a - b)))
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def check_qwen2(golden_dir):
    """Runs the committed Jlama Qwen2 golden checkpoint through transformers: both references should agree."""
    cfg = json.load(open(os.path.join(golden_dir, "config.json")))["llm_config"]
    w = load_file(os.path.join(golden_dir, "qwen2_tiny.safetensors"))
    hf = {k[len("language_model."):]: v for k, v in w.items()}
    man = json.load(open(os.path.join(golden_dir, "manifest.json")))["cases"]
    hf_cfg = {k: v for k, v in cfg.items() if k not in ("architectures", "model_type")}
    config = transformers.Qwen2Config(**hf_cfg)
    config._attn_implementation = "eager"
    model = transformers.Qwen2ForCausalLM(config).eval().float()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in hf.items()}, strict=True)
    for name, case in man.items():
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([case["token_ids"]])).logits[0, -1].numpy()
        jl = np.fromfile(os.path.join(golden_dir, case["last_logits_file"]), dtype="<f4")
        print(name, "transformers vs Jlama max abs diff", float(np.max(np.abs(logits - jl))))


if __name__ == "__main__":
    if sys.argv[1] == "--check-qwen2":
        check_qwen2(sys.argv[2])
    else:
        generate(sys.argv[1])
