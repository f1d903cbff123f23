// The sample page: upload an image, ask where things are (POST /v1/grounding) and what it says (POST /v1/ocr).
// Boxes come back in pixels of the image as sent; they are drawn as percentages of that size, so they stay on
// their objects at any display size.
'use strict';

const COLORS = ['#e5484d', '#2f6fec', '#12a150', '#f5a524', '#8e4ec6', '#0ea5b7', '#d6409f', '#6e56cf'];

const $ = (id) => document.getElementById(id);
const form = $('ask'), fileInput = $('file'), drop = $('drop'), phraseInput = $('phrase');
const findButton = $('find'), readButton = $('read');
const photo = $('photo'), stage = $('stage'), boxes = $('boxes'), legend = $('legend');
let image = null; // the chosen File
let photoUrl = null;

function headers() {
  const key = $('key').value.trim();
  return key ? { Authorization: 'Bearer ' + key } : {};
}

function setBusy(text) {
  const status = $('status');
  status.textContent = text || '';
  status.classList.toggle('busy', Boolean(text));
  findButton.disabled = readButton.disabled = Boolean(text) || !image;
}

function showError(message) {
  const error = $('error');
  error.textContent = message || '';
  error.hidden = !message;
}

async function call(path, body) {
  const response = await fetch(path, { method: 'POST', body, headers: headers() });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON: reported below */ }
  if (!response.ok) {
    if (response.status === 401) {
      $('settings').open = true;
      $('key').focus();
    }
    const message = json && json.error ? json.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  if (!json) {
    throw new Error('The server answered with something that is not JSON');
  }
  return json;
}

function choose(file) {
  if (!file) {
    return;
  }
  image = file;
  $('file-name').textContent = file.name + ' · ' + Math.max(1, Math.round(file.size / 1024)) + ' KB';
  if (photoUrl) {
    URL.revokeObjectURL(photoUrl);
  }
  photoUrl = URL.createObjectURL(file);
  photo.src = photoUrl;
  stage.hidden = false;
  $('empty').hidden = true;
  clearBoxes();
  $('ocr-text').textContent = 'Press “Read text” to read the text of the image.';
  $('ocr-text').classList.add('placeholder');
  $('copy').hidden = true;
  showError('');
  setBusy('');
  phraseInput.focus();
}

function clearBoxes() {
  boxes.replaceChildren();
  legend.replaceChildren();
  $('raw').hidden = true;
}

function phrases() {
  return phraseInput.value.split(/[,\n]/).map((p) => p.trim()).filter((p) => p.length > 0);
}

function percent(v, size) {
  return (100 * v / size).toFixed(4) + '%';
}

function draw(result) {
  clearBoxes();
  const { width, height } = result.image;
  const answers = [];
  let count = 0;
  result.results.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    answers.push(r.raw);
    const found = r.refs.flatMap((ref) => ref.boxes.map((b) => ({ label: ref.label || r.phrase, box: b })));
    if (found.length === 0) {
      const li = document.createElement('li');
      li.className = 'none';
      li.style.setProperty('--c', color);
      li.innerHTML = '<span class="swatch"></span>';
      li.append(`“${r.phrase}”: not found`);
      legend.append(li);
    }
    for (const { label, box } of found) {
      count++;
      const div = document.createElement('div');
      div.className = 'box' + (box.y1 / height < 0.08 ? ' top' : '');
      div.style.setProperty('--c', color);
      div.style.left = percent(box.x1, width);
      div.style.top = percent(box.y1, height);
      div.style.width = percent(box.x2 - box.x1, width);
      div.style.height = percent(box.y2 - box.y1, height);
      div.dataset.label = label;
      div.title = `${label}: ${fmt(box.x1)}, ${fmt(box.y1)} – ${fmt(box.x2)}, ${fmt(box.y2)} px`;
      const tag = document.createElement('span');
      tag.className = 'label';
      tag.textContent = label;
      div.append(tag);
      boxes.append(div);

      const li = document.createElement('li');
      li.style.setProperty('--c', color);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      const coords = document.createElement('span');
      coords.className = 'coords';
      coords.textContent = `${fmt(box.x1)},${fmt(box.y1)} → ${fmt(box.x2)},${fmt(box.y2)} px`;
      li.append(swatch, label, coords);
      legend.append(li);
    }
  });
  $('raw-text').textContent = answers.join('\n\n');
  $('raw').hidden = false;
  return count;
}

function fmt(v) {
  return Math.round(v).toString();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const wanted = phrases();
  if (!image) {
    showError('Choose an image first.');
    return;
  }
  if (wanted.length === 0) {
    showError('Type what to find, for example “the red car”.');
    phraseInput.focus();
    return;
  }
  const body = new FormData();
  body.append('image', image, image.name);
  wanted.forEach((p) => body.append('phrase', p));
  body.append('all', $('all').checked ? 'true' : 'false');
  showError('');
  setBusy(wanted.length === 1 ? `Looking for “${wanted[0]}”…` : `Looking for ${wanted.length} things…`);
  try {
    const result = await call('v1/grounding', body);
    const n = draw(result);
    setBusy('');
    $('status').textContent = n === 0 ? 'Nothing found.' : n === 1 ? 'Found 1 box.' : `Found ${n} boxes.`;
  } catch (e) {
    setBusy('');
    showError(e.message);
  }
});

readButton.addEventListener('click', async () => {
  if (!image) {
    return;
  }
  const body = new FormData();
  body.append('image', image, image.name);
  showError('');
  setBusy('Reading the text…');
  try {
    const result = await call('v1/ocr', body);
    const out = $('ocr-text');
    out.classList.toggle('placeholder', !result.text);
    out.textContent = result.text || 'No text found.';
    $('copy').hidden = !result.text;
    setBusy('');
    $('status').textContent = result.lines.length === 1 ? 'Read 1 line.' : `Read ${result.lines.length} lines.`;
  } catch (e) {
    setBusy('');
    showError(e.message);
  }
});

$('copy').addEventListener('click', () => navigator.clipboard.writeText($('ocr-text').textContent));
fileInput.addEventListener('change', () => choose(fileInput.files[0]));
['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (e) => {
  e.preventDefault();
  drop.classList.add('over');
}));
['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, (e) => {
  e.preventDefault();
  drop.classList.remove('over');
}));
drop.addEventListener('drop', (e) => choose(e.dataTransfer.files[0]));
$('key').value = sessionStorage.getItem('internvl-key') || '';
$('key').addEventListener('change', () => sessionStorage.setItem('internvl-key', $('key').value.trim()));

fetch('v1/models', { headers: headers() })
  .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
  .then((m) => { $('model').textContent = m.data[0].id; })
  .catch((status) => {
    $('model').textContent = status === 401 ? 'API key needed' : 'model unavailable';
    $('model').classList.add('down');
  });
