// The sample page in headless Chromium (started by BrowserTest against the running app): upload an image, find
// phrases, read the text, take a screenshot, and show an error for a file that is not an image. Prints a JSON
// summary of what the page shows as its last line.
import { chromium } from 'playwright-core';

const { BASE_URL, IMAGE, NOT_IMAGE, SCREENSHOT } = process.env;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await page.goto(BASE_URL);
  await page.waitForFunction(() => document.getElementById('model').textContent !== 'connecting…');
  const model = await page.textContent('#model');

  await page.setInputFiles('#file', IMAGE);
  await page.waitForFunction(() => document.getElementById('photo').naturalWidth > 0);
  await page.fill('#phrase', 'the red square, the clouds, a unicorn');
  await page.check('#all');
  await page.click('#find');
  await page.waitForFunction(() => document.querySelectorAll('#boxes .box').length === 3
    && !document.getElementById('find').disabled, null, { timeout: 60_000 });

  const photo = await page.locator('#photo').boundingBox();
  const boxes = [];
  for (const box of await page.locator('#boxes .box').all()) {
    const b = await box.boundingBox();
    boxes.push({
      label: await box.getAttribute('data-label'),
      tag: await box.locator('.label').textContent(),
      left: (b.x - photo.x) / photo.width,
      top: (b.y - photo.y) / photo.height,
      width: b.width / photo.width,
      height: b.height / photo.height,
    });
  }
  const legend = await page.locator('#legend li').allTextContents();
  const status = await page.textContent('#status');

  await page.click('#read');
  await page.waitForFunction(() => !document.getElementById('ocr-text').classList.contains('placeholder')
    && !document.getElementById('read').disabled, null, { timeout: 60_000 });
  const ocr = await page.textContent('#ocr-text');
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  await page.setInputFiles('#file', NOT_IMAGE);
  await page.click('#read');
  await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
  const error = await page.textContent('#error');

  console.log(JSON.stringify({ model, photo, boxes, legend, status, ocr, error, consoleErrors }));
} finally {
  await browser.close();
}
