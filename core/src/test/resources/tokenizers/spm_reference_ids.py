"""Reference ids for `phi3-internvl/` (Phi-3's tokenizer_config.json with InternVL's tokens, over
`mistral-spm/tokenizer.model`): what the slow Python tokenizer that InternVL's model cards load
(`AutoTokenizer.from_pretrained(path, use_fast=False)`, a `LlamaTokenizer` with `legacy: false`) gives.

The tokenization itself is transformers' own slow machinery: `SentencePieceBackend` of transformers 5.17.0
(the added-token trie, lstrip/rstrip of added tokens, and the SentencePiece C++ library with the dummy prefix
switched off, encoding "<unk>" + chunk and dropping the "<unk>" pieces for chunks that start with a space).
`LlamaTokenizer.tokenize` of transformers 4.x (which 5.x no longer has) is restated in four lines below: replace
"▁" by " ", prepend "▁" to the whole text, drop that "▁" again when the next token is one of `all_special_tokens`.

For comparison the file also records `fast_ids`, what transformers 5's own (tokenizers-backed) LlamaTokenizer gives
where it differs: it adds no "▁" before text that starts with a space and none before a leading added token.
The legacy folders take their ids from @lenml/tokenizers (spm_encode_cases.js).

Usage (from this folder): python spm_reference_ids.py   (writes phi3-internvl/encode_cases.json)
"""
import json

import sentencepiece
import transformers
from transformers import AddedToken, AutoTokenizer
from transformers.tokenization_utils_sentencepiece import SentencePieceBackend

FOLDER = "phi3-internvl"
MODEL = "mistral-spm/tokenizer.model"


class SlowLlamaTokenizer(SentencePieceBackend):
    """transformers 4.x LlamaTokenizer.tokenize, legacy=False, add_prefix_space=True."""

    def tokenize(self, text, **kwargs):
        if self.legacy or len(text) == 0:
            return super().tokenize(text, **kwargs)
        tokens = super().tokenize("\u2581" + text.replace("\u2581", " "), **kwargs)
        if len(tokens) > 1 and tokens[0] == "\u2581" and tokens[1] in self.all_special_tokens:
            tokens = tokens[1:]
        return tokens


cfg = json.load(open(f"{FOLDER}/tokenizer_config.json", encoding="utf-8"))
added = {int(i): AddedToken(t["content"], lstrip=t["lstrip"], rstrip=t["rstrip"], normalized=t["normalized"],
                            special=t["special"], single_word=t["single_word"])
         for i, t in cfg["added_tokens_decoder"].items()}
slow = SlowLlamaTokenizer(vocab_file=MODEL, legacy=cfg["legacy"], added_tokens_decoder=added,
                          bos_token=cfg["bos_token"], eos_token=cfg["eos_token"], unk_token=cfg["unk_token"],
                          pad_token=cfg["pad_token"])

import os, shutil, tempfile
with tempfile.TemporaryDirectory() as tmp:
    shutil.copy(MODEL, tmp)
    shutil.copy(f"{FOLDER}/tokenizer_config.json", tmp)
    fast = AutoTokenizer.from_pretrained(tmp)

texts = json.load(open("encode_texts.json", encoding="utf-8")) + json.load(open("spm_texts.json", encoding="utf-8"))
cases = []
for text in texts:
    ids = slow.convert_tokens_to_ids(slow.tokenize(text))
    if cfg["add_bos_token"]:
        ids = [slow.convert_tokens_to_ids(cfg["bos_token"])] + ids
    case = {"text": text, "ids": ids}
    fast_ids = fast.encode(text)
    if fast_ids != ids:
        case["fast_ids"] = fast_ids
    cases.append(case)
gen = (f"spm_reference_ids.py: slow LlamaTokenizer(legacy=False) on transformers {transformers.__version__} "
       f"SentencePieceBackend, sentencepiece {sentencepiece.__version__}")
with open(f"{FOLDER}/encode_cases.json", "w", encoding="utf-8") as f:
    f.write('{"generator": ' + json.dumps(gen) + ', "cases": [\n')
    f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n]}\n")
print(len(cases), "cases;", sum("fast_ids" in c for c in cases), "where transformers 5's fast tokenizer differs")
