#!/usr/bin/env node
// Time to interactive of the room page in Chromium (issue #18): a benchmark,
// not a test. It lives outside the Playwright test directories (tests/,
// scale-out/) and is not a *.spec.ts file, so `npx playwright test` never runs
// it, and it asserts no timings: it only reports them.
//
//   node end2end/bench/tti.mjs --url http://127.0.0.1:3400 \
//     --cookie 'parlor_session=...' --room d-0 [--loads 20] [--warm 20] [--verbose]
//
// Each cold load is a first visit: a fresh browser context (empty HTTP cache,
// no service worker, no localStorage) holding only the session cookie, one
// navigation to /room/ROOM/. Each warm load is a return visit: a new page in
// one context that has opened the room once before (HTTP cache filled, service
// worker installed). One uncounted cold load first warms up the browser itself.
//
// Times are milliseconds of performance.now() in the page, i.e. from the
// navigation's start (performance.timeOrigin = 0). An init script, run before
// any of the page's own scripts and changing none of the app's code, sets
// performance marks:
//   parlor:room-socket-open    the room WebSocket (URL with /ws/room/) fires
//                              `open` (window.WebSocket is wrapped to listen;
//                              the app itself polls the socket's state every
//                              20 ms, so it notices up to 20 ms later)
//   parlor:first-message-dom   the first message row (<article class="message"
//                              data-seq=…> in #messages) is in the DOM
//   parlor:first-message       "first message rendered": the server renders the
//                              room's latest messages into the HTML, so rows
//                              come from the HTML parser, not from the socket
//                              or the Wasm app, and can be on screen before
//                              hydration. This mark is when the browser first
//                              painted the text of any message row, as Element
//                              Timing reports it (the script tags rows' text
//                              with an `elementtiming` attribute as it is
//                              parsed; the app never reads it). It waits for
//                              the render-blocking stylesheet, and in practice
//                              equals first contentful paint.
//   parlor:hydrated            the app has hydrated: <html data-hydrated="true">
//                              (set by an effect in src/local_time.rs; effects
//                              run only after hydration; the end-to-end helper
//                              `hydrated` waits for the same attribute)
//   parlor:connected           the app shows itself connected
//                              (#connectionState data-state="connected")
// TTI = the later of socket open and first message rendered. Hydration is
// reported beside it (the room socket is opened by the hydrated app, so socket
// open comes after hydration in practice).
// Percentiles are nearest-rank over the counted loads.
import { chromium } from '@playwright/test';

function parseArgs(argv) {
  const options = { url: 'http://127.0.0.1:3400', cookie: '', room: 'd-0', loads: 20, warm: undefined, timeout: 30_000, verbose: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--url': options.url = value(); break;
      case '--cookie': options.cookie = value(); break;
      case '--room': options.room = value(); break;
      case '--loads': options.loads = Number(value()); break;
      case '--warm': options.warm = Number(value()); break;
      case '--timeout': options.timeout = Number(value()); break;
      case '--verbose': options.verbose = true; break;
      case '--json': options.json = true; break;
      case '-h': case '--help':
        console.log('usage: node end2end/bench/tti.mjs --url URL --cookie NAME=VALUE --room ROOM [--loads N] [--warm N (0: none; default --loads)] [--timeout MS] [--verbose] [--json]');
        process.exit(0);
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  if (options.warm === undefined) options.warm = options.loads;
  if (!options.cookie.includes('=')) throw new Error('--cookie NAME=VALUE is required (e.g. parlor_session=...)');
  if (!(options.loads >= 1)) throw new Error('--loads must be at least 1');
  return options;
}

// Runs in the page before its own scripts (in every frame; only the top one matters).
function instrument() {
  // Each mark once, at its first occurrence (now, or at `options.startTime`).
  const mark = (name, options) => {
    if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name, options);
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = new Proxy(NativeWebSocket, {
    construct(target, args) {
      const socket = Reflect.construct(target, args);
      if (String(args[0]).includes('/ws/room/')) {
        socket.addEventListener('open', () => mark('parlor:room-socket-open'), { once: true });
      }
      return socket;
    },
  });
  // Message rows' text is tagged for Element Timing (a measurement-only attribute the app
  // never reads): the browser then reports when it actually painted it. (A
  // requestAnimationFrame after the row is parsed comes too early: Chromium runs frames
  // before the first paint it presents, and paints the first row only if it is in view.)
  const IDENTIFIER = 'parlor-message';
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.identifier === IDENTIFIER) mark('parlor:first-message', { startTime: entry.renderTime || entry.loadTime });
    }
  }).observe({ type: 'element', buffered: true });
  const painted = () => performance.getEntriesByName('parlor:first-message', 'mark').length > 0;
  const seen = { row: false, hydrated: false, connected: false };
  const check = () => {
    if (!seen.row && document.querySelector('#messages article.message[data-seq]')) {
      seen.row = true;
      mark('parlor:first-message-dom');
    }
    // Tagged as the parser adds them: this observer runs before the next paint.
    if (seen.row && !painted()) {
      for (const element of document.querySelectorAll('#messages article.message[data-seq] :is(.sender, .text, .text > *):not([elementtiming])')) {
        element.setAttribute('elementtiming', IDENTIFIER);
      }
    }
    if (!seen.hydrated && document.documentElement?.getAttribute('data-hydrated') === 'true') {
      seen.hydrated = true;
      mark('parlor:hydrated');
    }
    if (!seen.connected && document.getElementById('connectionState')?.getAttribute('data-state') === 'connected') {
      seen.connected = true;
      mark('parlor:connected');
    }
    if (seen.row && painted() && seen.hydrated && seen.connected) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-hydrated', 'data-state'] });
}

const MARKS = ['parlor:room-socket-open', 'parlor:first-message', 'parlor:hydrated'];

function waitForMarks(page, timeout) {
  return page.waitForFunction(
    (names) => names.every((name) => performance.getEntriesByName(name, 'mark').length > 0),
    MARKS,
    { timeout, polling: 50 },
  );
}

function readTimes(page) {
  return page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? null;
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint', 'paint')[0];
    return {
      socketOpen: at('parlor:room-socket-open'),
      firstMessage: at('parlor:first-message'),
      firstMessageDom: at('parlor:first-message-dom'),
      hydrated: at('parlor:hydrated'),
      connected: at('parlor:connected'),
      responseStart: nav?.responseStart ?? null,
      domContentLoaded: nav?.domContentLoadedEventEnd ?? null,
      fcp: fcp?.startTime ?? null,
      transferSize: nav?.transferSize ?? null,
    };
  });
}

/** One navigation to the room in `page`; throws unless the room page itself loaded. */
async function loadRoom(page, roomUrl, timeout) {
  const response = await page.goto(roomUrl, { waitUntil: 'commit', timeout });
  const landed = new URL(response.url());
  if (landed.pathname !== new URL(roomUrl).pathname || response.status() !== 200) {
    throw new Error(`${roomUrl} answered ${response.status()} at ${response.url()} (is the session cookie valid?)`);
  }
  try {
    await waitForMarks(page, timeout);
  } catch (error) {
    const state = await page.evaluate(() => ({
      marks: performance.getEntriesByType('mark').map((m) => `${m.name}@${m.startTime.toFixed(0)}`),
      url: location.href,
      connection: document.getElementById('connectionState')?.getAttribute('data-state'),
    })).catch(() => null);
    throw new Error(`${error.message.split('\n')[0]}; page state: ${JSON.stringify(state)}`);
  }
  const times = await readTimes(page);
  times.tti = Math.max(times.socketOpen, times.firstMessage);
  return times;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (value) => `${Math.round(value)} ms`;

function summary(label, samples) {
  const p50 = (key) => ms(percentile(samples.map((s) => s[key]), 50));
  return `room page TTI over ${samples.length} ${label}: p50 ${p50('tti')}, p90 ${ms(percentile(samples.map((s) => s.tti), 90))} ` +
    `(socket open p50 ${p50('socketOpen')}, first message p50 ${p50('firstMessage')}, hydrated p50 ${p50('hydrated')}, ` +
    `app connected p50 ${p50('connected')}, FCP p50 ${p50('fcp')})`;
}

function describe(kind, index, t) {
  const f = (v) => (v === null ? '-' : v.toFixed(1));
  return `${kind} ${index}: tti=${f(t.tti)} socketOpen=${f(t.socketOpen)} firstMessage=${f(t.firstMessage)} ` +
    `(in DOM ${f(t.firstMessageDom)}) hydrated=${f(t.hydrated)} connected=${f(t.connected)} ` +
    `responseStart=${f(t.responseStart)} dcl=${f(t.domContentLoaded)} fcp=${f(t.fcp)} docBytes=${t.transferSize}`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const base = new URL(options.url);
  const roomUrl = new URL(`/room/${encodeURIComponent(options.room)}/`, base).href;
  // Accept `name=value`, `Cookie: name=value` or a Set-Cookie line: the first pair counts.
  const pair = options.cookie.replace(/^\s*(set-)?cookie:\s*/i, '').split(';')[0].trim();
  const cookie = {
    name: pair.slice(0, pair.indexOf('=')),
    value: pair.slice(pair.indexOf('=') + 1),
    // Host-only for the server's host (127.0.0.1 is an IP: no domain cookie), at `/`,
    // with the attributes the server sets (HttpOnly; SameSite=Lax; Path=/).
    domain: base.hostname,
    path: '/',
    httpOnly: true,
    secure: base.protocol === 'https:',
    sameSite: 'Lax',
  };

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // As in playwright.config.ts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const newContext = async () => {
    const context = await browser.newContext();
    await context.addCookies([cookie]);
    await context.addInitScript(instrument);
    return context;
  };
  const log = (line) => options.verbose && console.error(line);

  try {
    // Cold: a fresh context per load; the first one (index 0) only warms up the browser.
    const cold = [];
    for (let i = 0; i <= options.loads; i++) {
      const context = await newContext();
      try {
        const times = await loadRoom(await context.newPage(), roomUrl, options.timeout);
        log(describe(i === 0 ? 'cold warm-up' : 'cold', i, times));
        if (i > 0) cold.push(times);
      } finally {
        await context.close();
      }
    }
    const lines = [summary('cold loads (fresh context each)', cold)];

    // Warm: one context; a first visit (uncounted) fills the cache and installs the
    // service worker, then each load is a new page of that context.
    const warm = [];
    if (options.warm > 0) {
      const context = await newContext();
      try {
        const first = await context.newPage();
        log(describe('warm priming', 0, await loadRoom(first, roomUrl, options.timeout)));
        await first.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 5000))]));
        await first.close();
        for (let i = 1; i <= options.warm; i++) {
          const page = await context.newPage();
          const times = await loadRoom(page, roomUrl, options.timeout);
          log(describe('warm', i, times));
          warm.push(times);
          await page.close();
        }
      } finally {
        await context.close();
      }
      lines.push(summary('warm loads (same context, cached)', warm));
    }

    if (options.json) console.log(JSON.stringify({ url: roomUrl, cold, warm }, null, 2));
    else for (const line of lines) console.log(line);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`tti: ${error.message ?? error}`);
  process.exit(1);
});
