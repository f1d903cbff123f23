// Writes internvl2-qwen2/encode_cases.json: the ids an independent implementation (@lenml/tokenizers 3.7.2,
// a dependency-free port of the transformers.js tokenizers, Apache-2.0) gives for the texts in
// encode_texts.json, so the Java tests check DJL's Rust tokenizer against a second implementation.
//
// Usage (from this folder): npm install @lenml/tokenizers@3.7.2 && node encode_cases.js
const fs = require('fs');
const { TokenizerLoader } = require('@lenml/tokenizers');

const dir = 'internvl2-qwen2';
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(dir + '/tokenizer.json', 'utf8')),
  tokenizerConfig: JSON.parse(fs.readFileSync(dir + '/tokenizer_config.json', 'utf8')),
});
const texts = JSON.parse(fs.readFileSync('encode_texts.json', 'utf8'));
const cases = texts.map((text) => ({ text, ids: Array.from(tokenizer.encode(text, { add_special_tokens: true })) }));
const lines = cases.map((c) => '  ' + JSON.stringify(c));
const header = '{"generator": "encode_cases.js with @lenml/tokenizers 3.7.2", "cases": [\n';
fs.writeFileSync(dir + '/encode_cases.json', header + lines.join(',\n') + '\n]}\n');
