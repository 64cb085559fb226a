/* The renderer, probed pixel by pixel under SDL's dummy driver: cells
 * have the colours the published maps and the themes promise (the
 * expected RGB values are written out here, not asked of theme.c), −∞
 * cells are hatched, labels are drawn, nothing overlaps or leaves the
 * frame, and large matrices become heatmaps. Which cell is masked or
 * holds 1.00 is read from the core's tensors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "export.h"
#include "paint.h"
#include "scenario.h"
#include "steps.h"
#include "support.h"

typedef struct { uint8_t r, g, b; } Px;

static const Px VIRIDIS_TOP = { 0xFD, 0xE7, 0x25 }, VIRIDIS_BOTTOM = { 0x44, 0x01, 0x54 };
static const Px CIVIDIS_TOP = { 0xFF, 0xEA, 0x46 };
static const Px LIGHT_BG = { 0xFF, 0xFF, 0xFF }, DARK_BG = { 0x17, 0x18, 0x1C };
static const Px LIGHT_MASKED = { 0x2B, 0x2B, 0x2B }, LIGHT_HATCH = { 0x8C, 0x8C, 0x8C };
static const Px DARK_MASKED = { 0xC9, 0xCE, 0xD6 }, DARK_HATCH = { 0x5B, 0x61, 0x6B };

static DrawLayout layout; /* large: not on the stack */

static Px pixel(SDL_Surface *s, int x, int y)
{
    cr_assert(x >= 0 && y >= 0 && x < s->w && y < s->h, "pixel (%d,%d) outside %dx%d", x, y, s->w, s->h);
    Uint32 v = ((Uint32 *)((Uint8 *)s->pixels + (size_t)y * s->pitch))[x];
    Uint8 r, g, b;
    SDL_GetRGB(v, s->format, &r, &g, &b);
    return (Px){ r, g, b };
}

static bool same(Px a, Px b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static int box_of(const Steps *st, int step, const char *name)
{
    const Step *sp = steps_at(st, step);
    for (int i = 0; i < layout.npanels; i++)
        if (strcmp(sp->panels[layout.panels[i].panel].name, name) == 0) return i;
    cr_assert_fail("no panel %s in step %s", name, sp->slug);
    return -1;
}

static const Panel *panel_of(const Steps *st, int step, int box)
{
    return &steps_at(st, step)->panels[layout.panels[box].panel];
}

static double value(const Panel *p, int r, int c)
{
    return p->view.data[(size_t)r * p->view.shape[1] + c];
}

/* fraction of pixels of rect rc equal to a or b */
static double share(SDL_Surface *s, SDL_Rect rc, Px a, Px b, double *fa, double *fb)
{
    long na = 0, nb = 0, n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++) {
            Px p = pixel(s, x, y);
            na += same(p, a);
            nb += same(p, b);
            n++;
        }
    if (fa) *fa = (double)na / n;
    if (fb) *fb = (double)nb / n;
    return (double)(same(a, b) ? na : na + nb) / n;
}

static long non_background(SDL_Surface *s, SDL_Rect rc, Px bg)
{
    long n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++)
            n += !same(pixel(s, x, y), bg);
    return n;
}

static Scenario *running_example;

/* the running example's steps; done() frees both */
static Steps *build(const char *mode, int sentence)
{
    running_example = scenario_default();
    return shown(running_example, mode, sentence);
}

static void done(Steps *st)
{
    shown_free(st);
    scenario_free(running_example);
}

static Exporter *exporter(int w, int h)
{
    char err[256];
    Exporter *ex = export_new(w, h, err, sizeof err);
    cr_assert(ex, "%s", err);
    return ex;
}

static void init(void)
{
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
}

TestSuite(render, .init = init);

Test(render, masked_cells_have_the_masked_colour_and_hatching_in_each_theme)
{
    Steps *st = build("padding", 0);
    int step = steps_find(st, "masked");
    cr_assert(step >= 0);
    const Px masked[] = { LIGHT_MASKED, DARK_MASKED }, hatch[] = { LIGHT_HATCH, DARK_HATCH };
    for (int theme = 0; theme < THEME_COUNT; theme++) {
        Exporter *ex = exporter(1280, 720);
        DrawOptions o = draw_options_default();
        o.theme = (ThemeId)theme;
        o.show_values = false;
        cr_assert(export_draw(ex, st, step, &o, &layout));
        int b = box_of(st, step, "A_masked");
        const Panel *p = panel_of(st, step, b);
        int nmasked = 0, nkept = 0;
        for (int r = 0; r < layout.panels[b].rows; r++)
            for (int c = 0; c < layout.panels[b].cols; c++) {
                SDL_Rect rc = draw_cell_rect(&layout, b, r, c);
                /* the cell, clear of the gaps between cells */
                SDL_Rect in = { rc.x + 3, rc.y + 3, rc.w - 6, rc.h - 6 };
                double fm, fh;
                double f = share(export_surface(ex), in, masked[theme], hatch[theme], &fm, &fh);
                if (isinf(value(p, r, c))) {
                    nmasked++;
                    /* −∞ glyph aside, the cell is the masked colour, striped */
                    cr_assert_gt(f, 0.6, "theme %d cell %d,%d: %.2f masked/hatch", theme, r, c, f);
                    cr_assert_gt(fm, 0.2, "theme %d cell %d,%d: no base colour", theme, r, c);
                    cr_assert_gt(fh, 0.1, "theme %d cell %d,%d: no hatching", theme, r, c);
                } else {
                    nkept++;
                    cr_assert_lt(f, 0.05, "theme %d cell %d,%d looks masked", theme, r, c);
                }
            }
        /* "The cat ate [PAD] [PAD]": the two [PAD] key columns */
        cr_assert_eq(nmasked, 10);
        cr_assert_eq(nkept, 15);
        export_free(ex);
    }
    done(st);
}

Test(render, a_weight_of_one_has_the_top_colour_of_the_map)
{
    /* causal mode: query 0 may only look at key 0, so row 0 is [1, 0, ...] */
    Steps *st = build("causal", 1);
    int step = steps_find(st, "weights");
    cr_assert(step >= 0);
    const ThemePalette pals[] = { THEME_VIRIDIS, THEME_CIVIDIS };
    const Px tops[] = { VIRIDIS_TOP, CIVIDIS_TOP };
    for (int i = 0; i < 2; i++) {
        Exporter *ex = exporter(1280, 720);
        DrawOptions o = draw_options_default();
        o.palette = pals[i];
        o.show_values = false;
        cr_assert(export_draw(ex, st, step, &o, &layout));
        int b = box_of(st, step, "A_weights");
        const Panel *p = panel_of(st, step, b);
        cr_assert_eq(value(p, 0, 0), 1.0);
        cr_assert_eq(value(p, 0, 1), 0.0);
        SDL_Rect rc = draw_cell_rect(&layout, b, 0, 0);
        Px c = pixel(export_surface(ex), rc.x + rc.w / 2, rc.y + rc.h / 2);
        cr_assert(same(c, tops[i]), "palette %d: got #%02X%02X%02X", i, c.r, c.g, c.b);
        if (pals[i] == THEME_VIRIDIS) {
            rc = draw_cell_rect(&layout, b, 0, 1);
            c = pixel(export_surface(ex), rc.x + rc.w / 2, rc.y + rc.h / 2);
            cr_assert(same(c, VIRIDIS_BOTTOM), "0.00: got #%02X%02X%02X", c.r, c.g, c.b);
        }
        export_free(ex);
    }
    done(st);
}

Test(render, values_are_printed_in_cells_that_fit_them)
{
    Steps *st = build("causal", 1);
    int step = steps_find(st, "weights");
    Exporter *ex = exporter(1280, 720);
    DrawOptions o = draw_options_default();
    cr_assert(export_draw(ex, st, step, &o, &layout));
    int b = box_of(st, step, "A_weights");
    cr_assert(layout.panels[b].values);
    /* "1.00" written over the top colour: the cell is no longer uniform */
    SDL_Rect rc = draw_cell_rect(&layout, b, 0, 0);
    SDL_Rect in = { rc.x + 4, rc.y + 4, rc.w - 8, rc.h - 8 };
    double f = share(export_surface(ex), in, VIRIDIS_TOP, VIRIDIS_TOP, NULL, NULL);
    cr_assert_lt(f, 0.99, "no text in the 1.00 cell: %.3f of %dx%d at %d,%d", f, in.w, in.h, in.x, in.y);
    cr_assert_gt(f, 0.5);
    /* and with values off the same cell is uniform */
    o.show_values = false;
    cr_assert(export_draw(ex, st, step, &o, &layout));
    cr_assert(!layout.panels[b].values);
    cr_assert_eq(share(export_surface(ex), in, VIRIDIS_TOP, VIRIDIS_TOP, NULL, NULL), 1.0);
    export_free(ex);
    done(st);
}

Test(render, token_labels_are_drawn_in_their_boxes)
{
    Steps *st = build("padding", 0);
    const Px bgs[] = { LIGHT_BG, DARK_BG };
    for (int theme = 0; theme < THEME_COUNT; theme++) {
        Exporter *ex = exporter(1280, 720);
        DrawOptions o = draw_options_default();
        o.theme = (ThemeId)theme;
        for (int step = 0; step < steps_count(st); step++) {
            cr_assert(export_draw(ex, st, step, &o, &layout));
            SDL_Surface *s = export_surface(ex);
            /* the frame's corner is background: the probe can tell */
            cr_assert_eq(non_background(s, (SDL_Rect){ 0, 0, 10, 10 }, bgs[theme]), 0);
            for (int b = 0; b < layout.npanels; b++) {
                const DrawPanelBox *box = &layout.panels[b];
                long rl = non_background(s, box->row_labels, bgs[theme]);
                long cl = non_background(s, box->col_labels, bgs[theme]);
                cr_assert_gt(rl, 20L * box->rows / (box->rows > 24 ? 8 : 1),
                             "step %s box %d: row labels empty", steps_at(st, step)->slug, b);
                cr_assert_gt(cl, 20L, "step %s box %d: column labels empty", steps_at(st, step)->slug, b);
            }
        }
        export_free(ex);
    }
    done(st);
}

static bool overlap(SDL_Rect a, SDL_Rect b)
{
    return a.w > 0 && a.h > 0 && b.w > 0 && b.h > 0 && SDL_HasIntersection(&a, &b);
}

static bool inside(SDL_Rect in, SDL_Rect out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w && in.y + in.h <= out.y + out.h;
}

/* every mode, step and view at both ends of the size range: panels lie
 * inside the frame, apart from each other and from the header/footer */
Test(render, nothing_overlaps_or_leaves_the_frame)
{
    const int sizes[][2] = { { 1280, 720 }, { 3840, 2160 } };
    for (int z = 0; z < 2; z++) {
        Exporter *ex = exporter(sizes[z][0], sizes[z][1]);
        SDL_Rect frame = { 0, 0, sizes[z][0], sizes[z][1] };
        for (int m = 0; m < mode_count(); m++) {
            for (int view = 0; view < 2; view++) {
                Scenario *sc = scenario_default();
                char err[256];
                Steps *st = shown(sc, mode_at(m)->name, view ? -1 : mode_default_sentence(mode_at(m), sc));
                cr_assert(st, "%s", err);
                for (int step = 0; step < steps_count(st); step++) {
                    DrawOptions o = draw_options_default();
                    cr_assert(export_draw(ex, st, step, &o, &layout));
                    const char *what = steps_at(st, step)->slug;
                    /* every panel of the sentences on the page (the batch view may page) */
                    int want = 0;
                    for (int i = 0; i < steps_at(st, step)->npanels; i++) {
                        int row = steps_at(st, step)->panels[i].grid_row / steps_at(st, step)->strips_per_sentence;
                        want += row >= layout.first_sentence && row < layout.first_sentence + layout.sentences;
                    }
                    cr_assert_eq(layout.npanels, want);
                    cr_assert(layout.pages == 1 || view, "only the batch view pages");
                    SDL_Rect fixed[] = { layout.title, layout.formula, layout.axes, layout.legend,
                                         layout.caption, layout.note, layout.result };
                    for (int i = 0; i < layout.npanels; i++) {
                        const DrawPanelBox *a = &layout.panels[i];
                        SDL_Rect all;
                        SDL_UnionRect(&a->grid, &a->col_labels, &all);
                        SDL_UnionRect(&all, &a->title, &all);
                        if (a->row_labels.w > 0) SDL_UnionRect(&all, &a->row_labels, &all);
                        cr_assert(inside(all, frame), "%s/%s box %d leaves the frame", engine_mode(steps_engine(st))->name, what, i);
                        for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
                            cr_assert(!overlap(all, fixed[k]), "%s/%s box %d overlaps text block %zu",
                                      engine_mode(steps_engine(st))->name, what, i, k);
                        for (int j = i + 1; j < layout.npanels; j++) {
                            const DrawPanelBox *b = &layout.panels[j];
                            cr_assert(!overlap(a->grid, b->grid), "%s/%s grids %d and %d overlap",
                                      engine_mode(steps_engine(st))->name, what, i, j);
                            cr_assert(!overlap(a->grid, b->row_labels) && !overlap(a->grid, b->col_labels),
                                      "%s/%s labels of %d cover grid %d", engine_mode(steps_engine(st))->name, what, j, i);
                        }
                    }
                    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
                        if (fixed[k].w > 0) cr_assert(inside(fixed[k], frame), "%s/%s text block %zu", engine_mode(steps_engine(st))->name, what, k);
                }
                shown_free(st);
                scenario_free(sc);
            }
        }
        export_free(ex);
    }
}

Test(render, hit_testing_finds_the_cell_under_a_pixel)
{
    Steps *st = build("combined", 0);
    int step = steps_find(st, "masked");
    Exporter *ex = exporter(1920, 1080);
    cr_assert(export_draw(ex, st, step, NULL, &layout));
    for (int b = 0; b < layout.npanels; b++)
        for (int r = 0; r < layout.panels[b].rows; r++)
            for (int c = 0; c < layout.panels[b].cols; c++) {
                SDL_Rect rc = draw_cell_rect(&layout, b, r, c);
                int hb, hr, hc;
                cr_assert(draw_hit(&layout, rc.x + rc.w - 1, rc.y, &hb, &hr, &hc));
                cr_assert(hb == b && hr == r && hc == c, "(%d,%d,%d) hit as (%d,%d,%d)", b, r, c, hb, hr, hc);
            }
    cr_assert(!draw_hit(&layout, 0, 0, NULL, NULL, NULL));
    export_free(ex);
    done(st);
}

Test(render, the_highlighted_token_is_outlined)
{
    static const Px LIGHT_HIGHLIGHT = { 0xD5, 0x5E, 0x00 };
    Steps *st = build("padding", 0);
    int step = steps_find(st, "weights");
    Exporter *ex = exporter(1280, 720);
    DrawOptions o = draw_options_default();
    cr_assert(export_draw(ex, st, step, &o, &layout));
    int b = box_of(st, step, "A_weights");
    SDL_Rect g = layout.panels[b].grid;
    SDL_Rect around = { g.x - 8, g.y - 8, g.w + 16, g.h + 16 };
    cr_assert_eq(share(export_surface(ex), around, LIGHT_HIGHLIGHT, LIGHT_HIGHLIGHT, NULL, NULL), 0.0);
    o.highlight_row = 1;
    o.highlight_col = 2;
    cr_assert(export_draw(ex, st, step, &o, &layout));
    SDL_Rect row = draw_cell_rect(&layout, b, 1, 0);
    /* the outline runs just above row 1, along the whole grid */
    long n = 0;
    for (int x = g.x; x < g.x + g.w; x++)
        for (int y = row.y - 4; y <= row.y + 1; y++)
            n += same(pixel(export_surface(ex), x, y), LIGHT_HIGHLIGHT);
    cr_assert_gt(n, g.w / 2);
    export_free(ex);
    done(st);
}

static Scenario *long_sentence(int L)
{
    static char text[16384];
    size_t k = 0;
    for (int i = 0; i < L; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%sw%d", i ? " " : "", i % 50);
    const char *sentences[] = { text };
    char err[256];
    Scenario *sc = scenario_from_sentences(sentences, 1, err, sizeof err);
    cr_assert(sc, "%s", err);
    return sc;
}

Test(render, large_matrices_become_heatmaps_with_exact_colours)
{
    Scenario *sc = long_sentence(40);
    char err[256];
    Steps *st = shown(sc, "causal", 0);
    cr_assert(st, "%s", err);
    int step = steps_find(st, "weights");
    Exporter *ex = exporter(1920, 1080);
    cr_assert(export_draw(ex, st, step, NULL, &layout));
    int b = box_of(st, step, "A_weights");
    cr_assert(layout.panels[b].heatmap);
    cr_assert(!layout.panels[b].values);
    cr_assert_eq(layout.panels[b].rows, 40);
    const Panel *p = panel_of(st, step, b);
    cr_assert_eq(value(p, 0, 0), 1.0);
    SDL_Rect rc = draw_cell_rect(&layout, b, 0, 0);
    cr_assert(same(pixel(export_surface(ex), rc.x + rc.w / 2, rc.y + rc.h / 2), VIRIDIS_TOP));
    /* the masked upper triangle of A_masked: masked colour and stripes */
    int m = box_of(st, step, "A_masked");
    SDL_Rect g = layout.panels[m].grid;
    SDL_Rect corner = { g.x + g.w * 3 / 4, g.y, g.w / 4, g.h / 8 };
    double fm, fh;
    cr_assert_gt(share(export_surface(ex), corner, LIGHT_MASKED, LIGHT_HATCH, &fm, &fh), 0.99);
    cr_assert_gt(fm, 0.3);
    cr_assert_gt(fh, 0.1);
    export_free(ex);
    shown_free(st);
    scenario_free(sc);
}

Test(render, a_1024_token_heatmap_draws, .timeout = 60)
{
    Scenario *sc = long_sentence(1024);
    char err[256];
    Steps *st = shown(sc, "causal", 0);
    cr_assert(st, "%s", err);
    int step = steps_find(st, "weights");
    Exporter *ex = exporter(1280, 720);
    cr_assert(export_draw(ex, st, step, NULL, &layout));
    int b = box_of(st, step, "A_weights");
    cr_assert(layout.panels[b].heatmap);
    SDL_Rect g = layout.panels[b].grid;
    cr_assert_gt(g.w, 100);
    /* bottom-left corner: the last query spreads its weight over 1024 keys, near 0 */
    Px c = pixel(export_surface(ex), g.x + 1, g.y + g.h - 2);
    cr_assert(same(c, VIRIDIS_BOTTOM) || c.r < 0x50, "got #%02X%02X%02X", c.r, c.g, c.b);
    cr_assert(same(pixel(export_surface(ex), g.x, g.y), VIRIDIS_TOP));
    export_free(ex);
    shown_free(st);
    scenario_free(sc);
}

Test(render, masked_nan_and_padding_cells_stand_apart_in_every_theme)
{
    for (int t = 0; t < THEME_COUNT; t++) {
        const Theme *th = theme_get((ThemeId)t);
        /* WCAG contrast: a masked cell against the frame and against its own stripes */
        cr_assert_geq(theme_contrast(th->masked, th->bg), 3.0, "%s: masked vs background %.2f", th->name,
                      theme_contrast(th->masked, th->bg));
        cr_assert_geq(theme_contrast(th->masked, th->hatch), 3.0, "%s: masked vs hatching %.2f", th->name,
                      theme_contrast(th->masked, th->hatch));
        /* NaN is no colour of the maps and not the faded padding grey */
        Rgba faded = theme_faded(th, th->pad);
        cr_assert(th->nan.r != faded.r || th->nan.g != faded.g || th->nan.b != faded.b, "%s", th->name);
        for (int p = 0; p < THEME_PALETTE_COUNT; p++)
            for (int k = 0; k <= 100; k++) {
                Rgba c = theme_sequential((ThemePalette)p, k / 100.0);
                int dist = abs(c.r - th->nan.r) + abs(c.g - th->nan.g) + abs(c.b - th->nan.b);
                cr_assert_gt(dist, 60, "%s: NaN is too close to the map at %d%%", th->name, k);
            }
    }
}

/* Every mode × step, one sentence and the whole batch: nothing a student
 * must read is drawn below DRAW_MIN_TEXT_720 (scaled: 24 px at 1920×1080),
 * no value in a cell below DRAW_MIN_VALUE_720 (21 px at 1080p); the
 * renderer's own tally of the sizes it drew says so. */
Test(render, text_is_never_smaller_than_the_minimum_at_1080p_and_720p, .timeout = 120)
{
    const struct { int w, h, text, value; } sizes[] = { { 1920, 1080, 24, 20 }, { 1280, 720, 16, 14 } };
    Scenario *sc = scenario_default();
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        Exporter *ex = exporter(sizes[k].w, sizes[k].h);
        Painter *pt = export_painter(ex);
        for (int m = 0; m < mode_count(); m++)
            for (int s = -1; s <= 0; s++) {
                Steps *st = shown(sc, mode_at(m)->name, s);
                for (int i = 0; i < steps_count(st); i++) {
                    paint_tally_reset(pt);
                    cr_assert(export_draw(ex, st, i, NULL, NULL));
                    int text = paint_tally_min(pt, PAINT_TEXT), value = paint_tally_min(pt, PAINT_VALUE);
                    cr_assert_geq(text, sizes[k].text, "%dx%d %s step %s sentence %d: text at %d px", sizes[k].w,
                                  sizes[k].h, mode_at(m)->name, steps_slug(st, i), s, text);
                    cr_assert(value == 0 || value >= sizes[k].value, "%dx%d %s step %s sentence %d: values at %d px",
                              sizes[k].w, sizes[k].h, mode_at(m)->name, steps_slug(st, i), s, value);
                }
                shown_free(st);
            }
        export_free(ex);
    }
    scenario_free(sc);
}

/* The whole batch: when twelve sentences do not fit at a readable size
 * they go on pages, each page's cells at least a label's line high; every
 * panel keeps its own row labels; together the pages show every sentence
 * once. Column labels too wide for their cells are turned, never set on
 * two zig-zagging lines: the label band is one line, or as tall as the
 * longest label. */
Test(render, a_batch_too_big_for_the_frame_goes_on_readable_pages)
{
    const char *sentences[12];
    for (int i = 0; i < 12; i++) sentences[i] = i % 2 ? "The cat ate fish pie" : "The cat ate";
    char err[256];
    Scenario *sc = scenario_from_sentences(sentences, 12, err, sizeof err);
    cr_assert(sc, "%s", err);
    Steps *st = shown(sc, "combined", -1);
    int step = steps_find(st, "weights");
    Exporter *ex = exporter(1280, 720);
    DrawOptions o = draw_options_default();
    int seen[12] = {0}, pages = -1;
    for (o.page = 0; o.page < 12; o.page++) {
        cr_assert(export_draw(ex, st, step, &o, &layout));
        if (pages < 0) pages = layout.pages;
        cr_assert_eq(layout.pages, pages);
        if (o.page >= pages) {
            cr_assert_eq(layout.page, pages - 1, "a page past the end shows the last");
            break;
        }
        cr_assert_eq(layout.page, o.page);
        cr_assert_geq(layout.cell_px, 16, "page %d: cells of %d px", o.page, layout.cell_px);
        for (int s = layout.first_sentence; s < layout.first_sentence + layout.sentences; s++) seen[s]++;
        for (int b = 0; b < layout.npanels; b++) {
            cr_assert_gt(layout.panels[b].row_labels.w, 0, "page %d panel %d has its row labels", o.page, b);
            int band = layout.panels[b].col_labels.h;
            cr_assert(band <= 30 || band >= 40, "page %d panel %d: a label band of %d px is neither one line nor "
                      "turned labels", o.page, b, band);
        }
    }
    cr_assert_gt(pages, 1, "twelve sentences do not fit one 720p frame");
    for (int s = 0; s < 12; s++) cr_assert_eq(seen[s], 1, "sentence %d is shown once", s);
    export_free(ex);
    shown_free(st);
    scenario_free(sc);
}

/* Glyph atlases start a few shelves high and grow as glyphs arrive: they
 * hold what is drawn, not a square per size; and text drawn after an
 * atlas grew still has its colour. */
Test(render, glyph_atlases_hold_what_they_draw)
{
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 1600, 900, 32, SDL_PIXELFORMAT_RGB888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
    char err[256];
    Painter *p = paint_new(r, err, sizeof err);
    cr_assert_not_null(p, "%s", err);
    const int sizes[] = {14, 24, 48, 96};
    const char *text = "The cat ate fish pie [PAD] [MASK] 0123456789 \u2212\u221e";
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        paint_text(p, FONT_SANS, sizes[k], 0, 0, text, -1, (Rgba){0, 0, 0, 255});
    size_t tex = 0, used = 0;
    paint_font_usage(p, &tex, &used);
    /* a square atlas per size was 14·15=256², 360², 720² and 1440² pixels: 11 MB */
    cr_assert_gt(used, 0);
    cr_assert_leq(tex, 2 * used + (size_t)4 * 1440 * 100 * 4, "atlases: %zu bytes for %zu used", tex, used);
    cr_assert_lt(tex, (size_t)3 << 20, "atlases: %zu bytes", tex);
    /* every letter and digit at 96 px: the atlas grows more than once; the
     * last line drawn is black on white, not the atlas's white */
    SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
    SDL_RenderClear(r);
    const char *more = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (int i = 0; more[i]; i += 13)
        paint_text(p, FONT_SANS_BOLD, 96, 0, 200, more + i, 13, (Rgba){0, 0, 0, 255});
    SDL_RenderPresent(r);
    long dark = 0;
    for (int y = 200; y < 320; y++)
        for (int x = 0; x < 1600; x++) {
            Uint32 px = ((Uint32 *)surf->pixels)[(size_t)y * surf->pitch / 4 + x];
            dark += ((px >> 16) & 255) < 64 && ((px >> 8) & 255) < 64 && (px & 255) < 64;
        }
    cr_assert_gt(dark, 2000, "the glyphs are drawn black: %ld dark pixels", dark);
    paint_free(p);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
}
