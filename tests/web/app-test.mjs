#!/usr/bin/env node
// Browser test of maskscope's web page (web/build.sh) in Debian's headless chromium, as TAP.
//
//   node tests/web/app-test.mjs [SITE_DIR] [MASKSCOPE_BIN]
//        SITE_DIR        what `bash web/build.sh SITE_DIR` made; default $MASKSCOPE_WEB_SITE,
//                        else site/ in the checkout
//        MASKSCOPE_BIN   the desktop binary, for comparing S with `maskscope export`;
//                        default $MASKSCOPE_BIN, else build/app/maskscope (that check
//                        skips without one)
//   MASKSCOPE_WEB_SCREENSHOT=FILE.png   also saves the README's screenshot there
//
// `meson test` runs it as the test web-app. Exit status 0 when every check passed, 1 when
// one failed. With no site or no chromium it prints TAP's skip (1..0 # SKIP why) and
// exits 0 -- unless MASKSCOPE_WEB_REQUIRED=1 (.ci/run sets it), which makes that a failure.
//
// Everything is checked on the canvas's pixels, by the colours app/render/theme.c
// defines: the active tab, step chip and sentence chip are filled with the accent
// colour, a masked (-inf) cell with the masked colour, a hovered token's row and column
// are outlined in the highlight colour, a [MASK] token has its own colour. Positions are
// found by looking for those colours, not assumed, so the checks follow the layout.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, App, serve, launch, open, decodePng, hasPuppeteer } from './harness.mjs';
import { Tap } from './tap.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const site = resolve(process.argv[2] ?? process.env.MASKSCOPE_WEB_SITE ?? join(repo, 'site'));
const desktop = resolve(process.argv[3] ?? process.env.MASKSCOPE_BIN ?? join(repo, 'build', 'app', 'maskscope'));
const required = process.env.MASKSCOPE_WEB_REQUIRED === '1';
const screenshot = process.env.MASKSCOPE_WEB_SCREENSHOT;

// app/render/theme.c, light theme
const ACCENT = [0x0B, 0x4F, 0x8A];
const MASKED = [0x2B, 0x2B, 0x2B];
const HIGHLIGHT = [0xD5, 0x5E, 0x00];
const MASK_TOKEN = [0xAA, 0x33, 0x77];
const DARK_BG = [0x17, 0x18, 0x1C];
const HATCH = [0x8C, 0x8C, 0x8C];
// a lesson's caption panel: theme_mix(note_bg #FFF3D6, bg #FFFFFF, 0.5)
const CAPTION_BG = [0xFF, 0xF9, 0xEB];
// the storyboard's steps, in the order of the pipeline row (core/steps.c)
const STEPS = ['tokens', 'qkv', 'scores', 'mask', 'masked', 'weights', 'output', 'loss'];
const VIEW = { width: 1000, height: 640 };

// ---------------------------------------------------------------- pixels

const at = (img, x, y) => {
  const i = (y * img.width + x) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
};
const is = (img, x, y, rgb) => {
  const i = (y * img.width + x) * 4;
  return img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2];
};

const same = (a, b) => !!a && !!b && a.x0 === b.x0 && a.x1 === b.x1 && a.y0 === b.y0 && a.y1 === b.y1;

// pixels of exactly this colour
function count(img, rgb) {
  let n = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (is(img, x, y, rgb)) n++;
  return n;
}

// Filled rectangles of one colour: rows with a run of at least minRun pixels of it, joined
// with the overlapping runs of the rows next to them, then grown up and down along their
// left and right edges (the rows through a label inside the rectangle have shorter runs).
// Glyphs (the code line is accent-coloured) have no runs that long. Drawing-buffer
// pixels, sorted top to bottom.
function boxes(img, rgb, minRun = 20) {
  const found = [];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!is(img, x, y, rgb)) continue;
      let e = x;
      while (e < img.width && is(img, e, y, rgb)) e++;
      if (e - x >= minRun) {
        const b = found.find((b) => b.y1 === y && b.x0 < e && x < b.x1);
        if (b) { b.y1 = y + 1; b.x0 = Math.min(b.x0, x); b.x1 = Math.max(b.x1, e); }
        else found.push({ x0: x, x1: e, y0: y, y1: y + 1 });
      }
      x = e;
    }
  }
  const edge = (b, y) => is(img, b.x0, y, rgb) || is(img, b.x1 - 1, y, rgb);
  for (const b of found) {
    while (b.y0 > 0 && edge(b, b.y0 - 1)) b.y0--;
    while (b.y1 < img.height && edge(b, b.y1)) b.y1++;
  }
  // pieces of one rectangle (either side of its label) overlap now: join them
  const out = [];
  for (const b of found) {
    const o = out.find((c) => c.y0 < b.y1 && b.y0 < c.y1 && c.x0 <= b.x1 && b.x0 <= c.x1);
    if (o) { o.x0 = Math.min(o.x0, b.x0); o.x1 = Math.max(o.x1, b.x1); o.y0 = Math.min(o.y0, b.y0); o.y1 = Math.max(o.y1, b.y1); }
    else out.push({ ...b });
  }
  return out.filter((b) => b.y1 - b.y0 >= 4).sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
}

// Masked cells: connected areas of the masked colour and its hatching (white grid lines
// keep neighbouring cells apart; the "−∞" label inside one does not split it), as
// boxes, leaving out anything smaller than a quarter of the biggest (the legend's
// swatch, stray pixels of antialiased text). Sorted top to bottom, left to right.
function maskedCells(img) {
  const w = img.width, h = img.height, seen = new Uint8Array(w * h), cells = [];
  const member = (x, y) => is(img, x, y, MASKED) || is(img, x, y, HATCH);
  for (let y0 = 0; y0 < h; y0++) for (let x0 = 0; x0 < w; x0++) {
    if (seen[y0 * w + x0] || !member(x0, y0)) continue;
    const b = { x0, x1: x0 + 1, y0, y1: y0 + 1, n: 0 }, stack = [[x0, y0]];
    seen[y0 * w + x0] = 1;
    while (stack.length) {
      const [x, y] = stack.pop();
      b.n++;
      b.x0 = Math.min(b.x0, x); b.x1 = Math.max(b.x1, x + 1); b.y0 = Math.min(b.y0, y); b.y1 = Math.max(b.y1, y + 1);
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h || seen[ny * w + nx] || !member(nx, ny)) continue;
        seen[ny * w + nx] = 1;
        stack.push([nx, ny]);
      }
    }
    cells.push(b);
  }
  const big = Math.max(0, ...cells.map((b) => b.n));
  return cells.filter((b) => b.n * 4 >= big && b.x1 - b.x0 >= 8).sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
}

// indices of sorted, clustered positions: equal within tolerance is one row (or column)
function ranks(values, tolerance = 4) {
  const uniq = [...values].sort((a, b) => a - b).filter((v, i, a) => i === 0 || v - a[i - 1] > tolerance);
  return values.map((v) => uniq.findIndex((u) => Math.abs(u - v) <= tolerance));
}

// pixels that differ between two images of one size (all when the sizes differ), and
// the largest difference of one channel
function diff(a, b) {
  if (a.width !== b.width || a.height !== b.height) return { pixels: a.width * a.height, max: 255 };
  let pixels = 0, max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.max(Math.abs(a.data[i] - b.data[i]), Math.abs(a.data[i + 1] - b.data[i + 1]),
      Math.abs(a.data[i + 2] - b.data[i + 2]));
    if (d) { pixels++; max = Math.max(max, d); }
  }
  return { pixels, max };
}

// the window's controls, found by their accent fill: the active tab is the box highest
// up, the active step chip the next one, the active sentence chip the lowest
async function controls(app) {
  const img = await app.capture();
  const bs = boxes(img, ACCENT);
  const top = bs.filter((b) => b.y1 < img.height * 0.2);
  return { img, tab: top[0] ?? null, chip: top[1] ?? null, sentence: bs.filter((b) => b.y0 > img.height * 0.8).pop() ?? null };
}
const centre = (b) => (b ? (b.x0 + b.x1) / 2 : NaN);

// ---------------------------------------------------------------- the checks

async function firstPage(tap, browser, server) {
  const app = await open(browser, `${server.url}/index.html`, VIEW);
  await app.waitForFrame(1, { timeoutMs: 60000 });
  const st = await app.page.evaluate(() => ({ ...window.maskscope, status: document.getElementById('status').hidden }));
  tap.ok(st.error === null && st.exit === null, 'the page starts and draws a first frame', { error: st.error, exit: st.exit });
  tap.comment(`first frame ${Math.round(st.firstFrameMs)} ms after navigation`);
  tap.ok(st.status, 'the shell\'s status line is gone once it runs');
  const size = await app.canvasSize();
  tap.equal([size.width, size.height], [VIEW.width, VIEW.height], 'the canvas fills the page at devicePixelRatio 1');
  return { app, firstFrameMs: st.firstFrameMs };
}

// 1-4: each mode key makes its tab the active one, left to right
async function modes(tap, app) {
  const tabs = [];
  for (const k of ['Digit1', 'Digit2', 'Digit3', 'Digit4']) {
    await app.key(k);
    tabs.push((await controls(app)).tab);
  }
  const xs = tabs.map(centre);
  tap.ok(tabs.every(Boolean) && xs.every((x, i) => i === 0 || x > xs[i - 1] + 20),
    'keys 1-4 make tabs 1-4 the active one, left to right', { tabs });
  await app.key('Digit1');
  return tabs;
}

// -> moves the active chip of the pipeline one to the right, Home back; the chips of
// the eight steps, recorded for later
async function steps(tap, app) {
  await app.key('Home');
  const chips = [(await controls(app)).chip];
  for (let i = 1; i < STEPS.length; i++) {
    await app.key('ArrowRight');
    chips.push((await controls(app)).chip);
  }
  const xs = chips.map(centre);
  tap.ok(chips.every(Boolean) && xs.every((x, i) => i === 0 || x > xs[i - 1]),
    '-> moves the step indicator one chip to the right, through all eight steps', { chips });
  await app.key('ArrowRight');
  tap.ok(same((await controls(app)).chip, chips[7]), '-> on the last step stays there');
  await app.key('Home');
  tap.ok(same((await controls(app)).chip, chips[0]), 'Home goes back to the first step');
  return chips;
}

// masked cells: padding mode's first step shows padding_mask, whose [PAD] columns are
// -inf; the causal mode opens on the longest sentence (no padding) and its mask step
// is A_causal, masked above the diagonal
async function masks(tap, app) {
  await app.key('Digit1');
  await app.key('Home');
  let cells = maskedCells(await app.capture());
  tap.equal(cells.length, 2, 'padding mode, tokens step: the two [PAD] cells of padding_mask[0] are masked (−∞, hatched)');
  await app.key('Digit2');
  cells = maskedCells(await app.capture());
  tap.equal(cells.length, 0, 'causal mode, tokens step: the longest sentence has no masked cell');
  for (let i = 0; i < STEPS.indexOf('mask'); i++) await app.key('ArrowRight');
  cells = maskedCells(await app.capture());
  // rows 0-3 and columns 1-4 of the 5x5 mask, as the 4 distinct rows and columns seen
  const rows = ranks(cells.map((b) => (b.y0 + b.y1) / 2)), cols = ranks(cells.map((b) => (b.x0 + b.x1) / 2));
  const upper = cells.length === 10 && rows.every((r, i) => cols[i] >= r);
  tap.ok(upper, 'causal mode, mask step: A_causal has its 10 cells above the diagonal masked, no other',
    { cells: cells.length, rowsAndColumns: rows.map((r, i) => [r, cols[i]]) });
  await app.key('Digit1');
  await app.key('Home');
}

// M: the picker of the other masking schemes; the fifth (sliding window) takes the tab
// after MLM; ] widens its window (fewer masked cells), [ narrows it back
async function moreModes(tap, app, tabs) {
  await app.key('Home');
  const before = await app.capture();
  await app.key('KeyM');
  tap.ok(diff(before, await app.capture()).pixels > before.width * before.height / 5, 'M opens the mode picker');
  for (let i = 0; i < 4; i++) await app.key('ArrowDown');
  await app.key('Enter');
  const tab = (await controls(app)).tab;
  tap.ok(tab && tab.x0 > tabs[3].x1, 'choosing the fifth scheme in it shows its tab after MLM\'s', { tab, mlm: tabs[3] });
  for (let i = 0; i < STEPS.indexOf('mask'); i++) await app.key('ArrowRight');
  const n0 = maskedCells(await app.capture()).length;
  await app.key('BracketRight');
  const n1 = maskedCells(await app.capture()).length;
  await app.key('BracketLeft');
  const n2 = maskedCells(await app.capture()).length;
  tap.ok(n0 > 10 && n1 < n0 && n2 === n0, '] widens the sliding window (fewer masked cells), [ narrows it back',
    { masked: [n0, n1, n2] });
  await app.key('Digit1');
  await app.key('Home');
}

// Tab: the next sentence (the active chip of the bottom row moves right; the browser
// must not take Tab to move its focus), Shift+Tab back, A the whole batch
async function sentences(tap, app) {
  // S's "Saved" notice covers the sentence row for VIEW_NOTICE_MS (3.5 s), then an SDL
  // timer takes it away
  await new Promise((r) => setTimeout(r, 4000));
  await app.key('Digit1');
  const s0 = (await controls(app)).sentence;
  await app.key('Tab');
  const s1 = (await controls(app)).sentence;
  await app.key('Tab', { modifiers: ['Shift'] });
  const back = (await controls(app)).sentence;
  tap.ok(s0 && s1 && s1.x0 > s0.x1 && same(back, s0), 'Tab shows the next sentence, Shift+Tab the one before',
    { s0, s1, back });
  await app.key('KeyA');
  const all = (await controls(app)).sentence;
  await app.key('KeyA');
  tap.ok(all && all.x0 > s1.x1 && same((await controls(app)).sentence, s0), 'A shows the whole batch, A again the sentence',
    { all });
}

// H opens the help over everything; H again gives back the frame exactly
async function help(tap, app) {
  const before = await app.capture();
  await app.key('KeyH');
  const open = await app.capture();
  const d = diff(before, open);
  tap.ok(d.pixels > before.width * before.height / 5, 'H opens the help overlay', { changed: d.pixels });
  await app.key('KeyH');
  tap.equal(diff(before, await app.capture()).pixels, 0, 'H again closes it: the same frame, pixel for pixel');
}

// the mouse on a masked cell: its row and column are outlined in the highlight colour
// and a tooltip appears; moving away gives back the frame exactly
async function hover(tap, app, dpr = 1) {
  await app.mouseMove(2, VIEW.height / 2);
  const before = await app.capture();
  const m = maskedCells(before);
  if (!tap.ok(m.length > 0, `@${dpr}x: a masked cell to point at`)) return;
  const cell = m[m.length - 1];
  const x = (cell.x0 + cell.x1) / 2 / dpr, y = (cell.y0 + cell.y1) / 2 / dpr;
  tap.equal(count(before, HIGHLIGHT), 0, `@${dpr}x: no highlight before the mouse is on a cell`);
  await app.mouseMove(x, y);
  const on = await app.capture();
  const lit = count(on, HIGHLIGHT);
  tap.ok(lit > 50 * dpr, `@${dpr}x: the mouse on a masked cell outlines its row and column`, { highlightPixels: lit });
  // the tooltip: a box drawn next to the mouse, so the frame changes around it
  const d = diff(before, on);
  tap.ok(d.pixels > 2000 * dpr * dpr, `@${dpr}x: and shows a tooltip`, { changed: d.pixels });
  await app.mouseMove(2, VIEW.height / 2);
  tap.equal(diff(before, await app.capture()).pixels, 0, `@${dpr}x: moving away gives back the frame exactly`);
}

// MLM: a click on a token masks it (one more cell in the [MASK] colour, the loss
// recomputed); R puts every [MASK] back
async function mlm(tap, app) {
  await app.key('Digit4');
  await app.key('Home');
  const before = await app.capture();
  const masks0 = boxes(before, MASK_TOKEN, 10);
  // a token cell that is not [MASK]: the tokens step's batch row, left of the first [MASK]
  const first = masks0[0];
  if (!tap.ok(!!first, 'MLM mode: the tokens step shows [MASK] cells', { boxes: masks0.length })) return;
  const w = first.x1 - first.x0;
  let x = first.x0 - w / 2, y = (first.y0 + first.y1) / 2;
  if (x < 0) x = first.x1 + w * 1.5;
  await app.click(x, y);
  await app.mouseMove(2, VIEW.height / 2);
  const after = await app.capture();
  const masks1 = boxes(after, MASK_TOKEN, 10);
  tap.ok(masks1.length > masks0.length, 'MLM mode: a click on a word masks it', { before: masks0.length, after: masks1.length });
  await app.key('KeyR');
  await app.mouseMove(3, VIEW.height / 2);
  const reset = await app.capture();
  tap.equal(boxes(reset, MASK_TOKEN, 10).length, masks0.length, 'R puts the [MASK] tokens back');
  await app.key('Digit1');
}

// T: the dark theme's background; T again the same frame; + bigger, 0 back
async function looks(tap, app) {
  await app.mouseMove(2, VIEW.height / 2);
  const light = await app.capture();
  await app.key('KeyT');
  const dark = await app.capture();
  tap.ok(count(dark, DARK_BG) > dark.width * dark.height / 3, 'T switches to the dark theme');
  await app.key('KeyT');
  tap.equal(diff(light, await app.capture()).pixels, 0, 'T again: the light theme, the same frame');
  const side = (img) => Math.max(0, ...maskedCells(img).map((b) => b.x1 - b.x0));
  const cell = side(light);
  await app.key('Equal');
  const big = side(await app.capture());
  tap.ok(cell > 0 && big > cell, '+ makes the cells bigger', { cell, big });
  await app.key('Digit0');
  tap.equal(diff(light, await app.capture()).pixels, 0, '0: normal size again, the same frame');
}

// S: a download of the step as a PNG, drawn by the same export code as `maskscope export`
// (SDL's software renderer), so the desktop's export of the same size is the reference.
// Not byte for byte: SDL 2.26 blends antialiased glyph edges with MMX on x86-64 and with
// plain C in wasm, which round differently, so a few pixels differ by a level or two
// (measured: 0.02-0.2 % of them, by 1; since the dotted padding texture, 0.13 % by at most 2).
// The check allows that.
// It is also what is on screen: the canvas (WebGL) around the step matches it within 2
// levels, below the step's first row, where the bar's border line is drawn over it.
async function save(tap, app) {
  await app.key('Digit3');
  await app.key('Home');
  for (let i = 0; i < STEPS.indexOf('masked'); i++) await app.key('ArrowRight');
  await app.mouseMove(2, VIEW.height / 2);
  const screen = await app.capture();
  let file;
  try {
    file = await app.download(() => app.key('KeyS'), { timeoutMs: 15000 });
  } catch (e) {
    tap.ok(false, 'S downloads a PNG', { error: String(e) });
    return;
  }
  tap.equal(file.name, 'maskscope-combined-05-masked.png', 'S downloads the step as maskscope-combined-05-masked.png');
  let png;
  try { png = decodePng(file.bytes); } catch (e) { tap.ok(false, 'the download is a PNG', { error: String(e) }); return; }
  tap.ok(png.width === screen.width && png.height > 400 && png.height < screen.height,
    `the PNG is the step's frame: ${png.width}x${png.height}`);

  // where the frame is on the canvas: the offset at which the fewest pixels differ
  let best = null;
  for (let y0 = 0; y0 + png.height <= screen.height; y0++) {
    const d = diff(png, { width: png.width, height: png.height, data: screen.data.subarray(y0 * screen.width * 4, (y0 + png.height) * screen.width * 4) });
    if (!best || d.pixels < best.pixels) best = { y0, ...d };
  }
  const below = diff({ ...png, height: png.height - 1, data: png.data.subarray(png.width * 4) },
    { width: png.width, height: png.height - 1, data: screen.data.subarray((best.y0 + 1) * screen.width * 4, (best.y0 + png.height) * screen.width * 4) });
  tap.ok(below.max <= 2, `the PNG is what the canvas shows at y ${best.y0}, within 2 levels (WebGL vs software blending)`,
    { differingPixels: below.pixels, maxChannelDifference: below.max });

  if (!existsSync(desktop)) {
    tap.ok(true, `the same frame as maskscope export # SKIP no desktop binary at ${desktop}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'maskscope-export-'));
  try {
    const out = join(dir, 'frame.png');
    const args = ['export', '--mode', 'combined', '--step', 'masked', '--size', `${png.width}x${png.height}`, '-o', out];
    execFileSync(desktop, args, { env: { ...process.env, SDL_VIDEODRIVER: 'dummy', MASKSCOPE_DATA_DIR: join(repo, 'assets') }, stdio: 'pipe' });
    const want = decodePng(readFileSync(out));
    const d = diff(png, want);
    tap.comment(`S vs maskscope export: ${d.pixels} of ${png.width * png.height} pixels differ, by at most ${d.max}`);
    tap.ok(want.width === png.width && want.height === png.height && d.max <= 2 && d.pixels * 100 < png.width * png.height,
      `the download is maskscope ${args.slice(0, -2).join(' ')}, within two levels on under 1 % of the pixels`,
      { differingPixels: d.pixels, maxChannelDifference: d.max });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// E: the sentence editor, typed into through the page's keyboard (SDL's text input);
// Ctrl+S applies the lines and downloads the scenario as JSON, which the desktop binary
// reads back to the same batch
async function editor(tap, app) {
  await app.key('Digit1');
  const before = await app.capture();
  await app.key('KeyE');
  const open = await app.capture();
  tap.ok(diff(before, open).pixels > before.width * before.height / 5, 'E opens the sentence editor over the step');
  await app.page.keyboard.type(' dog');
  await app.key('Enter', { modifiers: ['Control'] });
  await app.page.keyboard.type('a [MASK] sat');
  await app.waitForFrame(1);
  tap.ok(diff(open, await app.capture()).pixels > 300, 'what is typed shows in the editor');
  let file;
  try {
    file = await app.download(() => app.key('KeyS', { modifiers: ['Control'] }), { timeoutMs: 15000 });
  } catch (e) {
    tap.ok(false, 'Ctrl+S in the editor downloads the scenario', { error: String(e) });
    return;
  }
  tap.equal(file.name, 'maskscope-scenario.json', 'Ctrl+S in the editor downloads maskscope-scenario.json');
  let sc = null;
  try { sc = JSON.parse(file.bytes.toString('utf8')); } catch (e) { tap.ok(false, 'the download is JSON', { error: String(e) }); return; }
  tap.equal(sc.sentences, ['The cat ate', 'The cat ate fish pie', 'The cat ate fish dog', 'a [MASK] sat'],
    'with the sentences typed: the E that opened the editor is not among them');
  tap.equal([sc.vocab.dog, sc.vocab.a, sc.vocab.sat], [6, 7, 8], 'a new word gets the next free id');
  const after = await app.capture();
  tap.ok(diff(open, after).pixels > before.width * before.height / 5, 'the editor closes on the new batch');
  if (!existsSync(desktop)) {
    tap.ok(true, `maskscope reads it # SKIP no desktop binary at ${desktop}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'maskscope-scenario-'));
  try {
    const path = join(dir, file.name);
    writeFileSync(path, file.bytes);
    const env = { ...process.env, SDL_VIDEODRIVER: 'dummy' };
    execFileSync(desktop, ['check', path], { env, stdio: 'pipe' });
    const batch = execFileSync(desktop, ['print', 'batch', '--scenario', path], { env, stdio: 'pipe' }).toString();
    tap.ok(batch.includes('[  1,   2,   3,   4,   6]') && batch.includes('[  7, 999,   8,   0,   0]'),
      'maskscope check accepts it, and print batch --scenario shows the typed sentences', { batch });
  } catch (e) {
    tap.ok(false, 'maskscope check and print read the download', { error: String(e) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// a lesson from the address: its mode and steps, and -> walking it (a question's answer first)
async function lesson(tap, browser, server, tabs, chips) {
  const name = '05-causal-masking';
  const spec = JSON.parse(readFileSync(join(repo, 'lessons', `${name}.json`), 'utf8'));
  const app = await open(browser, `${server.url}/index.html?lesson=${name}`, VIEW);
  try {
    await app.waitForFrame(1, { timeoutMs: 60000 });
    let c = await controls(app);
    tap.ok(same(c.tab, tabs[1]), `?lesson=${name}: opens in causal mode`, { tab: c.tab, causal: tabs[1] });
    tap.ok(count(c.img, CAPTION_BG) > c.img.width * 20, `?lesson=${name}: with the lesson's caption panel`);
    const walked = [];
    let ok = true;
    for (let i = 0; i < 4; i++) {
      const want = STEPS.indexOf(spec.steps[i].step);
      const got = chips.findIndex((b) => same(b, c.chip));
      walked.push(`${spec.steps[i].step}:${got >= 0 ? STEPS[got] : '?'}`);
      if (got !== want) ok = false;
      if (spec.steps[i].question) {
        const before = c.img;
        await app.key('ArrowRight');
        c = await controls(app);
        if (!same(chips[want], c.chip) || diff(before, c.img).pixels === 0) { ok = false; walked.push('answer?'); }
      }
      await app.key('ArrowRight');
      c = await controls(app);
    }
    tap.ok(ok, `-> walks the lesson's steps (${walked.join(' ')}), showing a question's answer first`, { walked });
    // L: the picker; Enter opens its first lesson
    await app.key('KeyL');
    const picker = await app.capture();
    tap.ok(diff(c.img, picker).pixels > c.img.width * c.img.height / 5, 'L opens the lesson picker');
    await app.key('Digit1');
    c = await controls(app);
    tap.ok(same(c.tab, tabs[0]) && same(c.chip, chips[0]), '1 in the picker opens the first lesson (padding, tokens)',
      { tab: c.tab, chip: c.chip });
  } finally {
    await app.close();
  }
}

// ?mode=&step=, ?scenario=, and bad ones: one line on the page
async function address(tap, browser, server, tabs, chips) {
  let app = await open(browser, `${server.url}/index.html?mode=causal&step=mask`, VIEW);
  try {
    await app.waitForFrame(1, { timeoutMs: 60000 });
    const c = await controls(app);
    tap.ok(same(c.tab, tabs[1]) && same(c.chip, chips[3]), '?mode=causal&step=mask opens there');
  } finally { await app.close(); }

  // any option of the window: --terms builds a mask from terms (here the causal one alone)
  app = await open(browser, `${server.url}/index.html?terms=causal&step=mask&sentence=1`, VIEW);
  try {
    await app.waitForFrame(1, { timeoutMs: 60000 });
    const cells = maskedCells(await app.capture());
    const exit = await app.page.evaluate(() => window.maskscope.exit);
    tap.ok(exit === null && cells.length === 10, '?terms=causal&step=mask&sentence=1: the mask built from that term (10 cells)',
      { exit, cells: cells.length });
  } finally { await app.close(); }

  // a batch without padding: its tokens step has no masked cell, where the running example has
  const scenario = encodeURIComponent(JSON.stringify({ sentences: ['The cat ate', 'a dog ran'] }));
  app = await open(browser, `${server.url}/index.html?scenario=${scenario}`, VIEW);
  try {
    await app.waitForFrame(1, { timeoutMs: 60000 });
    tap.equal(maskedCells(await app.capture()).length, 0, '?scenario=<JSON> opens that batch (no padding: no masked cell)');
  } finally { await app.close(); }

  // each with the same arguments on the desktop, whose exit status and stderr line the
  // page must show (the same option parser); without the desktop binary, any line
  const badScenario = '{"sentences": ["a b"], "d_model": 99}';
  const bad = [
    ['?mode=nope', ['--mode', 'nope']],
    ['?scenario=' + encodeURIComponent(badScenario), ['--scenario', 'scenario.json']],
    ['?lesson=05-causal-masking&mode=mlm', ['--lesson', join(repo, 'lessons', '05-causal-masking.json'), '--mode', 'mlm']],
  ];
  for (const [query, args] of bad) {
    const want = desktopSays(args, { 'scenario.json': badScenario });
    app = await open(browser, `${server.url}/index.html${query}`, VIEW);
    try {
      await app.page.waitForFunction(() => window.maskscope.exit !== null || window.maskscope.error !== null, { timeout: 30000 });
      const s = await app.page.evaluate(() => ({
        exit: window.maskscope.exit, error: window.maskscope.error, frames: window.maskscope.frames,
        line: document.getElementById('status').textContent, shown: !document.getElementById('status').hidden,
      }));
      const says = want ? s.exit?.status === want.status && s.exit?.message === want.line : s.exit?.status > 0 && !!s.exit?.message;
      tap.ok(s.error === null && s.frames === 0 && says && s.shown && s.line === s.exit.message,
        `${decodeURIComponent(query)}: no crash; the page says ${want ? `what the desktop says: "${want.line}"` : 'why, in one line'}`,
        { page: s, desktop: want });
    } finally { await app.close(); }
  }
}

// the desktop window's exit status and last stderr line for args (null without the
// binary), run in a folder holding files (name -> text) with no display to open
function desktopSays(args, files = {}) {
  if (!existsSync(desktop)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'maskscope-args-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    try {
      execFileSync(desktop, args, { cwd: dir, stdio: 'pipe', env: { ...process.env, SDL_VIDEODRIVER: 'dummy' } });
      return { status: 0, line: '' };
    } catch (e) {
      const lines = String(e.stderr).trim().split('\n');
      return { status: e.status, line: lines[lines.length - 1] };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// a smaller page: the canvas and the layout follow it, and back
async function resize(tap, app) {
  const before = await app.capture();
  const tab = (await controls(app)).tab;
  await app.resize(800, 500);
  const size = await app.canvasSize();
  const small = (await controls(app)).tab;
  tap.ok(size.width === 800 && size.height === 500 && small && small.x1 - small.x0 < tab.x1 - tab.x0,
    'the canvas and the layout follow the page to 800x500', { size, tab, small });
  await app.resize(VIEW.width, VIEW.height);
  tap.equal(diff(before, await app.capture()).pixels, 0, 'and back to 1000x640: the same frame');
}

// F11 and the button: the page in full screen and out again
async function fullscreen(tap, app) {
  const element = () => app.page.evaluate(() => (document.fullscreenElement ? document.fullscreenElement.tagName : null));
  await app.key('F11');
  await app.waitForFrame(2);
  const on = await element();
  await app.key('F11');
  await app.waitForFrame(2);
  const off = await element();
  tap.ok(on === 'HTML' && off === null, 'F11 puts the page in full screen, F11 again takes it out', { on, off });
  await app.page.click('#fullscreen');
  await app.waitForFrame(2);
  const button = await element();
  await app.page.evaluate(() => document.exitFullscreen());
  await app.waitForFrame(2);
  tap.ok(button === 'HTML', 'the full-screen button does the same', { button });
}

// the page in an iframe, as IPython.display.IFrame(url, 1000, 640) shows it in a notebook:
// it starts, takes the keys once clicked into, and its button goes full screen there
async function notebook(tap, browser, server, tabs, chips) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1100, height: 760 });
    // IPython's template: width, height, src, frameborder="0", allowfullscreen
    await page.setContent(`<iframe width="${VIEW.width}" height="${VIEW.height}" frameborder="0" allowfullscreen
      src="${server.url}/index.html?lesson=05-causal-masking"></iframe>`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame.waitForFunction(() => window.maskscope && (window.maskscope.frames > 0 || window.maskscope.error !== null),
      { timeout: 60000 });
    const inner = new App(browser, frame, []);
    let c = await controls(inner);
    tap.ok(same(c.tab, tabs[1]) && same(c.chip, chips[0]), 'in an iframe (a notebook cell): the lesson opens');
    const box = await (await page.$('iframe')).boundingBox();
    await page.mouse.click(box.x + VIEW.width / 2, box.y + VIEW.height * 0.3);
    await page.keyboard.press('ArrowRight');
    await frame.waitForFunction((n) => window.maskscope.frames > n, {}, await frame.evaluate(() => window.maskscope.frames) + 1);
    c = await controls(inner);
    const focus = await frame.evaluate(() => ({ active: document.activeElement && document.activeElement.tagName, hasFocus: document.hasFocus() }));
    tap.ok(same(c.chip, chips[STEPS.indexOf('scores')]), 'in an iframe: clicked into, -> goes to the lesson\'s next step', { chip: c.chip, focus });
    await frame.click('#fullscreen');
    await frame.waitForFunction(() => document.fullscreenElement !== null, { timeout: 5000 }).catch(() => {});
    const full = await frame.evaluate(() => (document.fullscreenElement ? document.fullscreenElement.tagName : null));
    tap.ok(full === 'HTML', 'in an iframe with allowfullscreen: the button puts the page in full screen', { full });
  } finally {
    await page.close();
  }
}

// devicePixelRatio 2: a drawing buffer twice as big, the same controls, the mouse still right
async function hidpi(tap, browser, server, tabs) {
  const app = await open(browser, `${server.url}/index.html`, { ...VIEW, deviceScaleFactor: 2 });
  try {
    await app.waitForFrame(1, { timeoutMs: 60000 });
    const size = await app.canvasSize();
    tap.equal([size.width, size.height], [VIEW.width * 2, VIEW.height * 2], 'at devicePixelRatio 2 the canvas has twice the pixels');
    const tab = (await controls(app)).tab;
    tap.ok(tab && Math.abs(tab.x0 - tabs[0].x0 * 2) <= 4 && Math.abs(tab.y1 - tabs[0].y1 * 2) <= 4,
      'at devicePixelRatio 2 the tabs are where they are at 1, twice as big', { tab, atOne: tabs[0] });
    await hover(tap, app, 2);
  } finally { await app.close(); }
}

// ---------------------------------------------------------------- main

async function main() {
  const tap = new Tap();
  const skip = (why) => {
    if (required) return tap.bail(why, 'MASKSCOPE_WEB_REQUIRED=1');
    process.stdout.write(`1..0 # SKIP ${why}\n`);
    return 0;
  };
  if (!existsSync(join(site, 'index.html'))) return skip(`no web build at ${site} (bash web/build.sh ${site})`);
  if (!existsSync(CHROMIUM)) return skip(`no chromium at ${CHROMIUM}`);
  if (!(await hasPuppeteer())) return skip('no puppeteer-core in tests/web/node_modules (bash web/build.sh site)');
  let server, browser;
  try {
    server = await serve(site);
    browser = await launch();
    const { app } = await firstPage(tap, browser, server);
    try {
      const tabs = await modes(tap, app);
      const chips = await steps(tap, app);
      await masks(tap, app);
      await moreModes(tap, app, tabs);
      await help(tap, app);
      await hover(tap, app);
      await mlm(tap, app);
      await looks(tap, app);
      await fullscreen(tap, app);
      await resize(tap, app);
      await save(tap, app);
      if (screenshot) {
        // the README's picture: combined mode, masked scores, the arithmetic of one cell
        const img = await app.capture();
        const m = maskedCells(img);
        if (m.length) await app.mouseMove((m[0].x0 + m[0].x1) / 2, (m[0].y0 + m[0].y1) / 2);
        await app.screenshot(screenshot);
        tap.comment(`screenshot: ${screenshot}`);
      }
      await sentences(tap, app);   // after S: a chosen sentence goes into S's file name
      await editor(tap, app);      // last: it changes the batch
      await lesson(tap, browser, server, tabs, chips);
      await address(tap, browser, server, tabs, chips);
      await notebook(tap, browser, server, tabs, chips);
      await hidpi(tap, browser, server, tabs);
    } finally {
      await app.close();
    }
  } catch (e) {
    return tap.bail('the test ran to its end', e);
  } finally {
    if (browser) await browser.close();
    if (server) await server.close();
  }
  return tap.end();
}

process.exitCode = await main();
