// Drives an Emscripten program built with web/shell.html in Debian's headless chromium:
// a loopback web server for the build folder, the browser, and a page wrapper with what a
// test does to a program: wait for frames, press keys, move and click the mouse, read
// pixels, take screenshots, and catch the files it downloads.
//
//   const server = await serve('build-web-probe');
//   const browser = await launch();
//   const app = await open(browser, `${server.url}/probe.html`);
//   await app.waitForFrame();
//   const [r, g, b] = await app.pixelAt(100, 100);   // CSS pixels, like the mouse
//   await app.key('Space');
//
// Pixels come from the shell's maskscope.capture(): a copy of the canvas made right after
// a main-loop iteration, in the same task, so it works for SDL's WebGL renderer (whose
// buffer is cleared once presented) as well as for its software renderer (a 2D canvas).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

export const CHROMIUM = process.env.MASKSCOPE_CHROMIUM || '/usr/bin/chromium';

// without these chromium reaches for the network (none here) or for a GPU (none either)
const QUIET_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // WebGL on SwiftShader, chromium's software GL: headless chromium 156 still falls back
  // to it by itself but warns that the fallback is deprecated and this flag the way in
  '--enable-unsafe-swiftshader',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// `python3 -m http.server` on 127.0.0.1 for `dir`; close() stops that process
export async function serve(dir, { timeoutMs = 10000 } = {}) {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder to serve`);
  const port = await freePort();
  const child = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', dir, String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`http.server exited: ${log}`);
    try {
      const res = await fetch(url + '/');
      if (res.ok || res.status === 404) break;
    } catch { /* not listening yet */ }
    if (Date.now() > until) { child.kill(); throw new Error(`http.server did not answer on ${url}`); }
    await sleep(100);
  }
  return {
    url,
    log: () => log,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

// chromium with a fresh profile (and WebGL on SwiftShader, with no GPU)
// puppeteer-core is loaded when a browser is wanted, so that a checkout without
// tests/web/node_modules can still say why it skips
export async function hasPuppeteer() {
  try {
    await import('puppeteer-core');
    return true;
  } catch {
    return false;
  }
}

export async function launch({ extraArgs = [] } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'maskscope-chromium-'));
  const downloads = mkdtempSync(join(tmpdir(), 'maskscope-downloads-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [...QUIET_FLAGS, ...extraArgs],
  });

  // downloads land in `downloads` named by their guid; the events give the real name
  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allowAndName', downloadPath: downloads, eventsEnabled: true });
  const names = new Map();
  const waiters = [];
  const done = [];
  cdp.on('Browser.downloadWillBegin', (e) => names.set(e.guid, e.suggestedFilename));
  cdp.on('Browser.downloadProgress', (e) => {
    if (e.state !== 'completed' && e.state !== 'canceled') return;
    const file = { name: names.get(e.guid), state: e.state, path: join(downloads, e.guid) };
    const w = waiters.shift();
    if (w) w(file); else done.push(file);
  });
  browser.nextDownload = (timeoutMs = 10000) => {
    if (done.length) return Promise.resolve(done.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no download within ${timeoutMs} ms`)), timeoutMs);
      waiters.push((f) => { clearTimeout(t); resolve(f); });
    });
  };

  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  };
  return browser;
}

// A page with the program at `url`; viewport in CSS pixels and its devicePixelRatio.
export async function open(browser, url, { width = 800, height = 500, deviceScaleFactor = 1 } = {}) {
  const page = await browser.newPage();
  const messages = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  await page.setViewport({ width, height, deviceScaleFactor });
  await page.goto(url, { waitUntil: 'load' });
  return new App(browser, page, messages);
}

export class App {
  constructor(browser, page, messages) {
    this.browser = browser;
    this.page = page;
    this.messages = messages;   // console lines and page errors, in order
  }

  // the shell's state: { ready, frames, error }
  state() {
    return this.page.evaluate(() => {
      const m = window.maskscope;
      return m ? { ready: m.ready, frames: m.frames, error: m.error } : null;
    });
  }

  // waits until `count` more frames have finished (or the first, when none has) and
  // returns the frame counter; throws with the program's error if it stopped
  async waitForFrame(count = 1, { timeoutMs = 30000 } = {}) {
    const start = (await this.state())?.frames ?? 0;
    const target = start === 0 ? count : start + count;
    const handle = await this.page.waitForFunction(
      (n) => window.maskscope && (window.maskscope.error !== null || (window.maskscope.ready && window.maskscope.frames >= n)),
      { timeout: timeoutMs, polling: 'raf' }, target);
    await handle.dispose();
    const s = await this.state();
    if (s.error !== null) throw new Error(`the program stopped: ${s.error}`);
    return s.frames;
  }

  // a key press (puppeteer's key names: 'Space', 'KeyS', 'ArrowLeft', 'a', ...), then a
  // frame, so the program has seen it
  async key(name, { modifiers = [] } = {}) {
    for (const m of modifiers) await this.page.keyboard.down(m);
    await this.page.keyboard.press(name);
    for (const m of [...modifiers].reverse()) await this.page.keyboard.up(m);
    await this.waitForFrame(1);
  }

  // mouse in CSS pixels of the page (the canvas fills it)
  async mouseMove(x, y, { steps = 1 } = {}) {
    await this.page.mouse.move(x, y, { steps });
    await this.waitForFrame(1);
  }

  async click(x, y, { button = 'left' } = {}) {
    await this.page.mouse.click(x, y, { button });
    await this.waitForFrame(1);
  }

  // wheel events reach the page after the CDP call returns (the compositor takes them
  // first), so this waits for the page to see one before counting a frame
  async wheel(x, y, deltaY) {
    await this.page.mouse.move(x, y);
    await this.page.evaluate(() => {
      window.__maskscopeWheel = new Promise((resolve) =>
        window.addEventListener('wheel', () => resolve(), { once: true, capture: true }));
    });
    await this.page.mouse.wheel({ deltaY });
    await this.page.evaluate(() => window.__maskscopeWheel);
    await this.waitForFrame(1);
  }

  async resize(width, height, deviceScaleFactor) {
    const vp = this.page.viewport();
    await this.page.setViewport({ width, height, deviceScaleFactor: deviceScaleFactor ?? vp.deviceScaleFactor });
    await this.waitForFrame(2);
  }

  // the next frame as { width, height, data (Uint8Array RGBA) } in drawing-buffer pixels
  async capture() {
    const img = await this.page.evaluate(async () => {
      const c = await window.maskscope.capture();
      // base64 keeps the transfer compact; a plain array of numbers is 10x bigger
      let s = '';
      for (let i = 0; i < c.data.length; i += 0x8000) s += String.fromCharCode.apply(null, c.data.subarray(i, i + 0x8000));
      return { width: c.width, height: c.height, data: btoa(s) };
    });
    return { width: img.width, height: img.height, data: new Uint8Array(Buffer.from(img.data, 'base64')) };
  }

  // [r, g, b, a] of the next frame at CSS pixel (x, y)
  async pixelAt(x, y) {
    return this.page.evaluate(async (x, y) => {
      const canvas = document.getElementById('canvas');
      const c = await window.maskscope.capture();
      const sx = c.width / canvas.clientWidth, sy = c.height / canvas.clientHeight;
      const px = Math.min(c.width - 1, Math.floor(x * sx)), py = Math.min(c.height - 1, Math.floor(y * sy));
      const i = (py * c.width + px) * 4;
      return Array.from(c.data.subarray(i, i + 4));
    }, x, y);
  }

  // canvas sizes: CSS pixels and drawing-buffer pixels
  canvasSize() {
    return this.page.evaluate(() => {
      const c = document.getElementById('canvas');
      return { cssWidth: c.clientWidth, cssHeight: c.clientHeight, width: c.width, height: c.height, dpr: window.devicePixelRatio };
    });
  }

  // what a person would see, as a PNG file
  screenshot(path) {
    return this.page.screenshot({ path });
  }

  // runs `action` and returns the file it made the browser download:
  // { name, state, path, bytes }
  async download(action, { timeoutMs = 10000 } = {}) {
    const next = this.browser.nextDownload(timeoutMs);
    await action();
    const file = await next;
    return { ...file, bytes: file.state === 'completed' ? readFileSync(file.path) : null };
  }

  close() {
    return this.page.close();
  }
}

// A PNG's pixels as RGBA (8-bit RGB or RGBA, not interlaced: what libpng writes for us).
// Enough to check an exported frame without another package.
export function decodePng(bytes) {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error('not a PNG signature');
  let pos = 8, width = 0, height = 0, colorType = 0;
  const idat = [];
  while (pos < bytes.length) {
    const len = bytes.readUInt32BE(pos), type = bytes.toString('latin1', pos + 4, pos + 8);
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      const depth = body[8]; colorType = body[9];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || body[12] !== 0)
        throw new Error(`PNG kind not decoded here: depth ${depth}, colour type ${colorType}, interlace ${body[12]}`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = colorType === 6 ? 4 : 3, stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride), row = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
      let p;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const e = a + b - c, pa = Math.abs(e - a), pb = Math.abs(e - b), pc = Math.abs(e - c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`PNG row ${y}: unknown filter ${filter}`);
      }
      row[i] = (line[i] + p) & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = row[x * channels]; out[o + 1] = row[x * channels + 1]; out[o + 2] = row[x * channels + 2];
      out[o + 3] = channels === 4 ? row[x * channels + 3] : 255;
    }
    [prev, row] = [row, prev];
  }
  return { width, height, data: out };
}

// [r, g, b, a] of an RGBA image at pixel (x, y)
export function pixelOf(img, x, y) {
  const i = (y * img.width + x) * 4;
  return Array.from(img.data.subarray(i, i + 4));
}

// true when every channel of `got` is within `tolerance` of `want` (alpha not compared
// unless given)
export function near(got, want, tolerance = 2) {
  return want.every((v, i) => Math.abs(got[i] - v) <= tolerance);
}
