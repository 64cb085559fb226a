#!/usr/bin/env node
// Browser test of the web probe (web/probe/probe.c) in Debian's headless chromium, as TAP.
//
//   node tests/web/browser-test.mjs [BUILD_DIR]       default: build-web-probe/
//   MASKSCOPE_WEB_SCREENSHOTS=DIR  also saves a screenshot per case there
//
// For each renderer SDL has on the web (WebGL "opengles2" and "software"), at
// devicePixelRatio 1 and 2, it checks that the probe draws its rectangle in the first
// colour, that its text is there, that key presses change the colour, that S downloads
// a PNG of the frame (libpng + zlib), that the mouse lands where the page put it (a
// click, the wheel), and that the canvas follows a page resize.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { serve, launch, open, decodePng, pixelOf, near } from './harness.mjs';
import { Tap } from './tap.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildDir = resolve(process.argv[2] ?? join(repo, 'build-web-probe'));
const shots = process.env.MASKSCOPE_WEB_SCREENSHOTS;

// what probe.c draws, in CSS pixels
const BACKGROUND = [250, 250, 250];
const INK = [34, 34, 34];   // the label, and the 9x9 square that follows the mouse
const COLOURS = [[230, 159, 0], [86, 180, 233], [0, 158, 115]];   // orange, sky blue, bluish green
const RECT_CENTRE = [160, 120];
const OUTSIDE = [600, 120];
const LABEL = { x: 40, y: 224, w: 500, h: 24 };

const CASES = [
  { renderer: 'opengles2', dpr: 1 },
  { renderer: 'opengles2', dpr: 2 },
  { renderer: 'software', dpr: 1 },
  // SDL 2.26's emscripten framebuffer (what its software renderer presents through) is
  // the window's size in CSS pixels, put at the top left of a canvas that HiDPI made
  // devicePixelRatio times bigger: a known gap, kept visible here as TODO
  { renderer: 'software', dpr: 2, todo: 'SDL 2.26 software renderer ignores devicePixelRatio' },
];

// dark pixels in a CSS-pixel box of a captured frame: the label's glyphs
function inkIn(img, box, dpr) {
  let n = 0;
  for (let y = Math.floor(box.y * dpr); y < (box.y + box.h) * dpr; y++)
    for (let x = Math.floor(box.x * dpr); x < (box.x + box.w) * dpr; x++)
      if (pixelOf(img, x, y)[0] < 128) n++;
  return n;
}

async function runCase(tap, browser, server, { renderer, dpr, todo = null }) {
  const name = `${renderer} @${dpr}x`;
  const t = { todo };
  const app = await open(browser, `${server.url}/probe.html?arg=--renderer=${renderer}`,
    { width: 800, height: 500, deviceScaleFactor: dpr });
  try {
    await app.waitForFrame(1, { timeoutMs: 60000 });
    tap.ok(true, `${name}: the probe starts and draws a first frame`);
    const statusHidden = await app.page.$eval('#status', (e) => e.hidden);
    tap.ok(statusHidden, `${name}: the shell's status line is gone once it runs`);

    const said = app.messages.map((m) => /renderer (\S+),/.exec(m)).find(Boolean);
    tap.equal(said && said[1], renderer, `${name}: SDL uses the ${renderer} renderer`);

    const size = await app.canvasSize();
    tap.equal([size.width, size.height], [800 * dpr, 500 * dpr], `${name}: the canvas' drawing buffer is the page size x devicePixelRatio`);

    let px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[0]), `${name}: the rectangle starts orange`, { got: px, want: COLOURS[0] }, t);
    px = await app.pixelAt(...OUTSIDE);
    tap.ok(near(px, BACKGROUND), `${name}: the background is around it`, { got: px, want: BACKGROUND }, t);

    const frame = await app.capture();
    const ink = inkIn(frame, LABEL, dpr);
    tap.ok(ink > 200 * dpr * dpr, `${name}: the label is drawn with DejaVu Sans (SDL2_ttf, FreeType)`, { darkPixels: ink });

    await app.key('Space');
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[1]), `${name}: after Space the rectangle is sky blue`, { got: px, want: COLOURS[1] }, t);
    await app.key('KeyA');
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[2]), `${name}: after A it is bluish green`, { got: px, want: COLOURS[2] }, t);
    await app.key('Enter');
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[0]), `${name}: after Enter it is orange again`, { got: px, want: COLOURS[0] }, t);

    const file = await app.download(() => app.key('KeyS'));
    tap.equal([file.name, file.state], ['probe-1.png', 'completed'], `${name}: S downloads probe-1.png`);
    if (file.bytes) {
      const png = decodePng(file.bytes);
      tap.equal([png.width, png.height], [800 * dpr, 500 * dpr], `${name}: the PNG has the canvas' size`, t);
      const inPng = pixelOf(png, RECT_CENTRE[0] * dpr, RECT_CENTRE[1] * dpr);
      tap.ok(near(inPng, COLOURS[0]), `${name}: the PNG shows the orange rectangle`, { got: inPng, want: COLOURS[0] }, t);
    }

    await app.mouseMove(500, 350);
    px = await app.pixelAt(500, 350);
    tap.ok(near(px, INK), `${name}: a square follows the mouse to (500, 350)`, { got: px, want: INK }, t);
    px = await app.pixelAt(510, 350);
    tap.ok(near(px, BACKGROUND), `${name}: and is no wider than 9 pixels`, { got: px, want: BACKGROUND }, t);
    await app.click(200, 150);
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[1]), `${name}: a click on the rectangle turns it sky blue`, { got: px, want: COLOURS[1] }, t);
    await app.click(600, 150);
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[1]), `${name}: a click beside it does not`, { got: px, want: COLOURS[1] }, t);
    await app.wheel(200, 150, 100);
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[2]), `${name}: the wheel down moves on to bluish green`, { got: px, want: COLOURS[2] }, t);
    await app.wheel(200, 150, -100);
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[1]), `${name}: the wheel up goes back to sky blue`, { got: px, want: COLOURS[1] }, t);

    await app.resize(640, 360);
    const resized = await app.canvasSize();
    tap.equal([resized.width, resized.height], [640 * dpr, 360 * dpr], `${name}: after a page resize the drawing buffer follows`);
    px = await app.pixelAt(...RECT_CENTRE);
    tap.ok(near(px, COLOURS[1]), `${name}: and the rectangle is still where it was`, { got: px, want: COLOURS[1] }, t);

    // a new devicePixelRatio alone fires no resize: the shell makes one
    const dpr2 = dpr === 1 ? 2 : 1;
    await app.resize(640, 360, dpr2);
    const rescaled = await app.canvasSize();
    tap.equal([rescaled.width, rescaled.height], [640 * dpr2, 360 * dpr2], `${name}: after devicePixelRatio becomes ${dpr2} the drawing buffer follows`);
    px = await app.pixelAt(...RECT_CENTRE);
    const t2 = { todo: renderer === 'software' && dpr2 !== 1 ? CASES.at(-1).todo : null };
    tap.ok(near(px, COLOURS[1]), `${name}: and the rectangle is drawn at the new scale`, { got: px, want: COLOURS[1] }, t2);

    if (shots) {
      mkdirSync(shots, { recursive: true });
      await app.screenshot(join(shots, `probe-${renderer}-${dpr}x.png`));
    }
  } catch (e) {
    tap.ok(false, `${name}: runs to the end`, { error: String(e && e.stack || e) });
  } finally {
    for (const m of app.messages) tap.comment(`${name} console ${m}`);
    await app.close();
  }
}

async function main() {
  const tap = new Tap();
  let server, browser;
  try {
    server = await serve(buildDir);
    browser = await launch();
    tap.comment(`chromium ${await browser.version()}, serving ${buildDir} at ${server.url}`);
    for (const c of CASES) await runCase(tap, browser, server, c);
  } catch (e) {
    return tap.bail('the browser and the server start', e);
  } finally {
    if (browser) await browser.close();
    if (server) await server.close();
  }
  return tap.end();
}

process.exitCode = await main();
