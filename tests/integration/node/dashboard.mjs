// Drives the emulator's dashboard in Debian's headless Chromium through playwright-core, as a
// user would: node dashboard.mjs SCENARIO '{"url": ..., ...}'. Each scenario checks what the
// page shows, saves screenshots in args.shots, prints {"ok": true} and exits 0; on a failed
// check it saves failure.png, prints the reason and exits 1. Run by test_dashboard.py.
import { chromium } from 'playwright-core';

const TIMEOUT = 20000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function waitText(page, selector, predicate, what) {
  const locator = page.locator(selector).first();
  const deadline = Date.now() + TIMEOUT;
  let last = null;
  while (Date.now() < deadline) {  // bounded by the deadline
    if (await locator.count() > 0) {
      last = await locator.textContent();
      if (predicate(last)) return last;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: ${selector} reads ${JSON.stringify(last)}`);
}

const texts = (page, selector) => page.locator(selector).allTextContents();

// Records produced, decoded on the page; XSS-shaped values shown as text; replay, disable,
// offset reset and enable clicked; a failing function's error shown.
async function walkthrough(page, a) {
  await page.goto(a.url);
  await waitText(page, `tr[data-uuid="${a.good}"] .state`, (t) => t === 'Enabled', 'good mapping Enabled');
  await waitText(page, `tr[data-uuid="${a.bad}"] td.result.problem`, (t) => t.startsWith('PROBLEM'),
    'failing mapping shows its PROBLEM');

  await page.locator(`tr[data-uuid="${a.good}"]`).click();
  await page.locator('#d-invocations .record').nth(a.records - 1).waitFor({ timeout: TIMEOUT });
  const values = await texts(page, '#d-invocations .field-value pre');
  check(values.includes(JSON.stringify(a.json_value, null, 2)), `JSON value pretty-printed: ${values}`);
  check(values.includes(a.script_value), `script value shown as text: ${values}`);
  const keys = await texts(page, '#d-invocations .field-key pre');
  check(keys.includes(a.key), `key decoded: ${keys}`);
  const headers = await texts(page, '#d-invocations .header');
  check(headers.some((h) => h.includes(a.header_name) && h.includes(a.header_value)),
    `header decoded: ${headers}`);
  check(await page.evaluate(() => window.__xss) === undefined, 'a record value ran as script');
  check(await page.locator('#detail img, #detail script').count() === 0, 'record text became elements');
  await page.screenshot({ path: `${a.shots}/dashboard-records.png`, fullPage: true });

  const cards = await page.locator('#d-invocations > li').count();
  await page.locator('#d-invocations > li').first().locator('button.replay').click();
  await waitText(page, '#d-action-result', (t) => t.startsWith('Replay: Success'), 'replay answered');
  await waitText(page, '#d-invocations > li .replay-of', (t) => t.startsWith('replay of'), 'replay in timeline');
  check(await page.locator('#d-invocations > li').count() === cards + 1, 'one more invocation');

  await page.locator('#d-disable').click();
  await waitText(page, '#d-facts [data-field=State]', (t) => t === 'Disabled', 'Disabled after the click');
  await waitText(page, `tr[data-uuid="${a.good}"] .state`, (t) => t === 'Disabled', 'list shows Disabled');
  await page.locator('#d-position').selectOption('TRIM_HORIZON');
  await page.locator('#d-reset-go').click();
  await waitText(page, '#d-action-result', (t) => t.startsWith('Offsets set:') && t.includes('p0 -> 0'),
    'offsets reset');
  await page.locator('#d-enable').click();
  await waitText(page, '#d-facts [data-field=State]', (t) => t === 'Enabled', 'Enabled after the click');

  await page.locator(`tr[data-uuid="${a.bad}"]`).click();
  const error = await waitText(page, '#d-invocations > li.failed .error', (t) => t.length > 0,
    'the function error stands out');
  await waitText(page, '#d-facts [data-field=LastProcessingResult].problem', (t) => t.startsWith('PROBLEM'),
    'the mapping result stands out');
  await page.screenshot({ path: `${a.shots}/dashboard-failure.png`, fullPage: true });

  await page.locator('#filter').fill(a.bad_topic);
  await waitText(page, '#page', (t) => t === '1-1 of 1', 'filter narrows to one');
  return { error };
}

// 500 mappings: paged, filtered, never more rows than a page.
async function many(page, a) {
  await page.goto(a.url);
  await waitText(page, '#page', (t) => t === `1-50 of ${a.total}`, 'first page');
  check(await page.locator('#rows tr').count() === 50, 'one page of rows');
  await page.locator('#next').click();
  await waitText(page, '#page', (t) => t === `51-100 of ${a.total}`, 'second page');
  await page.locator('#filter').fill(a.one.slice(0, 13));
  await waitText(page, '#page', (t) => t === '1-1 of 1', 'filtered to one');
  await page.locator(`tr[data-uuid="${a.one}"]`).click();
  await waitText(page, '#d-title', (t) => t === `Mapping ${a.one}`, 'its detail');
  await page.screenshot({ path: `${a.shots}/dashboard-many.png`, fullPage: true });
  return {};
}

// --require-sigv4 with --dashboard-token: the page opened as /#token=... lists the mapping and
// keeps the token out of the address bar; no secret value is on the page.
async function token(page, a) {
  await page.goto(`${a.url}/#token=${a.token}`);
  await waitText(page, `tr[data-uuid="${a.uuid}"] .state`, (t) => t.length > 0, 'mapping listed');
  check(!page.url().includes(a.token), `token left in the address bar: ${page.url()}`);
  await page.locator(`tr[data-uuid="${a.uuid}"]`).click();
  await waitText(page, '#d-title', (t) => t === `Mapping ${a.uuid}`, 'its detail');
  check(!(await page.content()).includes(a.secret), 'a secret value is on the page');
  await page.screenshot({ path: `${a.shots}/dashboard-token.png`, fullPage: true });
  return {};
}

const scenarios = { walkthrough, many, token };

async function main() {
  const [name, json] = process.argv.slice(2);
  const args = JSON.parse(json);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  try {
    const result = await scenarios[name](page, args);
    check(pageErrors.length === 0, `errors on the page: ${pageErrors.join('; ')}`);
    console.log(JSON.stringify({ ok: true, ...result }));
  } catch (e) {
    await page.screenshot({ path: `${args.shots}/failure.png`, fullPage: true }).catch(() => {});
    console.log(JSON.stringify({ ok: false, error: String(e.stack || e), pageErrors }));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main();
