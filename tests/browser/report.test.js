// Loads the HTML reports in headless Chromium, as an auditor opens them from a file:
// no request may leave the page, the page must run without a console error (a CSP violation
// is one), the filter must hide and show the right rows, the page must read with script off,
// and it must print to A4. Screenshots and PDFs go to target/browser/ for a person to look at.
//
// usage: node report.test.js [PAGES_DIR]   (default: ../../target/browser)
'use strict';

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { chromium } = require('playwright-core');

const dir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'target', 'browser'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
let failures = 0;

function check(ok, what) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    failures++;
    console.log(`FAIL ${what}`);
  }
}

async function visibleRows(page) {
  return page.$$eval('tr.row', (rows) =>
    rows.filter((r) => !r.hidden && r.offsetParent !== null).map((r) => ({
      status: r.getAttribute('data-status'),
      severity: r.getAttribute('data-severity'),
      text: r.textContent,
    })));
}

/// Opens `file` in a fresh context that records every request other than the page itself.
async function open(browser, file, options = {}) {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const stray = new Set();
  const errors = [];
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    stray.add(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => { if (r.url() !== url) stray.add(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  return { context, page, stray, errors };
}

/// Scrolls the heading above `selector` to the top of the window.
async function scrollTo(page, selector) {
  await page.$eval(selector, (e) => {
    const target = e.previousElementSibling || e;
    window.scrollTo(0, target.getBoundingClientRect().top + window.scrollY - 8);
  });
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(dir, `${name}.png`), timeout: 120000 });
}

async function setFilter(page, { text = '', status = '', severity = '' }) {
  await page.fill('#f-text', '');
  if (text) await page.type('#f-text', text);
  await page.selectOption('#f-status', status);
  if (await page.$('#f-severity')) await page.selectOption('#f-severity', severity);
}

async function pdfPages(page, out) {
  await page.pdf({ path: out, format: 'A4', printBackground: true });
  const bytes = fs.readFileSync(out).toString('latin1');
  return { header: bytes.slice(0, 5), pages: (bytes.match(/\/Type\s*\/Page(?![s\w])/g) || []).length };
}

async function testPage(browser, name, cases) {
  const file = path.join(dir, `${name}.html`);
  check(fs.existsSync(file), `${name}: ${file} exists`);
  const { context, page, stray, errors } = await open(browser, file);
  check(await page.isVisible('#filters'), `${name}: the filter bar is shown when script runs`);
  const all = await visibleRows(page);
  check(all.length > 0, `${name}: ${all.length} rows before filtering`);
  // viewport shots of the parts worth looking at (a full-page shot of a long report is slow)
  await shoot(page, `${name}-top`);
  await scrollTo(page, 'h2 + .filters, #filters');
  await shoot(page, `${name}-table`);
  await page.locator('section.theme').last().scrollIntoViewIfNeeded();
  await shoot(page, `${name}-theme`);
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const c of cases) {
    await setFilter(page, c.filter);
    const shown = await visibleRows(page);
    check(shown.length < all.length, `${name}: ${JSON.stringify(c.filter)} hides rows (${shown.length} of ${all.length} shown)`);
    check(c.expect(shown, all), `${name}: ${JSON.stringify(c.filter)} shows ${c.what}`);
    const count = await page.textContent('#f-count');
    check(count === `${shown.length} of ${all.length} rows shown`, `${name}: the count says "${count}"`);
    if (c.screenshot) {
      await scrollTo(page, '#filters');
      await shoot(page, `${name}-${c.screenshot}`);
    }
  }
  await setFilter(page, {});
  check((await visibleRows(page)).length === all.length, `${name}: clearing the filter shows every row again`);
  const pdf = await pdfPages(page, path.join(dir, `${name}.pdf`));
  check(pdf.header === '%PDF-' && pdf.pages >= 5, `${name}: prints to A4 (${pdf.pages} pages, a theme per page at least)`);
  await page.emulateMedia({ media: 'print' });
  check(!(await page.isVisible('#filters')), `${name}: the filter bar is not printed`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, `${name}-print`);
  check(stray.size === 0, `${name}: no request leaves the page ${stray.size ? JSON.stringify([...stray]) : ''}`);
  check(errors.length === 0, `${name}: no console error ${errors.length ? JSON.stringify(errors) : ''}`);
  await context.close();

  // without script, the page is complete: every row shown, no dead filter
  const off = await open(browser, file, { javaScriptEnabled: false });
  check(!(await off.page.isVisible('#filters')), `${name}: without script the filter bar is hidden`);
  check((await visibleRows(off.page)).length === all.length, `${name}: without script every row is shown`);
  check(off.stray.size === 0, `${name}: without script no request either`);
  await off.context.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    // the watch on requests must itself see one: a page that asks for an image
    const canary = path.join(dir, 'canary.html');
    fs.writeFileSync(canary, '<!DOCTYPE html><img src="https://annexa.invalid/pixel.png">');
    const probe = await open(browser, canary);
    check(probe.stray.size === 1, `the request watch sees a page's request (${JSON.stringify([...probe.stray])})`);
    await probe.context.close();
    fs.unlinkSync(canary);

    await testPage(browser, 'check', [
      {
        filter: { text: 'joblib' },
        what: 'only the rule whose finding mentions joblib',
        expect: (shown) => shown.length === 1 && shown[0].text.includes('ml.models.models_safe_format'),
        screenshot: 'filtered',
      },
      {
        filter: { status: 'fail' },
        what: 'only failed rows, every one of them',
        expect: (shown, all) => shown.length > 0 && shown.every((r) => r.status === 'fail')
          && shown.length === all.filter((r) => r.status === 'fail').length,
      },
      {
        filter: { status: 'fail', severity: 'high' },
        what: 'only failed rules of high severity',
        expect: (shown, all) => shown.length > 0 && shown.every((r) => r.status === 'fail' && r.severity === 'high')
          && shown.length === all.filter((r) => r.status === 'fail' && r.severity === 'high').length,
      },
      {
        filter: { text: 'no such text anywhere' },
        what: 'nothing',
        expect: (shown) => shown.length === 0,
      },
    ]);
    await testPage(browser, 'soa', [
      {
        filter: { text: 'cryptography' },
        what: 'the rows mentioning cryptography, A.8.24 among them',
        expect: (shown) => shown.length >= 1 && shown.every((r) => r.text.toLowerCase().includes('cryptography'))
          && shown.some((r) => r.text.includes('A.8.24')),
        screenshot: 'filtered',
      },
      {
        filter: { status: 'gap' },
        what: 'only the gaps, every one of them',
        expect: (shown, all) => shown.length > 0 && shown.every((r) => r.status === 'gap')
          && shown.length === all.filter((r) => r.status === 'gap').length,
      },
    ]);
  } finally {
    await browser.close();
  }
  if (failures > 0) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log('browser tests passed');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
