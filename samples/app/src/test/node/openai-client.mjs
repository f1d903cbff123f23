// The official OpenAI client against the sample app's /v1 endpoints (started by OpenAiClientTest on a tiny random
// checkpoint). Exits non-zero on the first failed check; prints a JSON summary as its last line.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import OpenAI from 'openai';

const baseURL = process.env.BASE_URL;
const model = process.env.MODEL;
const png = await readFile(process.env.IMAGE);
const dataUrl = 'data:image/png;base64,' + png.toString('base64');
const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 120_000 });

const question = (url = dataUrl) => [{
  role: 'user',
  content: [
    { type: 'text', text: 'Describe the image.' },
    { type: 'image_url', image_url: { url, detail: 'auto' } },
  ],
}];

// GET /v1/models
const models = await client.models.list();
assert.deepEqual(models.data.map((m) => m.id), [model]);
assert.equal((await client.models.retrieve(model)).id, model);

// a plain completion with an image
const completion = await client.chat.completions.create({ model, messages: question(), max_tokens: 6 });
assert.equal(completion.object, 'chat.completion');
assert.equal(completion.model, model);
assert.equal(completion.choices.length, 1);
const answer = completion.choices[0].message.content;
assert.equal(typeof answer, 'string');
assert.ok(answer.length > 0);
assert.equal(completion.choices[0].message.role, 'assistant');
assert.equal(completion.choices[0].finish_reason, 'length'); // random weights run to the limit
assert.equal(completion.usage.completion_tokens, 6);
assert.ok(completion.usage.prompt_tokens > 256, 'one tile of image tokens and the text');
assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + 6);

// the same, streamed: the deltas add up to the same answer (greedy decoding)
const stream = await client.chat.completions.create({
  model, messages: question(), max_completion_tokens: 6, stream: true, stream_options: { include_usage: true },
});
let streamed = '';
let chunks = 0;
let finish = null;
let usage = null;
for await (const chunk of stream) {
  chunks++;
  assert.equal(chunk.object, 'chat.completion.chunk');
  for (const choice of chunk.choices) {
    streamed += choice.delta.content ?? '';
    finish = choice.finish_reason ?? finish;
  }
  usage = chunk.usage ?? usage;
}
assert.equal(streamed, answer);
assert.equal(finish, 'length');
assert.deepEqual(usage, completion.usage);
assert.ok(chunks >= 3, 'a role chunk, content chunks, a finish chunk');

// sampling options: the same seed gives the same answer
const sampled = (seed) => client.chat.completions.create({
  model, messages: question(), max_tokens: 5, temperature: 1, top_p: 0.9, seed, stop: ['\n\n'],
}).then((c) => c.choices[0].message.content);
assert.equal(await sampled(3), await sampled(3));

// errors are the client's typed errors
await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: question() }), (e) => {
  assert.ok(e instanceof OpenAI.NotFoundError, String(e));
  assert.match(e.message, /The model 'gpt-4o' does not exist/);
  return true;
});
const garbage = 'data:image/png;base64,' + Buffer.from('not an image').toString('base64');
await assert.rejects(client.chat.completions.create({ model, messages: question(garbage) }), (e) => {
  assert.ok(e instanceof OpenAI.BadRequestError, String(e));
  assert.match(e.message, /unsupported or unrecognized image format/);
  return true;
});
await assert.rejects(client.chat.completions.create({ model, messages: question(garbage), stream: true }), (e) => {
  assert.ok(e instanceof OpenAI.BadRequestError, String(e)); // a plain 400, before any event
  return true;
});

// a client that goes away mid-stream: the server stops generating (OpenAiClientTest checks its observation)
const controller = new AbortController();
const long = await client.chat.completions.create(
  { model, messages: question(), max_tokens: 4000, stream: true }, { signal: controller.signal });
let received = 0;
try {
  for await (const chunk of long) {
    if (++received === 3) {
      controller.abort(); // the client's stream then ends (quietly, or with APIUserAbortError)
    }
  }
} catch (e) {
  assert.ok(e instanceof OpenAI.APIUserAbortError, String(e));
}
assert.ok(received < 10, `the aborted stream stopped early (${received} chunks)`);

// grounding (multipart through the real server) and OCR (JSON), on the model
const root = baseURL.replace(/\/v1$/, '');
const form = new FormData();
form.append('image', new Blob([png], { type: 'image/png' }), 'picture.png');
form.append('phrase', 'the red square');
const grounded = await fetch(root + '/v1/grounding', { method: 'POST', body: form });
assert.equal(grounded.status, 200, await grounded.clone().text());
const grounding = await grounded.json();
assert.equal(grounding.model, model);
assert.equal(grounding.results[0].phrase, 'the red square');
assert.ok(Array.isArray(grounding.results[0].refs));
const read = await fetch(root + '/v1/ocr', {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ image: dataUrl }),
});
assert.equal(read.status, 200);
const ocr = await read.json();
assert.equal(typeof ocr.text, 'string');

// a video as vLLM takes it: a video_url part with a data: URL, frames by media_io_kwargs (sent as given)
const mp4 = await readFile(process.env.VIDEO);
const videoUrl = 'data:video/mp4;base64,' + mp4.toString('base64');
const aboutVideo = (url, extra = {}) => client.chat.completions.create({
  model, max_tokens: 1, ...extra, messages: [{
    role: 'user',
    content: [{ type: 'text', text: 'What happens in the video?' }, { type: 'video_url', video_url: { url } }],
  }],
});
const textOnly = (await client.chat.completions.create({
  model, max_tokens: 1, messages: [{ role: 'user', content: 'What happens in the video?' }],
})).usage.prompt_tokens;
const eightFrames = (await aboutVideo(videoUrl)).usage.prompt_tokens;
const fourFrames = (await aboutVideo(videoUrl, { media_io_kwargs: { video: { num_frames: 4 } } })).usage.prompt_tokens;
const brokenVideo = 'data:video/mp4;base64,' + mp4.subarray(0, mp4.length / 3).toString('base64');
await assert.rejects(aboutVideo(brokenVideo), (e) => {
  assert.ok(e instanceof OpenAI.BadRequestError, String(e));
  assert.equal(e.code, 'invalid_video');
  return true;
});

console.log(JSON.stringify({
  models: models.data.map((m) => m.id), answer, streamed, chunks, usage,
  video: { textOnly, eightFrames, fourFrames },
  grounding: { width: grounding.image.width, height: grounding.image.height, raw: grounding.results[0].raw },
  ocr: ocr.raw,
}));
