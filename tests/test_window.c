/* The window, opened for real under Xvfb (tests/xvfb-wrap.sh) with SDL's
 * software renderer, driven by the same SDL events a user makes, and
 * checked by reading its pixels back: a mode key recolours the mask, a
 * step key rewrites the step indicator, a click on a token in MLM mode
 * changes the loss and its result line. Which cell is masked, which
 * token is [MASK] and what the loss is are read from the core's Steps. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "bugs.h"
#include "convention.h"
#include "player.h"
#include "pngread.h"
#include "steps.h"
#include "editor.h"
#include "strbuf.h"
#include "support.h"
#include "text.h"
#include "view.h"

static View *v;
static Player *pl;
static Scenario *sc;
static char tmpdir[64];

static void open_with(Scenario *scenario, int w, int h)
{
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    cr_assert_eq(SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER), 0, "no display under the test: %s", SDL_GetError());
    snprintf(tmpdir, sizeof tmpdir, "/tmp/maskscope-window-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    sc = scenario;
    ViewConfig cfg = view_config_default();
    cfg.w = w;
    cfg.h = h;
    cfg.export_dir = tmpdir;
    char err[512];
    bool no_display = false;
    v = view_open(sc, &cfg, &no_display, err, sizeof err);
    cr_assert_not_null(v, "view_open: %s", err);
    pl = player_new(v);
    view_render(v);
}

static void open_default(void)
{
    open_with(scenario_default(), 1280, 800);
}

static void teardown(void)
{
    player_free(pl);
    pl = NULL;
    view_close(v);
    v = NULL;
    scenario_free(sc);
    sc = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (tmpdir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    SDL_Quit();
}

/* ---- driving -------------------------------------------------------------- */

/* our mouse: X's own pointer (Xvfb's, shared with windows that other
 * tests open and close) also sends motion and enter/leave events, which
 * must not move our pointer behind the test's back */
#define TEST_MOUSE 0x7e57u

static bool from_x_pointer(const SDL_Event *e)
{
    switch (e->type) {
    case SDL_MOUSEMOTION: return e->motion.which != TEST_MOUSE;
    case SDL_MOUSEBUTTONDOWN: case SDL_MOUSEBUTTONUP: return e->button.which != TEST_MOUSE;
    case SDL_WINDOWEVENT: return e->window.event == SDL_WINDOWEVENT_ENTER || e->window.event == SDL_WINDOWEVENT_LEAVE;
    default: return false;
    }
}

static bool send(SDL_Event *e)
{
    /* through SDL's queue, as the main loop receives events */
    cr_assert_geq(SDL_PushEvent(e), 0, "%s", SDL_GetError());
    bool running = true;
    SDL_Event got;
    while (SDL_PollEvent(&got))
        if (!from_x_pointer(&got) && !player_handle_event(pl, &got)) running = false;
    view_render(v);
    return running;
}

static bool key_mod(SDL_Keycode k, Uint16 mod)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = SDL_GetWindowID(view_window(v));
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    e.key.keysym.scancode = SDL_GetScancodeFromKey(k);
    e.key.keysym.mod = mod;
    return send(&e);
}

static bool key(SDL_Keycode k)
{
    return key_mod(k, KMOD_NONE);
}

/* drawable pixels to window points (the same on a 1:1 display) */
static void points(int px, int py, int *x, int *y)
{
    int ww, wh, dw, dh;
    SDL_GetWindowSize(view_window(v), &ww, &wh);
    SDL_GetRendererOutputSize(view_renderer(v), &dw, &dh);
    *x = px * ww / dw;
    *y = py * wh / dh;
}

static void move_to(int px, int py)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEMOTION;
    e.motion.windowID = SDL_GetWindowID(view_window(v));
    e.motion.which = TEST_MOUSE;
    points(px, py, &e.motion.x, &e.motion.y);
    send(&e);
}

/* a left click at (px, py); false when it asked to quit */
static bool click_at(int px, int py)
{
    move_to(px, py);
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.windowID = SDL_GetWindowID(view_window(v));
    e.button.which = TEST_MOUSE;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = SDL_PRESSED;
    e.button.clicks = 1;
    points(px, py, &e.button.x, &e.button.y);
    return send(&e);
}

static SDL_Point centre(SDL_Rect r)
{
    return (SDL_Point){ r.x + r.w / 2, r.y + r.h / 2 };
}

/* ---- reading back ------------------------------------------------------------ */

/* a PNG the window saved, as an RGB888 surface */
static SDL_Surface *load_png(const char *path)
{
    int w, h;
    char err[700];
    uint8_t *rgb = pngread_rgb(path, &w, &h, err, sizeof err);
    cr_assert_not_null(rgb, "%s", err);
    SDL_Surface *in = SDL_CreateRGBSurfaceWithFormatFrom(rgb, w, h, 24, 3 * w, SDL_PIXELFORMAT_RGB24);
    cr_assert_not_null(in, "%s", SDL_GetError());
    SDL_Surface *s = SDL_ConvertSurfaceFormat(in, SDL_PIXELFORMAT_RGB888, 0);
    cr_assert_not_null(s, "%s", SDL_GetError());
    SDL_FreeSurface(in);
    free(rgb);
    return s;
}

static SDL_Surface *shot(void)
{
    view_invalidate(v);
    cr_assert(view_render(v));
    int w, h;
    SDL_GetRendererOutputSize(view_renderer(v), &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
    cr_assert_not_null(s);
    cr_assert_eq(SDL_RenderReadPixels(view_renderer(v), NULL, SDL_PIXELFORMAT_RGB888, s->pixels, s->pitch), 0, "%s",
                 SDL_GetError());
    return s;
}

static Uint32 px_at(SDL_Surface *s, int x, int y)
{
    return ((Uint32 *)((Uint8 *)s->pixels + (size_t)y * s->pitch))[x] & 0xFFFFFF;
}

/* how many pixels of rc differ between two shots */
static long differing(SDL_Surface *a, SDL_Surface *b, SDL_Rect rc)
{
    long n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++)
            if (px_at(a, x, y) != px_at(b, x, y)) n++;
    return n;
}

/* mean luminance of rc, 0..255 */
static double luminance(SDL_Surface *s, SDL_Rect rc)
{
    double sum = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++) {
            Uint32 p = px_at(s, x, y);
            sum += 0.2126 * ((p >> 16) & 255) + 0.7152 * ((p >> 8) & 255) + 0.0722 * (p & 255);
        }
    return sum / ((double)rc.w * rc.h);
}

static int distinct_colours(SDL_Surface *s, SDL_Rect rc)
{
    Uint32 seen[64];
    int n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y += 3)
        for (int x = rc.x; x < rc.x + rc.w; x += 3) {
            Uint32 p = px_at(s, x, y);
            int k = 0;
            while (k < n && seen[k] != p) k++;
            if (k == n && n < 64) seen[n++] = p;
        }
    return n;
}

static const Step *step_now(void)
{
    return steps_at(view_steps(v), view_state(v)->step);
}

/* the layout box of the panel called name in the step on screen */
static int box_named(const char *name)
{
    const DrawLayout *l = view_layout(v);
    for (int i = 0; i < l->npanels; i++)
        if (strcmp(step_now()->panels[l->panels[i].panel].name, name) == 0) return i;
    cr_assert_fail("no panel %s in step %s", name, step_now()->slug);
    return -1;
}

static const Panel *panel_of(int box)
{
    return &step_now()->panels[view_layout(v)->panels[box].panel];
}

static double value(const Panel *p, int r, int c)
{
    return p->view.data[(size_t)r * p->view.shape[1] + c];
}

/* ---- modes and steps ------------------------------------------------------------ */

TestSuite(window, .init = open_default, .fini = teardown, .timeout = 120);

Test(window, opens_on_the_first_step_of_padding_with_its_controls)
{
    cr_assert_eq(view_state(v)->mode, mode_find("padding"));
    cr_assert_eq(view_state(v)->step, 0);
    const ViewRegions *g = view_regions(v);
    int w, h;
    SDL_GetRendererOutputSize(view_renderer(v), &w, &h);
    cr_assert_eq(g->frame.w, w, "the step uses the drawable's width");
    cr_assert(g->frame.y > 0 && g->frame.y + g->frame.h < h, "bars above and below the step");
    /* a tab for each mode with a number key, and "More" for the rest */
    int keyed = 0;
    for (int m = 0; m < mode_count(); m++) keyed += mode_at(m)->key != 0;
    cr_assert_eq(g->ntabs, keyed + (keyed < mode_count()));
    for (int t = 0; t < g->ntabs; t++) cr_assert_gt(g->tabs[t].w, 0);
    cr_assert_eq(g->tab_mode[g->ntabs - 1], keyed < mode_count() ? -1 : g->tab_mode[g->ntabs - 1]);
    cr_assert_eq(g->nsteps, steps_count(view_steps(v)));
    cr_assert_eq(g->nsentences, sc->sentences.count + 1, "one chip per sentence and one for all");
    cr_assert_eq(g->sentence_of[g->nsentences - 1], -1);
    SDL_Surface *s = shot();
    cr_assert_gt(distinct_colours(s, g->indicator), 1, "the indicator has text");
    cr_assert_gt(distinct_colours(s, g->frame), 4, "the step is drawn");
    SDL_FreeSurface(s);
    cr_assert_not(view_render(v), "nothing changed, nothing drawn");
}

Test(window, a_mode_key_recolours_the_mask_and_keeps_the_step)
{
    int mask_step = steps_find(view_steps(v), "mask");
    cr_assert_geq(mask_step, 0);
    for (int i = 0; i < mask_step; i++) key(SDLK_RIGHT);
    cr_assert_str_eq(step_now()->slug, "mask");
    /* a cell the padding mask keeps and the causal mask blocks: row 0, key 1 */
    int b = box_named("A_pad");
    const Panel *p = panel_of(b);
    cr_assert(isfinite(value(p, 0, 1)), "padding keeps key 1 for query 0");
    SDL_Rect cell = draw_cell_rect(view_layout(v), b, 0, 1);
    SDL_Surface *before = shot();
    double lum_before = luminance(before, cell);

    key(SDLK_2);
    cr_assert_eq(view_state(v)->mode, mode_find("causal"));
    cr_assert_str_eq(step_now()->slug, "mask", "the step is kept across modes");
    b = box_named("A_causal");
    p = panel_of(b);
    cr_assert(isinf(value(p, 0, 1)) && value(p, 0, 1) < 0, "causal blocks key 1 for query 0");
    cell = draw_cell_rect(view_layout(v), b, 0, 1);
    SDL_Surface *after = shot();
    double lum_after = luminance(after, cell);
    cr_assert_gt(lum_before, 150, "a kept cell is light (%.0f)", lum_before);
    cr_assert_lt(lum_after, 110, "a −∞ cell is dark (%.0f)", lum_after);
    cr_assert_gt(differing(before, after, view_regions(v)->frame), 1000, "the mask region changed");
    SDL_Surface *tabs = shot();
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
    /* the tab strip shows the new mode */
    key(SDLK_3);
    SDL_Surface *s3 = shot();
    cr_assert_gt(differing(tabs, s3, view_regions(v)->tabs[mode_index(mode_find("combined"))]), 100);
    cr_assert_str_eq(step_now()->slug, "mask");
    key(SDLK_4);
    cr_assert_eq(view_state(v)->mode, mode_find("mlm"));
    key(SDLK_1);
    cr_assert_eq(view_state(v)->mode, mode_find("padding"));
    SDL_FreeSurface(tabs);
    SDL_FreeSurface(s3);
}

/* the index of builder term name */
static int term_index(const char *name)
{
    for (int i = 0; i < mode_buildable_count(); i++)
        if (strcmp(mode_buildable_name(i), name) == 0) return i;
    cr_assert_fail("no term %s", name);
    return -1;
}

Test(window, b_builds_a_mask_from_the_terms_on_screen_and_chips_toggle_them)
{
    key(SDLK_3); /* combined: padding + causal */
    int mask_step = steps_find(view_steps(v), "mask");
    while (view_state(v)->step < mask_step) key(SDLK_RIGHT);
    key(SDLK_b);
    const Mode *m = view_state(v)->mode;
    cr_assert(mode_is_built(m), "B opens the builder");
    cr_assert_str_eq(step_now()->slug, "mask", "the step is kept");
    int pad = term_index("padding"), causal = term_index("causal"), window = term_index("window");
    cr_assert(mode_buildable_in(m, pad) && mode_buildable_in(m, causal) && !mode_buildable_in(m, window),
              "it starts from the combined mode's terms");
    cr_assert_eq(view_regions(v)->nterms, mode_buildable_count(), "a chip per term");
    /* sentence 1 is "The cat ate fish pie": with W = 3, query 4 no longer sees key 1 */
    key(SDLK_TAB);
    while (view_state(v)->sentence != 1) key(SDLK_TAB);
    const Tensor *mask = engine_tensor(view_engine(v), T_MASK);
    int L = engine_length(view_engine(v));
    cr_assert_eq(mask->data[(1 * L + 4) * L + 1], 0.0f, "causal alone: query 4 sees key 1");
    SDL_Point c = centre(view_regions(v)->terms[window]);
    SDL_Surface *before = shot();
    click_at(c.x, c.y);
    m = view_state(v)->mode;
    cr_assert(mode_buildable_in(m, window), "a click on the window chip adds it");
    cr_assert_eq(view_scenario(v)->window, 3);
    mask = engine_tensor(view_engine(v), T_MASK);
    cr_assert(isinf(mask->data[(1 * L + 4) * L + 1]), "W = 3: query 4 sees keys 2, 3, 4 only");
    cr_assert_eq(mask->data[(1 * L + 4) * L + 2], 0.0f);
    SDL_Surface *after = shot();
    cr_assert_gt(differing(before, after, view_regions(v)->frame), 500, "the picture follows");
    /* ] widens the window, and the chip says so */
    key(SDLK_RIGHTBRACKET);
    cr_assert_eq(view_scenario(v)->window, 4);
    mask = engine_tensor(view_engine(v), T_MASK);
    cr_assert_eq(mask->data[(1 * L + 4) * L + 1], 0.0f, "W = 4 reaches key 1 again");
    /* Shift+digit removes a term; the last one stays */
    key_mod(SDLK_1 + causal, KMOD_LSHIFT);
    cr_assert_not(mode_buildable_in(view_state(v)->mode, causal));
    key_mod(SDLK_1 + window, KMOD_LSHIFT);
    key_mod(SDLK_1 + pad, KMOD_LSHIFT);
    cr_assert(mode_buildable_in(view_state(v)->mode, pad), "a mask keeps at least one term");
    cr_assert(strstr(view_notice(v), "at least one term"), "%s", view_notice(v));
    /* B again goes back where it came from */
    key(SDLK_b);
    cr_assert_eq(view_state(v)->mode, mode_find("combined"));
    cr_assert_eq(view_regions(v)->nterms, 0, "no builder strip outside the builder");
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
}

Test(window, step_keys_move_and_the_indicator_follows)
{
    int n = steps_count(view_steps(v));
    SDL_Surface *s0 = shot();
    key(SDLK_RIGHT);
    cr_assert_eq(view_state(v)->step, 1);
    SDL_Surface *s1 = shot();
    cr_assert_gt(differing(s0, s1, view_regions(v)->indicator), 20, "the step indicator changed");
    cr_assert_gt(differing(s0, s1, view_regions(v)->steps[1]), 20, "the pipeline marks the new step");
    key(SDLK_PAGEDOWN);
    cr_assert_eq(view_state(v)->step, 2);
    key(SDLK_SPACE);
    cr_assert_eq(view_state(v)->step, 3);
    key(SDLK_BACKSPACE);
    cr_assert_eq(view_state(v)->step, 2);
    key(SDLK_PAGEUP);
    cr_assert_eq(view_state(v)->step, 1);
    key(SDLK_LEFT);
    cr_assert_eq(view_state(v)->step, 0);
    key(SDLK_LEFT);
    cr_assert_eq(view_state(v)->step, 0, "no step before the first");
    key(SDLK_END);
    cr_assert_eq(view_state(v)->step, n - 1);
    key(SDLK_RIGHT);
    cr_assert_eq(view_state(v)->step, n - 1, "no step after the last");
    key(SDLK_HOME);
    cr_assert_eq(view_state(v)->step, 0);
    SDL_Surface *s2 = shot();
    cr_assert_eq(differing(s0, s2, view_regions(v)->indicator), 0, "back on step 1, the same indicator");
    SDL_FreeSurface(s0);
    SDL_FreeSurface(s1);
    SDL_FreeSurface(s2);
}

Test(window, clicks_on_tabs_arrows_steps_and_sentences)
{
    const ViewRegions *g = view_regions(v);
    SDL_Point p = centre(g->tabs[mode_index(mode_find("combined"))]);
    click_at(p.x, p.y);
    cr_assert_eq(view_state(v)->mode, mode_find("combined"));
    p = centre(g->next);
    click_at(p.x, p.y);
    cr_assert_eq(view_state(v)->step, 1);
    p = centre(g->prev);
    click_at(p.x, p.y);
    cr_assert_eq(view_state(v)->step, 0);
    p = centre(g->steps[5]);
    click_at(p.x, p.y);
    cr_assert_eq(view_state(v)->step, 5);
    for (int i = 0; i < g->nsentences; i++) {
        p = centre(g->sentences[i]);
        int want = g->sentence_of[i];
        click_at(p.x, p.y);
        cr_assert_eq(view_state(v)->sentence, want);
        cr_assert_eq(steps_sentence(view_steps(v)), want);
        cr_assert_eq(view_state(v)->step, 5, "the step is kept");
    }
}

Test(window, tab_cycles_sentences_and_a_toggles_the_batch)
{
    int n = sc->sentences.count;
    int s0 = view_state(v)->sentence;
    key(SDLK_TAB);
    cr_assert_eq(view_state(v)->sentence, (s0 + 1) % n);
    key_mod(SDLK_TAB, KMOD_LSHIFT);
    cr_assert_eq(view_state(v)->sentence, s0);
    key_mod(SDLK_TAB, KMOD_LSHIFT);
    cr_assert_eq(view_state(v)->sentence, (s0 + n - 1) % n);
    int before = view_state(v)->sentence;
    key(SDLK_a);
    cr_assert_eq(view_state(v)->sentence, -1);
    cr_assert_eq(steps_sentence(view_steps(v)), -1);
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    cr_assert_gt(step_now()->grid_rows, 1, "the batch view shows every sentence");
    key(SDLK_a);
    cr_assert_eq(view_state(v)->sentence, before, "A returns to the sentence it left");
}

/* a sentence is a new layout of the same computation; a mode is a new computation */
Test(window, a_sentence_switch_keeps_the_engine_and_a_mode_switch_replaces_it)
{
    const Engine *e = view_engine(v);
    const Tensor *weights = engine_tensor(e, T_WEIGHTS);
    key(SDLK_TAB);
    key(SDLK_a);
    key(SDLK_a);
    cr_assert_eq(view_engine(v), e, "the same engine");
    cr_assert_eq(engine_tensor(view_engine(v), T_WEIGHTS), weights, "its tensors were not recomputed");
    /* the panels on screen are views into the engine's own tensors */
    key(SDLK_END);
    key(SDLK_LEFT);
    key(SDLK_LEFT);
    cr_assert_str_eq(step_now()->slug, "weights");
    const Panel *w = &step_now()->panels[1];
    cr_assert_eq(w->tensor, T_WEIGHTS);
    int s = view_state(v)->sentence, L = engine_length(e);
    cr_assert_eq(w->view.data, weights->data + (size_t)s * L * L);
    key(SDLK_3);
    cr_assert_eq(engine_mode(view_engine(v)), mode_find("combined"));
}

/* ---- hover ------------------------------------------------------------------------ */

Test(window, hovering_a_cell_shows_its_arithmetic_from_the_core)
{
    int masked = steps_find(view_steps(v), "masked");
    for (int i = 0; i < masked; i++) key(SDLK_RIGHT);
    int b = box_named("A_masked");
    const Panel *p = panel_of(b);
    int col = (int)p->view.shape[1] - 1; /* a [PAD] key: −∞ */
    SDL_Surface *before = shot();
    SDL_Point c = centre(draw_cell_rect(view_layout(v), b, 1, col));
    move_to(c.x, c.y);
    char want[1024];
    cr_assert(steps_explain(view_steps(v), view_state(v)->step, view_layout(v)->panels[b].panel, 1, col, want,
                            sizeof want));
    cr_assert_str_eq(view_tooltip(v), want);
    cr_assert(strstr(want, "\u2212\u221e"), "the −∞ is written out: %s", want);
    cr_assert_eq(view_state(v)->opts.highlight_row, 1);
    cr_assert_eq(view_state(v)->opts.highlight_col, col);
    SDL_Surface *after = shot();
    SDL_Rect tip = view_regions(v)->tooltip;
    cr_assert_gt(tip.w, 0);
    cr_assert_gt(differing(before, after, tip), tip.w * tip.h / 4, "the tooltip is drawn");
    /* off the matrices: no tooltip, no highlight */
    move_to(2, view_regions(v)->frame.y + 2);
    cr_assert_str_eq(view_tooltip(v), "");
    cr_assert_eq(view_state(v)->opts.highlight_row, -1);
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
}

Test(window, hovering_a_token_label_highlights_its_row_and_column)
{
    int masked = steps_find(view_steps(v), "weights");
    for (int i = 0; i < masked; i++) key(SDLK_RIGHT);
    int b = box_named("A_weights");
    const DrawPanelBox *box = &view_layout(v)->panels[b];
    SDL_Rect cell = draw_cell_rect(view_layout(v), b, 2, 0);
    SDL_Surface *before = shot();
    move_to(box->row_labels.x + box->row_labels.w / 2, cell.y + cell.h / 2);
    cr_assert_eq(view_state(v)->opts.highlight_row, 2);
    cr_assert_eq(view_state(v)->opts.highlight_col, 2);
    cr_assert(strstr(view_tooltip(v), "token 2"), "%s", view_tooltip(v));
    SDL_Surface *after = shot();
    /* the outline runs through another panel too */
    int other = box_named("A_masked");
    cr_assert_gt(differing(before, after, view_layout(v)->panels[other].grid), 50);
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
}

/* ---- MLM ------------------------------------------------------------------------- */

Test(window, clicking_a_token_in_mlm_mode_toggles_mask_and_the_loss_follows)
{
    key(SDLK_4);
    key(SDLK_END);
    cr_assert_str_eq(step_now()->slug, "loss");
    int s = view_state(v)->sentence;
    /* a real token that is not masked yet */
    int pos = -1;
    for (int p = 0; p < engine_batch(view_engine(v))->L && pos < 0; p++)
        if (batch_is_real(engine_batch(view_engine(v)), s, p) && (int)engine_batch(view_engine(v))->ids->data[(size_t)s * engine_batch(view_engine(v))->L + p] != engine_batch(view_engine(v))->mask_id)
            pos = p;
    cr_assert_geq(pos, 0);
    double loss_before = engine_loss(view_engine(v));
    SDL_Surface *before = shot();
    SDL_Rect result = view_layout(v)->result;
    cr_assert_gt(result.w, 0, "the loss step has a result line");
    int b = -1;
    for (int i = 0; i < view_layout(v)->npanels && b < 0; i++)
        if (strcmp(panel_of(i)->row_axis, "sentence") == 0) b = i;
    cr_assert_geq(b, 0);
    SDL_Point c = centre(draw_cell_rect(view_layout(v), b, 0, pos));
    click_at(c.x, c.y);
    cr_assert_eq((int)engine_batch(view_engine(v))->ids->data[(size_t)s * engine_batch(view_engine(v))->L + pos], engine_batch(view_engine(v))->mask_id, "now [MASK]");
    cr_assert_eq(tensor_at2(engine_tensor(view_engine(v), T_LOSS_MASK), s, pos), 1.0, "and in the loss mask");
    cr_assert(fabs(engine_loss(view_engine(v)) - loss_before) > 1e-9, "the loss changed: %f", engine_loss(view_engine(v)));
    cr_assert_str_eq(step_now()->slug, "loss", "still on the loss step");
    cr_assert(strstr(view_notice(v), "Masked"), "%s", view_notice(v));
    SDL_Surface *after = shot();
    SDL_Rect line = result;
    line.w = view_layout(v)->result.w > result.w ? view_layout(v)->result.w : result.w;
    cr_assert_gt(differing(before, after, line), 20, "the result line was redrawn with the new loss");
    /* clicking again puts the word back and the loss with it */
    click_at(c.x, c.y);
    cr_assert_eq(engine_loss(view_engine(v)), loss_before);
    cr_assert(strstr(view_notice(v), "Unmasked"));
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
}

Test(window, a_sentence_without_mask_shows_a_warning_and_r_restores)
{
    key(SDLK_4);
    int s = view_state(v)->sentence;
    cr_assert_eq(view_regions(v)->warning.h, 0, "the running example masks every sentence");
    /* unmask every [MASK] of the sentence by clicking its token cells */
    int b = box_named("mlm_batch");
    int L = engine_batch(view_engine(v))->L;
    for (int p = 0; p < L; p++) {
        if ((int)engine_batch(view_engine(v))->ids->data[(size_t)s * engine_batch(view_engine(v))->L + p] != engine_batch(view_engine(v))->mask_id) continue;
        SDL_Point c = centre(draw_cell_rect(view_layout(v), b, 0, p));
        click_at(c.x, c.y);
    }
    for (int p = 0; p < engine_batch(view_engine(v))->L; p++) cr_assert_eq(tensor_at2(engine_tensor(view_engine(v), T_LOSS_MASK), s, p), 0.0);
    cr_assert_gt(view_regions(v)->warning.h, 0, "the warning is shown");
    SDL_Surface *sh = shot();
    cr_assert_gt(distinct_colours(sh, view_regions(v)->warning), 2);
    SDL_FreeSurface(sh);
    key(SDLK_END);
    cr_assert(strstr(step_now()->note, "no [MASK]"), "the loss step says it too: %s", step_now()->note);
    key(SDLK_r);
    cr_assert_eq(view_regions(v)->warning.h, 0, "R puts the masks back");
}

Test(window_left, left_padding_clicks_mask_the_word_under_the_mouse, .fini = teardown, .timeout = 120)
{
    char err[512];
    bool io;
    const char *root = getenv("MASKSCOPE_SOURCE_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/scenarios/left-padding.json", root ? root : ".");
    Scenario *left = scenario_load(path, &io, err, sizeof err);
    cr_assert_not_null(left, "%s", err);
    open_with(left, 1280, 800);
    key(SDLK_4);
    int s = view_state(v)->sentence;
    cr_assert_gt(engine_batch(view_engine(v))->first[s], 0, "sentence %d is padded on the left", s);
    /* its first word that is not [MASK] yet */
    int pos = engine_batch(view_engine(v))->first[s];
    while (pos < engine_batch(view_engine(v))->L && (int)engine_batch(view_engine(v))->ids->data[(size_t)s * engine_batch(view_engine(v))->L + pos] == engine_batch(view_engine(v))->mask_id) pos++;
    cr_assert_lt(pos, engine_batch(view_engine(v))->L);
    int b = box_named("mlm_batch");
    SDL_Point c = centre(draw_cell_rect(view_layout(v), b, 0, pos));
    click_at(c.x, c.y);
    cr_assert_eq((int)engine_batch(view_engine(v))->ids->data[(size_t)s * engine_batch(view_engine(v))->L + pos], engine_batch(view_engine(v))->mask_id,
                 "the word at batch position %d (sentence position %d) is masked", pos, pos - engine_batch(view_engine(v))->first[s]);
    /* a [PAD] cell cannot be masked */
    c = centre(draw_cell_rect(view_layout(v), b, 0, 0));
    click_at(c.x, c.y);
    cr_assert(strstr(view_notice(v), "[PAD]"), "%s", view_notice(v));
    cr_assert_eq((int)engine_batch(view_engine(v))->ids->data[(size_t)s * engine_batch(view_engine(v))->L], engine_batch(view_engine(v))->pad_id);
}

/* ---- options, overlays, export ----------------------------------------------------- */

Test(window, v_t_c_and_zoom_change_the_picture)
{
    SDL_Rect f;
    SDL_Surface *a = shot(), *b;
    f = view_regions(v)->frame;
    const SDL_Keycode keys[] = { SDLK_t, SDLK_c, SDLK_v, SDLK_PLUS, SDLK_MINUS };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (keys[i] == SDLK_c) key(SDLK_END); /* the loss step uses the sequential map */
        SDL_Surface *pre = shot();
        key(keys[i]);
        b = shot();
        cr_assert_gt(differing(pre, b, f), 500, "key %s changed the picture", SDL_GetKeyName(keys[i]));
        SDL_FreeSurface(pre);
        SDL_FreeSurface(b);
    }
    cr_assert_eq(view_state(v)->opts.theme, THEME_DARK);
    cr_assert_eq(view_state(v)->opts.palette, THEME_CIVIDIS);
    cr_assert_not(view_state(v)->opts.show_values);
    cr_assert_float_eq(view_state(v)->opts.text_zoom, 1.0, 1e-9);
    for (int i = 0; i < 20; i++) key(SDLK_PLUS);
    cr_assert_leq(view_state(v)->opts.text_zoom, 3.0);
    key(SDLK_0);
    cr_assert_float_eq(view_state(v)->opts.text_zoom, 1.0, 1e-9);
    SDL_FreeSurface(a);
}

Test(window, help_opens_and_esc_closes_it_and_only_a_double_esc_quits)
{
    SDL_Surface *a = shot();
    cr_assert(key(SDLK_h));
    cr_assert(view_state(v)->help);
    SDL_Surface *b = shot();
    SDL_Rect help = view_regions(v)->help;
    cr_assert_gt(help.w * help.h, 0);
    cr_assert_gt(differing(a, b, help), help.w * help.h / 2, "the overlay covers the step");
    cr_assert(key(SDLK_ESCAPE), "Esc closes the overlay first");
    cr_assert_not(view_state(v)->help);
    cr_assert(key(SDLK_F1));
    cr_assert(view_state(v)->help);
    cr_assert(key(SDLK_F1));
    cr_assert_not(view_state(v)->help);
    /* with nothing open, one Esc only warns; a second within a second quits */
    cr_assert(key(SDLK_ESCAPE), "a single Esc never quits");
    cr_assert(strstr(view_notice(v), "Esc again"), "%s", view_notice(v));
    cr_assert(key(SDLK_RIGHT), "another key in between");
    cr_assert(key(SDLK_ESCAPE), "the count starts again after another key");
    cr_assert_not(key(SDLK_ESCAPE), "Esc twice quits");
    cr_assert_not(key(SDLK_q), "and so does Q");
    SDL_Event quit = { .type = SDL_QUIT };
    cr_assert_not(send(&quit));
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
}

Test(window, s_saves_what_is_on_screen_and_the_notice_expires)
{
    /* the masked scores: hatched −∞ cells too, whose stripes are anchored
     * to the frame, so the window's frame and the PNG agree */
    key(SDLK_3);
    key(SDLK_HOME);
    for (int i = 0; i < 4; i++) key(SDLK_RIGHT);
    cr_assert_str_eq(step_now()->slug, "masked");
    SDL_Rect f = view_regions(v)->frame;
    key_mod(SDLK_s, KMOD_LCTRL);
    const char *n = view_notice(v);
    /* the notice names the whole path: the test's folder, then the file */
    char prefix[128];
    snprintf(prefix, sizeof prefix, "Saved %s/maskscope-combined-", tmpdir);
    cr_assert(strncmp(n, prefix, strlen(prefix)) == 0, "%s", n);
    char path[512];
    cr_assert_eq(sscanf(n, "Saved %511s", path), 1);
    SDL_Surface *png = load_png(path);
    cr_assert_eq(png->w, f.w);
    cr_assert_eq(png->h, f.h);
    /* the same picture as the screen's step */
    SDL_Surface *screen = shot();
    SDL_Surface *conv = SDL_ConvertSurfaceFormat(png, SDL_PIXELFORMAT_RGB888, 0);
    long same = 0, total = 0;
    for (int y = 0; y < f.h; y += 2)
        for (int x = 0; x < f.w; x += 2, total++)
            if (px_at(conv, x, y) == px_at(screen, f.x + x, f.y + y)) same++;
    cr_assert_gt((double)same / total, 0.999, "%.4f of pixels match", (double)same / total);
    SDL_FreeSurface(conv);
    SDL_FreeSurface(png);
    SDL_FreeSurface(screen);
    key(SDLK_s);
    cr_assert(strstr(view_notice(v), "-2.png"), "a second save does not overwrite: %s", view_notice(v));
    /* the notice goes away by itself: a timer event, not polling */
    SDL_Event e;
    bool cleared = false;
    Uint32 until = SDL_GetTicks() + VIEW_NOTICE_MS + 3000;
    while (!cleared && SDL_GetTicks() < until)
        if (SDL_WaitEventTimeout(&e, 200) && !from_x_pointer(&e)) {
            view_handle_event(v, &e);
            cleared = view_notice(v)[0] == '\0';
        }
    cr_assert(cleared, "the notice expired");
    cr_assert(view_render(v), "and the frame was redrawn without it");
}

Test(window, resizing_relays_out_to_the_drawable)
{
    SDL_SetWindowSize(view_window(v), 900, 620);
    SDL_Event e;
    Uint32 until = SDL_GetTicks() + 3000;
    int w = 0, h = 0;
    while (SDL_GetTicks() < until) {
        while (SDL_PollEvent(&e))
            if (!from_x_pointer(&e)) view_handle_event(v, &e);
        SDL_GetRendererOutputSize(view_renderer(v), &w, &h);
        if (w == 900) break;
        SDL_Delay(20);
    }
    cr_assert_eq(w, 900, "the window was resized");
    view_invalidate(v);
    view_render(v);
    cr_assert_eq(view_regions(v)->frame.w, w);
    const DrawLayout *l = view_layout(v);
    for (int i = 0; i < l->npanels; i++) {
        SDL_Rect g = l->panels[i].grid;
        cr_assert(g.x >= 0 && g.x + g.w <= w && g.y >= view_regions(v)->frame.y && g.y + g.h <= h,
                  "panel %d inside the window", i);
    }
}

/* ---- the monkey ------------------------------------------------------------------- */

static const SDL_Keycode monkey_keys[] = {
    SDLK_1, SDLK_2, SDLK_3, SDLK_4, SDLK_RIGHT, SDLK_LEFT, SDLK_PAGEDOWN, SDLK_PAGEUP, SDLK_SPACE,
    SDLK_BACKSPACE, SDLK_HOME, SDLK_END, SDLK_TAB, SDLK_a, SDLK_v, SDLK_t, SDLK_c, SDLK_PLUS,
    SDLK_MINUS, SDLK_0, SDLK_h, SDLK_F1, SDLK_ESCAPE, SDLK_q, SDLK_r, SDLK_x, SDLK_RETURN,
    SDLK_KP_PLUS, SDLK_EQUALS, SDLK_UP, SDLK_DOWN, SDLK_b, SDLK_5, SDLK_8, SDLK_LEFTBRACKET, SDLK_RIGHTBRACKET,
    SDLK_n, SDLK_f, SDLK_i, SDLK_g, SDLK_e,
};

/* a press of button b anywhere in a w×h window or just beside it */
static void random_click(SDL_Event *e, Uint32 win, Uint8 b, int w, int h)
{
    e->type = SDL_MOUSEBUTTONDOWN;
    e->button.windowID = win;
    e->button.button = b;
    e->button.x = rand() % (w + 40) - 20;
    e->button.y = rand() % (h + 40) - 20;
}

static void random_wheel(SDL_Event *e, Uint32 win)
{
    e->type = SDL_MOUSEWHEEL;
    e->wheel.windowID = win;
    e->wheel.y = rand() % 7 - 3;
}

/* random keys, mouse moves and clicks, window events and resizes; the
 * view must keep drawing a valid state */
static void monkey(int events, unsigned seed)
{
    srand(seed);
    Uint32 win = SDL_GetWindowID(view_window(v));
    int saves = 0, draws = 0, resizes = 0;
    for (int i = 0; i < events; i++) {
        SDL_Event e;
        SDL_zero(e);
        int w, h;
        SDL_GetWindowSize(view_window(v), &w, &h);
        int kind = rand() % 100;
        if (kind < 35) {
            e.type = SDL_KEYDOWN;
            e.key.windowID = win;
            e.key.keysym.sym = monkey_keys[rand() % (int)(sizeof monkey_keys / sizeof monkey_keys[0])];
            e.key.keysym.mod = (Uint16)(rand() % 4 == 0 ? KMOD_LSHIFT : rand() % 8 == 0 ? KMOD_LCTRL : 0);
        } else if (kind < 37) {
            if (saves++ > 20) continue; /* a few PNGs are enough */
            e.type = SDL_KEYDOWN;
            e.key.windowID = win;
            e.key.keysym.sym = SDLK_s;
        } else if (kind < 70) {
            e.type = SDL_MOUSEMOTION;
            e.motion.windowID = win;
            e.motion.x = rand() % (w + 40) - 20;
            e.motion.y = rand() % (h + 40) - 20;
        } else if (kind < 88) {
            random_click(&e, win, (Uint8)(1 + rand() % 3), w, h);
        } else if (kind < 96) {
            static const Uint8 wev[] = { SDL_WINDOWEVENT_SIZE_CHANGED, SDL_WINDOWEVENT_RESIZED,
                                         SDL_WINDOWEVENT_EXPOSED, SDL_WINDOWEVENT_LEAVE,
                                         SDL_WINDOWEVENT_ENTER, SDL_WINDOWEVENT_FOCUS_LOST,
                                         SDL_WINDOWEVENT_RESTORED, SDL_WINDOWEVENT_MAXIMIZED };
            e.type = SDL_WINDOWEVENT;
            e.window.windowID = win;
            e.window.event = wev[rand() % (int)sizeof wev];
            e.window.data1 = rand() % 3000 - 100;
            e.window.data2 = rand() % 2000 - 100;
        } else if (kind < 98) {
            /* real resizes and fullscreen wait for the X server: a few hundred */
            if (resizes++ > 150) continue;
            if (resizes % 25 == 0) {
                e.type = SDL_KEYDOWN;
                e.key.windowID = win;
                e.key.keysym.sym = SDLK_F11;
            } else {
                SDL_SetWindowSize(view_window(v), 200 + rand() % 1800, 150 + rand() % 1100);
                continue;
            }
        } else {
            random_wheel(&e, win);
        }
        player_handle_event(pl, &e); /* a quit request is ignored: the monkey goes on */
        if (i % 8 == 0) {
            SDL_Event q;
            while (SDL_PollEvent(&q)) player_handle_event(pl, &q);
            draws += view_render(v);
        }
    }
    cr_assert_gt(draws, events / 200);
    /* still drawing, and drawing something */
    const Steps *st = view_steps(v);
    cr_assert_not_null(st);
    cr_assert(view_state(v)->step >= 0 && view_state(v)->step < steps_count(st));
    SDL_Surface *s = shot();
    cr_assert_gt(distinct_colours(s, view_regions(v)->frame), 3);
    SDL_FreeSurface(s);
}

Test(window, monkey_twenty_thousand_random_events, .timeout = 600)
{
    monkey(20000, 20240601u);
}

/* ---- the translator, the leak view and the gallery ------------------------------------ */

/* the centre of cell (row, col) of a screen's part, as drawn */
static SDL_Point screen_point_of(int part, int row, int col)
{
    SDL_Rect rc;
    cr_assert(screen_cell(view_screen(v), part, row, col, &rc), "part %d cell %d,%d not drawn", part, row, col);
    return centre(rc);
}

static bool near(Uint32 px, Uint32 rgb, int tol)
{
    int dr = (int)((px >> 16) & 255) - (int)((rgb >> 16) & 255), dg = (int)((px >> 8) & 255) - (int)((rgb >> 8) & 255),
        db = (int)(px & 255) - (int)(rgb & 255);
    return abs(dr) <= tol && abs(dg) <= tol && abs(db) <= tol;
}

Test(window, f_shows_the_mask_in_six_conventions_with_what_each_cell_means)
{
    key(SDLK_3); /* padding + causal, sentence 0: "The cat ate [PAD] [PAD]" */
    SDL_Surface *before = shot();
    key(SDLK_f);
    cr_assert_eq(view_state(v)->screen, SCREEN_CONVENTIONS);
    SDL_Surface *after = shot();
    cr_assert_gt(differing(before, after, view_regions(v)->frame), 10000, "the frame shows the translator");
    /* a kept and a blocked cell look the same in every card: light, and dark hatched */
    for (int f = 0; f < CONV_COUNT; f++) {
        if (f == CONV_HF) continue;
        SDL_Rect keep, blocked;
        cr_assert(screen_cell(view_screen(v), f, 1, 0, &keep) && screen_cell(view_screen(v), f, 0, 1, &blocked));
        /* a corner of each cell, clear of its text */
        cr_assert_gt(luminance(after, (SDL_Rect){ keep.x + 1, keep.y + 1, 3, 3 }),
                     luminance(after, (SDL_Rect){ blocked.x + 1, blocked.y + 1, 3, 3 }) + 100, "format %d", f);
    }
    /* the words are the library's: sdpa writes False where mha writes True */
    SDL_Point p = screen_point_of(CONV_SDPA, 0, 1);
    move_to(p.x, p.y);
    cr_assert(strstr(view_tooltip(v), "sdpa: m[0][1] = False: \u201cThe\u201d may not attend to \u201ccat\u201d"), "%s",
              view_tooltip(v));
    p = screen_point_of(CONV_MHA, 0, 1);
    move_to(p.x, p.y);
    cr_assert(strstr(view_tooltip(v), "mha: m[0][1] = True"), "%s", view_tooltip(v));
    /* the attention_mask is one row: the keys that are words */
    p = screen_point_of(CONV_HF, 0, 3);
    move_to(p.x, p.y);
    cr_assert(strstr(view_tooltip(v), "attention_mask[0][3] = 0"), "%s", view_tooltip(v));
    /* Tab follows the sentence: "The cat ate fish pie" has no [PAD] */
    key(SDLK_TAB);
    p = screen_point_of(CONV_HF, 0, 4);
    move_to(p.x, p.y);
    cr_assert(strstr(view_tooltip(v), "attention_mask[0][4] = 1"), "%s", view_tooltip(v));
    /* Esc closes the screen, not the window */
    cr_assert(key(SDLK_ESCAPE));
    cr_assert_eq(view_state(v)->screen, SCREEN_NONE);
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
}

Test(window, i_shows_what_each_output_reads_and_lights_its_inputs)
{
    key(SDLK_3);
    key(SDLK_TAB); /* sentence 1: "The cat ate fish pie" */
    key(SDLK_i);
    cr_assert_eq(view_state(v)->screen, SCREEN_LEAKS);
    SDL_Surface *s = shot();
    /* causal: "ate" (row 2) reads "cat" (column 1), not "fish" (column 3) */
    SDL_Point reads = screen_point_of(0, 2, 1), not_read = screen_point_of(0, 2, 3);
    cr_assert(near(px_at(s, reads.x, reads.y + 6), 0x0072B2, 2), "a dependence is blue: %06x",
              px_at(s, reads.x, reads.y + 6));
    cr_assert_gt(luminance(s, (SDL_Rect){ not_read.x, not_read.y + 6, 2, 2 }), 200, "no dependence is light");
    SDL_FreeSurface(s);
    move_to(reads.x, reads.y);
    cr_assert(strstr(view_tooltip(v), "output 2 \u201cate\u201d depends on: The cat ate"), "%s", view_tooltip(v));
    /* the output pointed at is outlined: its row changes, another does not */
    SDL_Surface *pointed = shot();
    move_to(5, view_regions(v)->frame.y + 5);
    SDL_Surface *away = shot();
    SDL_Point row2 = screen_point_of(0, 2, 0), row4 = screen_point_of(0, 4, 0);
    SDL_Rect cell;
    screen_cell(view_screen(v), 0, 2, 0, &cell);
    int h = cell.h;
    cr_assert_gt(differing(pointed, away, (SDL_Rect){ row2.x - h, row2.y - h / 2 - 4, 2 * h, 6 }), 10);
    cr_assert_eq(differing(pointed, away, (SDL_Rect){ row4.x - h / 4, row4.y - h / 4, h / 2, h / 2 }), 0);
    SDL_FreeSurface(pointed);
    SDL_FreeSurface(away);
}

Test(window, g_opens_the_gallery_and_the_leak_view_marks_its_leaks)
{
    key(SDLK_2);
    key(SDLK_g);
    cr_assert_str_eq(view_state(v)->mode->name, "bugs");
    cr_assert_eq(steps_count(view_steps(v)), bugs_count());
    cr_assert_str_eq(step_now()->slug, bugs_at(view_state(v)->step)->slug);
    key(SDLK_HOME); /* tril-for-triu, sentence 0 */
    cr_assert_str_eq(step_now()->slug, "tril-for-triu");
    cr_assert(strstr(step_now()->formula, "torch.tril("), "%s", step_now()->formula);
    key(SDLK_i);
    /* two grids, the buggy line and the right one; "The" reads the later "cat": a leak, vermillion with a reason */
    SDL_Surface *s = shot();
    SDL_Point leak = screen_point_of(0, 0, 1);
    cr_assert(near(px_at(s, leak.x - 8, leak.y + 8), 0xD55E00, 2), "%06x", px_at(s, leak.x - 8, leak.y + 8));
    SDL_Point right = screen_point_of(1, 0, 1);
    cr_assert_gt(luminance(s, (SDL_Rect){ right.x - 8, right.y + 8, 2, 2 }), 200, "the right line does not read it");
    SDL_FreeSurface(s);
    move_to(leak.x, leak.y);
    cr_assert(strstr(view_tooltip(v), "Leak: it reads \u201ccat\u201d (1)"), "%s", view_tooltip(v));
    cr_assert(strstr(view_tooltip(v), "the future"), "%s", view_tooltip(v));
    /* the next bug: the leak view follows the step */
    key(SDLK_RIGHT);
    cr_assert_str_eq(step_now()->slug, "diagonal-0");
    move_to(5, view_regions(v)->frame.y + 5);
    SDL_Point dead = screen_point_of(0, 0, 0);
    move_to(dead.x, dead.y);
    cr_assert(strstr(view_tooltip(v), "is NaN"), "%s", view_tooltip(v));
    /* G again: back to the mode the gallery was opened from */
    key(SDLK_i);
    key(SDLK_g);
    cr_assert_str_eq(view_state(v)->mode->name, "causal");
}

Test(window, s_saves_the_screen_on_show)
{
    key(SDLK_3);
    key(SDLK_i);
    SDL_Rect f = view_regions(v)->frame;
    key(SDLK_s);
    const char *n = view_notice(v);
    char path[512];
    snprintf(path, sizeof path, "%s/maskscope-combined-leaks-s0.png", tmpdir);
    cr_assert(strncmp(n, "Saved ", 6) == 0 && strstr(n, path), "the notice gives the whole path: %s", n);
    SDL_Surface *png = load_png(path);
    SDL_Surface *screen = shot();
    cr_assert_eq(png->w, f.w);
    long same = 0, total = 0;
    for (int y = 0; y < f.h; y += 2)
        for (int x = 0; x < f.w; x += 2, total++)
            if (px_at(png, x, y) == px_at(screen, f.x + x, f.y + y)) same++;
    cr_assert_gt((double)same / total, 0.999, "%.4f of pixels match", (double)same / total);
    SDL_FreeSurface(png);
    SDL_FreeSurface(screen);
}

Test(window, the_help_lists_the_debugging_keys)
{
    const char *want[] = { "F", "I", "G", "E" };
    for (int k = 0; k < 4; k++) {
        bool found = false;
        for (int i = 0; i < view_help_count(); i++) {
            const char *key_, *what;
            view_help_entry(i, &key_, &what);
            found = found || (key_ && strcmp(key_, want[k]) == 0);
        }
        cr_assert(found, "the help lacks %s", want[k]);
    }
}

/* ---- no display ---------------------------------------------------------------------- */

/* `maskscope` with nowhere to open a window: one line, a PNG, exit 0 */
Test(window_headless, without_a_display_it_writes_the_first_frame_and_says_where, .timeout = 60)
{
    const char *bin = getenv("MASKSCOPE_BIN");
    cr_assert_not_null(bin, "MASKSCOPE_BIN is set by meson");
    char dir[] = "/tmp/maskscope-headless-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && env -u DISPLAY -u WAYLAND_DISPLAY -u XDG_RUNTIME_DIR -u SDL_VIDEODRIVER '%s' "
             ">out.txt 2>err.txt",
             dir, bin);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", WEXITSTATUS(st));
    char path[512], err[1024] = "";
    snprintf(path, sizeof path, "%s/err.txt", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(err, 1, sizeof err - 1, f);
    fclose(f);
    err[n] = '\0';
    char *nl = strchr(err, '\n');
    cr_assert(nl && nl[1] == '\0', "exactly one line on stderr: [%s]", err);
    cr_assert(strstr(err, "no display"), "%s", err);
    char png[600];
    snprintf(png, sizeof png, "%s/maskscope-padding-01-tokens.png", dir);
    cr_assert(strstr(err, png), "it names where: %s", err);
    SDL_Surface *s = load_png(png);
    cr_assert_eq(s->w, 1280);
    cr_assert_eq(s->h, 800);
    SDL_FreeSurface(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- lessons ------------------------------------------------------------------ */

static void open_lesson(const char *name)
{
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/lessons/%s", getenv("MASKSCOPE_SOURCE_ROOT"), name);
    cr_assert(player_open(pl, path, NULL, err, sizeof err), "%s", err);
    view_render(v);
}

Test(window, a_lesson_sets_the_state_and_reveals_answers_before_moving_on)
{
    open_lesson("02-masked-language-modelling.json");
    const Lesson *l = player_lesson(pl);
    cr_assert_not_null(l);
    cr_assert_eq(player_step(pl), 0);
    cr_assert_eq(view_state(v)->mode, mode_find("mlm"));
    cr_assert_str_eq(step_now()->slug, "tokens");
    cr_assert_eq(view_state(v)->sentence, -1);
    SDL_Rect cap = view_layout(v)->caption;
    cr_assert_gt(cap.h, 0, "the caption panel is drawn");
    SDL_Surface *before = shot();
    /* step 1 asks a question: → reveals the answer and stays */
    cr_assert_not_null(l->steps[0].question);
    key(SDLK_RIGHT);
    cr_assert(player_answer_shown(pl));
    cr_assert_eq(player_step(pl), 0);
    SDL_Surface *after = shot();
    cr_assert_gt(differing(before, after, view_layout(v)->caption), 100, "the answer appears in the caption");
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
    /* the next → moves on to step 2: the mask of sentence 0 */
    key(SDLK_RIGHT);
    cr_assert_eq(player_step(pl), 1);
    cr_assert_not(player_answer_shown(pl));
    cr_assert_str_eq(step_now()->slug, "mask");
    cr_assert_eq(view_state(v)->sentence, 0);
    key(SDLK_LEFT);
    cr_assert_eq(player_step(pl), 0);
}

Test(window, lesson_edits_change_the_loss_on_screen)
{
    open_lesson("02-masked-language-modelling.json");
    key(SDLK_END);
    cr_assert_eq(player_step(pl), 6);
    /* step 7 unmasks sentence 2's only [MASK]: (2.5238 - 0.6350) / 4 by hand */
    cr_assert_float_eq(engine_loss(view_engine(v)), 1.8888 / 4, 1e-12);
    cr_assert(strstr(step_now()->note, "sentence 2 has no [MASK]"));
    key(SDLK_LEFT);
    /* step 6 masks "The" of sentence 2 as well: (2.5238 + 0.2851) / 6 */
    cr_assert_float_eq(engine_loss(view_engine(v)), 2.8089 / 6, 1e-12);
    key(SDLK_HOME);
    cr_assert_float_eq(engine_loss(view_engine(v)), 2.5238 / 5, 1e-12);
}

Test(window, l_opens_the_picker_and_a_number_opens_a_lesson)
{
    key(SDLK_l);
    SDL_Surface *s = shot();
    cr_assert_null(player_lesson(pl));
    key(SDLK_5);
    const Lesson *l = player_lesson(pl);
    cr_assert_not_null(l, "lesson 5 opened from the picker");
    cr_assert_str_eq(l->title, "Causal masking");
    cr_assert_eq(view_state(v)->mode, mode_find("causal"));
    cr_assert_eq(view_state(v)->sentence, 1);
    SDL_Surface *t = shot();
    int w, h;
    SDL_GetRendererOutputSize(view_renderer(v), &w, &h);
    cr_assert_gt(differing(s, t, (SDL_Rect){ 0, 0, w, h }), 1000);
    SDL_FreeSurface(s);
    SDL_FreeSurface(t);
    /* Esc closes an open picker without quitting */
    key(SDLK_l);
    cr_assert(key(SDLK_ESCAPE));
    cr_assert_str_eq(player_lesson(pl)->title, "Causal masking");
    /* 0 is the tenth lesson's key, as 0 follows 9 on the keyboard */
    key(SDLK_l);
    key(SDLK_0);
    cr_assert(strstr(player_lesson(pl)->path, "10-prefill-and-decode.json"), "%s", player_lesson(pl)->path);
}

Test(window, every_shipped_lesson_plays_through_every_step)
{
    const char *names[] = {"01-padding-and-loss-masking.json", "02-masked-language-modelling.json",
                           "03-custom-loss-masks.json", "04-attention-padding-mask.json",
                           "05-causal-masking.json", "06-combined-padding-and-causal.json",
                           "07-beyond-padding-and-causal.json", "08-how-bert-and-t5-corrupt-their-input.json",
                           "09-five-ways-to-get-a-mask-wrong.json", "10-prefill-and-decode.json"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        open_lesson(names[k]);
        const Lesson *l = player_lesson(pl);
        for (int i = 0; i < l->nsteps; i++) {
            const LessonStep *ls = &l->steps[i];
            cr_assert_eq(player_step(pl), i, "%s", names[k]);
            /* the window shows what the lesson step names, computed by the core */
            cr_assert_eq(view_state(v)->mode, ls->mode, "%s step %d", names[k], i + 1);
            cr_assert_eq(view_state(v)->step, ls->step, "%s step %d", names[k], i + 1);
            cr_assert_eq(steps_sentence(view_steps(v)), ls->sentence, "%s step %d", names[k], i + 1);
            cr_assert_gt(view_layout(v)->caption.h, 0);
            if (ls->question) {
                key(SDLK_SPACE);
                cr_assert(player_answer_shown(pl));
            }
            key(SDLK_SPACE);
        }
        cr_assert_eq(player_step(pl), l->nsteps - 1, "stays on the last step");
    }
}

/* ---- every scenario file, every mode of the table ----------------------------------- */

/* every .json file in tests/scenarios (the README's example among them) */
static int scenario_files(char paths[][512], int max)
{
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/tests/scenarios/*.json", getenv("MASKSCOPE_SOURCE_ROOT"));
    glob_t g;
    cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
    int n = 0;
    for (size_t i = 0; i < g.gl_pathc && n < max; i++) snprintf(paths[n++], 512, "%s", g.gl_pathv[i]);
    globfree(&g);
    cr_assert_geq(n, 4, "the scenario files are found");
    return n;
}

static Scenario *load(const char *path)
{
    char err[512];
    bool io;
    Scenario *s = scenario_load(path, &io, err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    return s;
}

/* the window's key for mode m, or its row in the mode picker (M) */
static void choose_mode(const Mode *m)
{
    /* an overlay (or the editor) a random click or key left open closes first */
    if (view_asking(v)) key(SDLK_n);
    if (editor_is_open(view_editor(v))) key(SDLK_ESCAPE);
    if (view_state(v)->modes) key(SDLK_ESCAPE);
    if (view_state(v)->help) key(SDLK_ESCAPE);
    if (m->key) {
        key((SDL_Keycode)m->key);
    } else {
        key(SDLK_m);
        cr_assert(view_state(v)->modes, "M opens the mode picker");
        cr_assert_eq(view_regions(v)->nmode_rows, mode_count(), "a row per mode");
        SDL_Point c = centre(view_regions(v)->mode_rows[mode_index(m)]);
        click_at(c.x, c.y);
        cr_assert_not(view_state(v)->modes, "a choice closes it");
    }
    cr_assert_eq(view_state(v)->mode, m, "mode %s chosen", m->name);
}

/* hovers the first and the last cell of every matrix on screen; each gets a tooltip */
static void hover_every_panel(const char *where)
{
    int n = view_layout(v)->npanels;
    for (int b = 0; b < n; b++) {
        const DrawPanelBox *box = &view_layout(v)->panels[b];
        int cells[2][2] = { { 0, 0 }, { box->rows - 1, box->cols - 1 } };
        for (int k = 0; k < 2; k++) {
            SDL_Point c = centre(draw_cell_rect(view_layout(v), b, cells[k][0], cells[k][1]));
            move_to(c.x, c.y);
            const DrawLayout *l = view_layout(v);
            cr_assert(view_tooltip(v)[0], "%s: a tooltip for box %d cell %d,%d at %d,%d (view %d,%d %dx%d)", where, b,
                      cells[k][0], cells[k][1], c.x, c.y, l->view.x, l->view.y, l->view.w, l->view.h);
            if (b >= view_layout(v)->npanels) return; /* a hover never relays out, but stay in range */
        }
    }
}

/* every step of the sentence on screen, hovered */
static void walk_steps(const char *file, const Mode *m)
{
    key(SDLK_HOME);
    int n = steps_count(view_steps(v));
    for (int i = 0; i < n; i++) {
        cr_assert_eq(view_state(v)->step, i);
        char where[600];
        snprintf(where, sizeof where, "%s / %s / sentence %d / %s", file, m->name, view_state(v)->sentence,
                 step_now()->slug);
        hover_every_panel(where);
        key(SDLK_RIGHT);
    }
    cr_assert_eq(view_state(v)->step, n - 1, "stays on the last step");
}

/* The README's own example scenario in MLM mode used to abort the window
 * (its MLM batch has one sentence, the batch three). Every scenario file,
 * every mode of the table, every sentence and the whole batch, every
 * step, a hover on every matrix and a click on a token. */
Test(window_scenarios, every_scenario_in_every_mode_sentence_and_step, .fini = teardown, .timeout = 600)
{
    char paths[16][512];
    int nfiles = scenario_files(paths, 16);
    for (int f = 0; f < nfiles; f++) {
        const char *file = strrchr(paths[f], '/') + 1;
        open_with(load(paths[f]), 1280, 800);
        for (int mi = 0; mi < mode_count(); mi++) {
            const Mode *m = mode_at(mi);
            choose_mode(m);
            int B = engine_sentences(view_engine(v));
            int rows, Lq, Lk;
            mode_shape(m, sc, &rows, &Lq, &Lk);
            cr_assert_eq(B, rows, "%s / %s: the mode's own batch", file, m->name);
            const ViewRegions *g = view_regions(v);
            /* the tabs: every mode with a key, and the shown one when it has none */
            bool shown = false;
            for (int t = 0; t < g->ntabs; t++) shown |= g->tab_mode[t] == mi;
            cr_assert(shown, "%s has a tab while shown", m->name);
            /* each sentence by its chip (the strip scrolls to the current one), then "All" */
            for (int s = 0; s < B; s++) {
                key(SDLK_TAB);
                int want = s;
                if (view_state(v)->sentence != want) { /* Tab cycles from where the mode opened */
                    for (int k = 0; k < B && view_state(v)->sentence != want; k++) key(SDLK_TAB);
                }
                cr_assert_eq(view_state(v)->sentence, want, "%s / %s: sentence %d", file, m->name, want);
                walk_steps(file, m);
            }
            key(SDLK_a);
            cr_assert_eq(view_state(v)->sentence, -1, "%s / %s: the whole batch", file, m->name);
            walk_steps(file, m);
            key(SDLK_a);
            /* a click on the first token of the tokens step (in MLM mode it toggles [MASK]) */
            key(SDLK_HOME);
            SDL_Point c = centre(draw_cell_rect(view_layout(v), 0, 0, 0));
            click_at(c.x, c.y);
            key(SDLK_r);
        }
        teardown();
    }
}

Test(window_scenarios, monkey_on_every_scenario, .fini = teardown, .timeout = 600)
{
    char paths[16][512];
    int nfiles = scenario_files(paths, 16);
    for (int f = 0; f < nfiles; f++) {
        open_with(load(paths[f]), 1280, 800);
        monkey(3000, 1000u + (unsigned)f);
        teardown();
    }
}

/* ---- window fuzzing: random valid scenarios and lessons, every mode -------------------- */


static int pick(int lo, int hi)
{
    return lo + rand() % (hi - lo + 1);
}

/* a size from 1 to hi, small ones far more often (log-uniform) */
static int some_size(int hi)
{
    double r = (double)rand() / RAND_MAX;
    int n = (int)exp(r * log((double)hi));
    return n < 1 ? 1 : n > hi ? hi : n;
}

static void random_sentences(Strbuf *sb, int B, int Lmax)
{
    strbuf_puts(sb, "[");
    for (int s = 0; s < B; s++) {
        int n = s == 0 ? Lmax : pick(1, Lmax); /* one sentence has the full length */
        if (rand() % 5 == 0) { /* token ids */
            strbuf_puts(sb, s ? ", [" : "[");
            for (int i = 0; i < n; i++) strbuf_printf(sb, "%s%d", i ? ", " : "", pick(1, 40));
            strbuf_puts(sb, "]");
        } else {
            strbuf_puts(sb, s ? ", \"" : "\"");
            for (int i = 0; i < n; i++)
                strbuf_printf(sb, "%s%s", i ? " " : "", rand() % 9 == 0 ? "[MASK]" : (const char *[]){
                    "The", "cat", "ate", "fish", "pie", "a", "dog", "sat", "on", "mat", "très", "猫"}[rand() % 12]);
            strbuf_puts(sb, "\"");
        }
    }
    strbuf_puts(sb, "]");
}

/* a scenario within the limits: B·L·L attention cells, MLM batch of its own size */
static char *random_scenario(void)
{
    Strbuf sb = {0};
    int big = rand() % 20 == 0;
    int B = some_size(big ? 4 : 64);
    int Lmax = big ? pick(200, 1024) : some_size(40);
    while ((long)B * Lmax * Lmax > (1L << 20)) B = B > 1 ? B / 2 : 1;
    strbuf_puts(&sb, "{\"sentences\": ");
    random_sentences(&sb, B, Lmax);
    strbuf_printf(&sb, ", \"padding\": \"%s\", \"d_model\": %d, \"seed\": %d, \"fully_masked_rows\": \"%s\","
                       " \"mask_query_rows\": %s",
                  rand() % 2 ? "left" : "right", some_size(64), rand(), rand() % 2 ? "nan" : "zero",
                  rand() % 3 == 0 ? "true" : "false");
    if (rand() % 2) {
        int mB = some_size(big ? 3 : 16), mL = big ? pick(2, 300) : some_size(30);
        strbuf_puts(&sb, ", \"mlm\": {\"sentences\": ");
        random_sentences(&sb, mB, mL);
        strbuf_printf(&sb, ", \"probability\": %.2f, \"seed\": %d}", (rand() % 101) / 100.0, rand());
    }
    if (rand() % 2)
        strbuf_printf(&sb, ", \"bert\": {\"probability\": %.2f, \"seed\": %d, \"selection\": \"%s\", \"whole_word\": %s}",
                      (rand() % 101) / 100.0, rand(), (const char *[]){"bernoulli", "count", "span"}[rand() % 3],
                      rand() % 2 ? "true" : "false");
    if (rand() % 2)
        strbuf_printf(&sb, ", \"t5\": {\"noise_density\": %.2f, \"mean_span_length\": %d, \"seed\": %d}",
                      (rand() % 101) / 100.0, pick(1, 8), rand());
    strbuf_puts(&sb, "}");
    return strbuf_take(&sb);
}

/* a lesson over the scenario, a few steps in random modes */
static char *random_lesson(const char *scenario)
{
    Strbuf sb = {0};
    strbuf_printf(&sb, "{\"title\": \"random\", \"scenario\": %s, \"steps\": [", scenario);
    int n = pick(1, 6);
    for (int i = 0; i < n; i++)
        strbuf_printf(&sb, "%s{\"title\": \"s%d\", \"text\": \"t\", \"mode\": \"%s\", \"step\": %d%s}", i ? ", " : "",
                      i, mode_at(rand() % mode_count())->name, pick(1, 8),
                      rand() % 2 ? ", \"question\": \"q?\", \"answer\": \"a\"" : "");
    strbuf_puts(&sb, "]}");
    return strbuf_take(&sb);
}

/* random keys, hovers, clicks and resizes for a while */
static void shake(int events)
{
    Uint32 win = SDL_GetWindowID(view_window(v));
    for (int i = 0; i < events; i++) {
        SDL_Event e;
        SDL_zero(e);
        int w, h;
        SDL_GetWindowSize(view_window(v), &w, &h);
        int kind = rand() % 40;
        if (kind < 16) {
            e.type = SDL_KEYDOWN;
            e.key.windowID = win;
            e.key.keysym.sym = monkey_keys[rand() % (int)(sizeof monkey_keys / sizeof monkey_keys[0])];
            if (e.key.keysym.sym == SDLK_q || e.key.keysym.sym == SDLK_ESCAPE) e.key.keysym.sym = SDLK_RIGHT;
        } else if (kind < 28) {
            e.type = SDL_MOUSEMOTION;
            e.motion.windowID = win;
            e.motion.which = TEST_MOUSE;
            e.motion.x = rand() % (w + 1);
            e.motion.y = rand() % (h + 1);
        } else if (kind < 39) {
            e.type = SDL_MOUSEBUTTONDOWN;
            e.button.windowID = win;
            e.button.which = TEST_MOUSE;
            e.button.button = SDL_BUTTON_LEFT;
            e.button.x = rand() % (w + 1);
            e.button.y = rand() % (h + 1);
        } else {
            /* a real resize waits for the X server: one event in forty */
            SDL_SetWindowSize(view_window(v), 320 + rand() % 1600, 240 + rand() % 900);
            continue;
        }
        player_handle_event(pl, &e);
        if (i % 4 == 0) view_render(v);
    }
    view_invalidate(v);
    view_render(v);
    const Steps *st = view_steps(v);
    cr_assert(view_state(v)->step >= 0 && view_state(v)->step < steps_count(st));
    int s = view_state(v)->sentence;
    cr_assert(s >= -1 && s < engine_sentences(view_engine(v)));
}

/* WINDOW_FUZZ_SECONDS (default 20) of random scenarios, every mode and a lesson each:
 * tests/fuzz/run.sh window SECONDS runs it longer in the sanitizer build */
Test(window_fuzz, random_scenarios_in_every_mode, .fini = teardown, .timeout = 3600)
{
    const char *env = getenv("WINDOW_FUZZ_SECONDS");
    int seconds = env ? atoi(env) : 20;
    unsigned seed = env && getenv("WINDOW_FUZZ_SEED") ? (unsigned)atoi(getenv("WINDOW_FUZZ_SEED")) : 4242u;
    srand(seed);
    time_t end = time(NULL) + seconds;
    int scenarios = 0;
    open_with(scenario_default(), 1024, 640);
    while (time(NULL) < end) {
        char *text = random_scenario(), err[512];
        Scenario *s = scenario_parse(text, strlen(text), "random.json", err, sizeof err);
        cr_assert_not_null(s, "a generated scenario is valid: %s\n%.400s", err, text);
        ViewState state = *view_state(v);
        state.mode = mode_default();
        state.step = 0;
        state.sentence_chosen = false;
        cr_assert(view_set_scenario(v, s, &state, err, sizeof err), "%s", err);
        scenario_free(s);
        for (int m = 0; m < mode_count(); m++) {
            choose_mode(mode_at(m));
            shake(40);
        }
        if (rand() % 3 == 0) {
            char *ltext = random_lesson(text);
            Lesson *l = lesson_parse(ltext, strlen(ltext), "random-lesson.json", NULL, err, sizeof err);
            /* a random step may be out of range for a small batch's highlight: only valid lessons play */
            if (l) {
                cr_assert(player_play(pl, l, err, sizeof err), "%s", err);
                for (int k = 0; k < 8; k++) key(SDLK_RIGHT);
                shake(40);
            }
            free(ltext);
        }
        free(text);
        scenarios++;
    }
    fprintf(stderr, "window fuzz: %d random scenarios in %d s (seed %u)\n", scenarios, seconds, seed);
    cr_assert_gt(scenarios, 0);
}

/* every scheme of the table from the picker, and [ ] change its setting live */
/* N draws BERT's corruption again with the next seed: the notice and the
 * tooltips come from the core, the step is kept, R keeps the draw */
Test(window, n_draws_the_corruption_anew)
{
    key(SDLK_n);
    cr_assert_str_eq(view_notice(v), "N draws the corruption anew in modes that draw one (bert, t5).");
    choose_mode(mode_find("bert"));
    while (strcmp(step_now()->slug, "corrupted") != 0) key(SDLK_RIGHT);
    cr_assert_eq(view_scenario(v)->bert.seed, 0);
    Tensor *before = tensor_copy(engine_tensor(view_engine(v), T_LABELS));
    bool changed = false;
    for (int k = 1; k <= 10; k++) {
        key(SDLK_n);
        cr_assert_eq(view_scenario(v)->bert.seed, (uint64_t)k);
        char want[320];
        engine_draw_summary(view_engine(v), want, sizeof want);
        cr_assert_str_eq(view_notice(v), want);
        char seed[32];
        snprintf(seed, sizeof seed, "seed %d:", k);
        cr_assert(strstr(want, seed), "%s", want);
        cr_assert_str_eq(step_now()->slug, "corrupted", "the step is kept");
        changed |= !tensor_equal(before, engine_tensor(view_engine(v), T_LABELS));
    }
    cr_assert(changed, "ten new seeds draw something else");
    tensor_free(before);
    /* a corrupted cell says what happened to it, from the core */
    int b = box_named("bert_input");
    cr_assert_geq(b, 0);
    SDL_Point c = centre(draw_cell_rect(view_layout(v), b, 0, 1));
    move_to(c.x, c.y);
    char want[1024];
    cr_assert(steps_explain(view_steps(v), view_state(v)->step, view_layout(v)->panels[b].panel, 0, 1, want,
                            sizeof want));
    cr_assert(strstr(view_tooltip(v), want) == view_tooltip(v), "%s", view_tooltip(v));
    cr_assert(strstr(want, "chosen"), "%s", want);
    /* R undoes [MASK] clicks, not the draw */
    key(SDLK_r);
    cr_assert_eq(view_scenario(v)->bert.seed, 10);
}

/* T5's original sentence is longer than its input: a label past the
 * input's end still names the original's word */
Test(window_t5, hovering_the_original_past_the_input_names_its_word, .fini = teardown, .timeout = 120)
{
    char err[512];
    const char *json = "{\"sentences\": [\"a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg\"]}";
    Scenario *s5 = scenario_parse(json, strlen(json), "t.json", err, sizeof err);
    cr_assert_not_null(s5, "%s", err);
    open_with(s5, 1280, 800);
    choose_mode(mode_find("t5"));
    cr_assert_eq(engine_length(view_engine(v)), 30, "33 tokens, 5 noise in 2 spans: 30 in the input");
    int b = box_named("original");
    cr_assert_geq(b, 0);
    const DrawPanelBox *box = &view_layout(v)->panels[b];
    cr_assert_eq(box->cols, 33);
    SDL_Rect cell = draw_cell_rect(view_layout(v), b, 0, 32);
    move_to(cell.x + cell.w / 2, box->col_labels.y + box->col_labels.h / 2);
    cr_assert(strstr(view_tooltip(v), "\u201cgg\u201d: token 32 of sentence 0"), "%s", view_tooltip(v));
    move_to(cell.x + cell.w / 2, cell.y + cell.h / 2);
    cr_assert(strstr(view_tooltip(v), "original[0][32]"), "%s", view_tooltip(v));
}

Test(window, the_mode_picker_lists_every_scheme_and_brackets_change_w)
{
    key(SDLK_m);
    cr_assert(view_state(v)->modes);
    cr_assert_eq(view_regions(v)->nmode_rows, mode_count());
    /* keyboard: down to "sliding", Enter */
    int target = mode_index(mode_find("sliding"));
    for (int i = 0; i < target; i++) key(SDLK_DOWN);
    key(SDLK_RETURN);
    cr_assert_not(view_state(v)->modes);
    cr_assert_eq(view_state(v)->mode, mode_find("sliding"));
    /* the tab strip shows it, though it has no number key */
    const ViewRegions *g = view_regions(v);
    cr_assert_eq(g->tab_mode[g->ntabs - 1], target);
    /* W from 3 to 2: row 4 of the longest sentence keeps keys 3 and 4 only */
    key(SDLK_END);
    while (strcmp(step_now()->slug, "mask") != 0) key(SDLK_LEFT);
    cr_assert_eq(view_scenario(v)->window, 3);
    key(SDLK_LEFTBRACKET);
    cr_assert_eq(view_scenario(v)->window, 2);
    cr_assert_str_eq(view_notice(v), "W = 2");
    const Tensor *mask = engine_tensor(view_engine(v), T_MASK);
    int s = view_state(v)->sentence;
    for (int k = 0; k < 5; k++)
        cr_assert_eq(isinf(tensor_at3(mask, s, 4, k)) != 0, k < 3, "W = 2: key %d of query 4", k);
    key(SDLK_RIGHTBRACKET);
    key(SDLK_RIGHTBRACKET);
    cr_assert_eq(view_scenario(v)->window, 4);
    /* R undoes [MASK] clicks, not W */
    key(SDLK_r);
    cr_assert_eq(view_scenario(v)->window, 4);
    /* Esc closes the picker without choosing */
    key(SDLK_m);
    key(SDLK_ESCAPE);
    cr_assert_not(view_state(v)->modes);
    cr_assert_eq(view_state(v)->mode, mode_find("sliding"));
}

/* At 1920×1080 everything on screen, the bars included, is at least
 * 24 px (values in cells 20 px): the painter's tally of what it drew. */
Test(window_big, text_on_a_1080p_window_is_readable_from_the_back, .fini = teardown, .timeout = 120)
{
    open_with(scenario_default(), 1920, 1080);
    int w, h;
    SDL_GetRendererOutputSize(view_renderer(v), &w, &h);
    cr_assert_eq(w, 1920, "the window got %dx%d", w, h);
    for (int m = 1; m <= 4; m++) {
        key(SDLK_0 + m);
        for (int i = 0; i < steps_count(view_steps(v)); i++) {
            paint_tally_reset(view_painter(v));
            view_invalidate(v);
            cr_assert(view_render(v));
            int text = paint_tally_min(view_painter(v), PAINT_TEXT);
            int value = paint_tally_min(view_painter(v), PAINT_VALUE);
            cr_assert_geq(text, 24, "mode %d step %d: text at %d px", m, i + 1, text);
            cr_assert(value == 0 || value >= 20, "mode %d step %d: values at %d px", m, i + 1, value);
            key(SDLK_RIGHT);
        }
        key(SDLK_HOME);
    }
}

/* the side of a cell and the size of its value, as drawn now */
static void cell_and_value(int *cell, int *value)
{
    paint_tally_reset(view_painter(v));
    view_invalidate(v);
    cr_assert(view_render(v));
    *cell = view_layout(v)->cell_px;
    *value = paint_tally_min(view_painter(v), PAINT_VALUE);
}

/* + enlarges cells and values together, every press; when the matrices
 * outgrow the frame they pan (Shift+arrows, a drag) instead of shrinking;
 * − and 0 bring them back. */
Test(window_big, zoom_enlarges_everything_and_pans_what_no_longer_fits, .fini = teardown, .timeout = 120)
{
    open_with(scenario_default(), 1920, 1080);
    key(SDLK_3);
    while (strcmp(step_now()->slug, "weights") != 0) key(SDLK_RIGHT);
    int cell0, value0, cell, value, last_cell, last_value;
    cell_and_value(&cell0, &value0);
    cr_assert_gt(value0, 0, "values are shown at zoom 1");
    last_cell = cell0, last_value = value0;
    for (int i = 0; i < 4; i++) {
        key(SDLK_PLUS);
        cell_and_value(&cell, &value);
        cr_assert_gt(cell, last_cell, "press %d: cells grow (%d -> %d px)", i + 1, last_cell, cell);
        cr_assert_geq(value, last_value, "press %d: values grow (%d -> %d px)", i + 1, last_value, value);
        cr_assert_gt(value, 0, "press %d: values are still shown", i + 1);
        last_cell = cell, last_value = value;
    }
    cr_assert_gt(last_cell, 2 * cell0, "four presses more than double the cells (%d -> %d px)", cell0, last_cell);
    const DrawLayout *l = view_layout(v);
    cr_assert_gt(l->content_w, l->view.w, "the matrices no longer fit");
    for (int i = 0; i < 8; i++) key_mod(SDLK_LEFT, KMOD_LSHIFT);
    view_render(v);
    cr_assert_eq(view_layout(v)->pan_x, 0, "Shift+← goes back to the left edge, and no further");
    key_mod(SDLK_RIGHT, KMOD_LSHIFT);
    view_render(v);
    cr_assert_gt(view_layout(v)->pan_x, 0, "Shift+→ pans");
    cr_assert_eq(view_state(v)->step, steps_find(view_steps(v), "weights"), "and does not change the step");
    int panned = view_layout(v)->pan_x;
    /* drag to the right: the matrices follow the mouse back */
    SDL_Rect vw = view_layout(v)->view;
    click_at(vw.x + vw.w / 2, vw.y + vw.h / 2);
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEMOTION;
    e.motion.windowID = SDL_GetWindowID(view_window(v));
    e.motion.which = TEST_MOUSE;
    e.motion.state = SDL_BUTTON_LMASK;
    points(vw.x + vw.w / 2 + 100, vw.y + vw.h / 2, &e.motion.x, &e.motion.y);
    send(&e);
    view_render(v);
    cr_assert_lt(view_layout(v)->pan_x, panned, "a drag to the right shows more of the left (%d -> %d)", panned,
                 view_layout(v)->pan_x);
    /* − shrinks, 0 restores the fit */
    key(SDLK_MINUS);
    cell_and_value(&cell, &value);
    cr_assert_lt(cell, last_cell);
    key(SDLK_0);
    cell_and_value(&cell, &value);
    cr_assert_eq(cell, cell0);
    cr_assert_eq(view_layout(v)->content_w <= view_layout(v)->view.w, true, "normal size fits again");
}

/* ---- lessons that build up, hide their answers, outline one cell; leaving and coming back ---- */

/* whether the lesson's outline runs just left of cell (r, c) of box b */
static bool outlined_left_of(SDL_Surface *s, int b, int r, int c)
{
    SDL_Rect cell = draw_cell_rect(view_layout(v), b, r, c);
    cr_assert_gt(cell.w, 0, "cell %d,%d of box %d", r, c, b);
    Rgba h = theme_get(view_state(v)->opts.theme)->highlight;
    return px_at(s, cell.x - 1, cell.y + cell.h / 2) == ((Uint32)h.r << 16 | (Uint32)h.g << 8 | h.b);
}

Test(window, a_question_hides_its_panels_and_number_until_the_answer)
{
    open_lesson("01-padding-and-loss-masking.json");
    /* "What shape will batch have?": no 3×5 matrix, no result line */
    cr_assert_not_null(player_lesson(pl)->steps[0].question);
    cr_assert_eq(view_layout(v)->npanels, 0, "the question shows no matrix");
    cr_assert_eq(view_layout(v)->result.h, 0);
    /* exploring another sentence keeps the answer hidden */
    key(SDLK_TAB);
    cr_assert_eq(view_state(v)->sentence, 0);
    cr_assert_eq(view_layout(v)->npanels, 0, "a new storyboard of the lesson's step still hides it");
    key_mod(SDLK_TAB, KMOD_SHIFT);
    key(SDLK_a);
    cr_assert_eq(view_state(v)->sentence, -1);
    SDL_Surface *before = shot();
    key(SDLK_RIGHT);
    cr_assert(player_answer_shown(pl));
    cr_assert_eq(view_layout(v)->npanels, 2, "the answer shows batch and padding_mask");
    cr_assert_str_eq(panel_of(box_named("batch"))->name, "batch");
    cr_assert_eq(panel_of(box_named("batch"))->view.shape[0], 3);
    cr_assert_eq(panel_of(box_named("batch"))->view.shape[1], 5);
    cr_assert_gt(view_layout(v)->result.h, 0, "and the result line");
    SDL_Surface *after = shot();
    cr_assert_gt(differing(before, after, view_layout(v)->panels[box_named("batch")].grid), 1000);
    SDL_FreeSurface(before);
    SDL_FreeSurface(after);
    /* a build-up slide: step 4 shows batch_losses alone, without the mean */
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    cr_assert_eq(player_step(pl), 3);
    cr_assert_eq(view_layout(v)->npanels, 1);
    cr_assert_str_eq(panel_of(0)->name, "batch_losses");
    cr_assert_eq(view_layout(v)->result.h, 0);
    /* the last step shows everything, the mean 0.650 included */
    key(SDLK_END);
    cr_assert_eq(view_layout(v)->npanels, 3);
    cr_assert(strstr(step_now()->result, "0.650"), "%s", step_now()->result);
}

Test(window, a_lesson_highlight_of_row_and_column_outlines_one_cell_of_a_loss_screen)
{
    open_lesson("02-masked-language-modelling.json");
    key(SDLK_END);
    key(SDLK_LEFT);
    cr_assert_eq(player_step(pl), 5, "step 6: mask one more word, highlight row 2 col 0");
    cr_assert_str_eq(step_now()->slug, "loss");
    cr_assert_eq(view_layout(v)->result.h, 0, "the new mean waits for the answer");
    SDL_Surface *s = shot();
    for (int b = 0; b < view_layout(v)->npanels; b++) {
        cr_assert(outlined_left_of(s, b, 2, 0), "box %d: the cell of sentence 2, position 0", b);
        cr_assert_not(outlined_left_of(s, b, 0, 0), "box %d: not the whole column", b);
        cr_assert_not(outlined_left_of(s, b, 2, 2), "box %d: not the whole row", b);
    }
    SDL_FreeSurface(s);
    key(SDLK_RIGHT);
    cr_assert_gt(view_layout(v)->result.h, 0, "the answer shows the mean");
    cr_assert(strstr(step_now()->result, "0.468"), "(2.5238 + 0.2851) / 6: %s", step_now()->result);
}

Test(window, hovering_a_loss_cell_outlines_that_cell)
{
    key(SDLK_END);
    cr_assert_str_eq(step_now()->slug, "loss");
    int b = box_named("batch_losses");
    SDL_Point c = centre(draw_cell_rect(view_layout(v), b, 1, 2));
    move_to(c.x, c.y);
    cr_assert(view_state(v)->opts.highlight_cell);
    cr_assert_eq(view_state(v)->opts.highlight_sentence, 1);
    cr_assert_eq(view_state(v)->opts.highlight_col, 2);
    SDL_Surface *s = shot();
    int m = box_named("masked losses");
    cr_assert(outlined_left_of(s, m, 1, 2), "the same cell in the other matrices");
    cr_assert_not(outlined_left_of(s, m, 0, 2), "not the column");
    cr_assert_not(outlined_left_of(s, b, 1, 1), "not the row");
    SDL_FreeSurface(s);
}

Test(window, a_mode_key_leaves_the_lesson_and_l_goes_back_to_the_same_step)
{
    open_lesson("05-causal-masking.json");
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    cr_assert_eq(player_step(pl), 2);
    cr_assert(player_answer_shown(pl), "step 3's question answered");
    cr_assert_gt(view_regions(v)->caption.h, 0);
    key(SDLK_3);
    cr_assert(player_left(pl));
    cr_assert_eq(view_state(v)->mode, mode_find("combined"), "the key still does what it says");
    cr_assert(strstr(view_notice(v), "Left the lesson \u201cCausal masking\u201d at step 3 / 8; L goes back to it."),
              "%s", view_notice(v));
    cr_assert_eq(view_regions(v)->caption.h, 0, "no lesson caption over another mode");
    /* the arrows are the view's again */
    int step = view_state(v)->step;
    key(SDLK_RIGHT);
    cr_assert_eq(view_state(v)->step, step + 1);
    cr_assert_eq(player_step(pl), 2);
    /* L: back at step 3, as it was */
    key(SDLK_l);
    cr_assert_not(player_left(pl));
    cr_assert_not(player_picker_open(pl), "L goes back rather than opening the picker");
    cr_assert_eq(player_step(pl), 2);
    cr_assert(player_answer_shown(pl));
    cr_assert_eq(view_state(v)->mode, mode_find("causal"));
    cr_assert_str_eq(step_now()->slug, "mask");
    cr_assert_gt(view_regions(v)->caption.h, 0);
    cr_assert(strstr(view_notice(v), "Back to"), "%s", view_notice(v));
    /* Esc leaves the lesson too (it does not quit), and L comes back to it */
    cr_assert(key(SDLK_ESCAPE), "Esc in a lesson does not quit");
    cr_assert(player_left(pl), "Esc leaves the lesson");
    key(SDLK_l);
    cr_assert_not(player_left(pl), "L returns");
    cr_assert_str_eq(step_now()->slug, "mask");
    /* in the lesson, L opens the picker as before */
    key(SDLK_l);
    cr_assert(player_picker_open(pl));
    key(SDLK_ESCAPE);
    /* the mode picker and a tab leave it too */
    key(SDLK_m);
    key(SDLK_DOWN);
    key(SDLK_RETURN);
    cr_assert(player_left(pl));
}

Test(window, a_revealed_answer_may_add_a_highlight)
{
    open_lesson("05-causal-masking.json");
    key(SDLK_END);
    key(SDLK_LEFT);
    cr_assert_eq(player_step(pl), 6, "step 7: which row is a decode step?");
    cr_assert_eq(view_layout(v)->npanels, 0);
    key(SDLK_RIGHT);
    cr_assert(player_answer_shown(pl));
    SDL_Surface *s = shot();
    int b = box_named("A_weights");
    cr_assert(outlined_left_of(s, b, 4, 0), "the answer's row 4");
    cr_assert_not(outlined_left_of(s, b, 3, 0), "row 4 alone");
    SDL_FreeSurface(s);
}

/* ---- the sentence editor (E) --------------------------------------------------------- */

/* typed text, as SDL_TEXTINPUT events of at most 31 bytes, cut between characters */
static bool type(const char *s)
{
    bool running = true;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = n - i < SDL_TEXTINPUTEVENT_TEXT_SIZE - 1 ? n - i : SDL_TEXTINPUTEVENT_TEXT_SIZE - 1;
        while (k > 0 && i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80) k--;
        SDL_Event e;
        SDL_zero(e);
        e.type = SDL_TEXTINPUT;
        e.text.windowID = SDL_GetWindowID(view_window(v));
        memcpy(e.text.text, s + i, k);
        running &= send(&e);
        i += k;
    }
    return running;
}

/* a key that also types (what a keyboard sends for a letter with text input on) */
static bool key_typing(SDL_Keycode k, const char *text)
{
    bool running = key(k);
    return type(text) && running;
}

static const Editor *editor(void)
{
    return view_editor(v);
}

static const char *line_of(int i)
{
    return editor_line(editor(), i);
}

/* id of batch[s][p] in the mode shown */
static int batch_id(int s, int p)
{
    const Tensor *t = engine_tensor(view_engine(v), T_BATCH);
    return (int)t->data[(size_t)s * (size_t)t->shape[1] + (size_t)p];
}

/* pixels of rc near rgb */
static long pixels_near(SDL_Surface *s, SDL_Rect rc, Uint32 rgb, int tol)
{
    long n = 0;
    for (int y = rc.y; y < rc.y + rc.h; y++)
        for (int x = rc.x; x < rc.x + rc.w; x++)
            n += near(px_at(s, x, y), rgb, tol);
    return n;
}

Test(window, e_opens_the_editor_and_enter_shows_the_new_sentences_with_new_ids)
{
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    cr_assert_eq(view_state(v)->step, 2);
    SDL_Surface *before = shot();
    cr_assert(key(SDLK_e));
    cr_assert(editor_is_open(editor()));
    cr_assert(view_modal(v) && view_escape_closes(v));
    cr_assert_eq(editor_lines(editor()), 3);
    cr_assert_str_eq(line_of(0), "The cat ate");
    cr_assert_str_eq(line_of(1), "The cat ate fish pie");
    cr_assert_str_eq(line_of(2), "The cat ate fish");
    int line, byte;
    editor_caret(editor(), &line, &byte);
    cr_assert(line == 2 && byte == 16, "the caret ends the last line: %d %d", line, byte);
    SDL_Surface *open = shot();
    SDL_Rect panel = view_regions(v)->editor;
    cr_assert_gt(panel.w * panel.h, 0);
    cr_assert_gt(differing(before, open, panel), panel.w * panel.h / 3, "the panel covers the step");
    /* a new sentence: Ctrl+Enter makes its line; letters type, keys do not */
    key_mod(SDLK_RETURN, KMOD_LCTRL);
    cr_assert_eq(editor_lines(editor()), 4);
    cr_assert(key_typing(SDLK_q, "The"), "Q types, it does not quit");
    type(" dog sat");
    cr_assert_str_eq(line_of(3), "The dog sat");
    cr_assert_eq(view_scenario(v)->sentences.count, 3, "nothing changes before Enter");
    /* the line's ids show under it: dog and sat are new */
    cr_assert_not_null(editor_result((Editor *)editor()));
    cr_assert_null(editor_problem((Editor *)editor(), NULL));
    cr_assert(key(SDLK_RETURN));
    cr_assert_not(editor_is_open(editor()), "Enter applies and closes");
    const Scenario *now = view_scenario(v);
    cr_assert_eq(now->sentences.count, 4);
    cr_assert_eq(engine_sentences(view_engine(v)), 4, "the engine computes the new batch");
    int want[] = { 1, 6, 7, 0, 0 };
    for (int p = 0; p < 5; p++)
        cr_assert_eq(batch_id(3, p), want[p], "batch[3][%d] = %d", p, batch_id(3, p));
    cr_assert_eq(scenario_word_id(now, "dog"), 6, "the largest id in use was 5");
    cr_assert(strstr(view_notice(v), "4 sentences on screen; new words: dog = 6, sat = 7"), "%s", view_notice(v));
    cr_assert_eq(view_state(v)->mode, mode_find("padding"));
    cr_assert_eq(view_state(v)->step, 2, "the step is kept");
    cr_assert_eq(view_regions(v)->nsentences, 5, "a chip for each sentence, and All");
    cr_assert(view_unsaved(v));
    cr_assert_eq(view_edits(v), 1);
    /* R undoes [MASK] clicks, not the edit */
    key(SDLK_r);
    cr_assert_eq(view_scenario(v)->sentences.count, 4);
    SDL_FreeSurface(before);
    SDL_FreeSurface(open);
}

Test(window, a_bad_edit_shows_its_problem_under_its_line_and_keeps_the_scenario)
{
    key(SDLK_e);
    type(" [PAD]");
    int line = -2;
    const char *why = editor_problem((Editor *)editor(), &line);
    cr_assert_not_null(why);
    cr_assert_eq(line, 2);
    cr_assert_str_eq(why, "sentence 2: word 5 is [PAD]; padding is added by maskscope, do not write it");
    /* shown in vermillion under the line */
    SDL_Surface *s = shot();
    SDL_Rect f = editor_line_rect(editor(), 2);
    cr_assert_gt(f.h, 0);
    SDL_Rect under = { f.x, f.y + f.h, f.w, f.h };
    cr_assert_gt(pixels_near(s, under, 0xD55E00, 40), 50, "the problem is written under its line");
    SDL_Rect other = editor_line_rect(editor(), 0);
    other.y += other.h;
    cr_assert_eq(pixels_near(s, other, 0xD55E00, 40), 0, "and not under another");
    SDL_FreeSurface(s);
    /* Enter does not apply it */
    cr_assert(key(SDLK_RETURN));
    cr_assert(editor_is_open(editor()));
    cr_assert_eq(view_scenario(v)->sentences.count, 3);
    cr_assert_eq(view_scenario(v)->sentences.lengths[2], 4);
    /* a word over the limit */
    key(SDLK_BACKSPACE);
    for (int i = 0; i < 5; i++) key(SDLK_BACKSPACE);
    char word[70];
    memset(word, 'x', 65);
    word[65] = '\0';
    type(" ");
    type(word);
    why = editor_problem((Editor *)editor(), &line);
    cr_assert(why && strstr(why, "sentence 2: word 5 is 65 bytes long; the limit is 64"), "%s", why);
    key_mod(SDLK_BACKSPACE, KMOD_LCTRL);
    cr_assert_null(editor_problem((Editor *)editor(), NULL), "Ctrl+Backspace took the word: %s", line_of(2));
    /* an empty batch: Ctrl+D deletes every line */
    for (int i = 0; i < 4; i++) key_mod(SDLK_d, KMOD_LCTRL);
    cr_assert_eq(editor_lines(editor()), 1);
    cr_assert_str_eq(line_of(0), "");
    key(SDLK_RETURN);
    why = editor_problem((Editor *)editor(), &line);
    cr_assert(why && strstr(why, "the batch is empty"), "%s", why);
    cr_assert_eq(line, -1);
    cr_assert(editor_is_open(editor()));
    /* Esc cancels: nothing changed */
    cr_assert(key(SDLK_ESCAPE));
    cr_assert_not(editor_is_open(editor()));
    cr_assert_eq(view_scenario(v)->sentences.count, 3);
    cr_assert_not(view_unsaved(v));
    cr_assert(strstr(view_notice(v), "discarded"), "%s", view_notice(v));
    key(SDLK_e);
    cr_assert_str_eq(line_of(2), "The cat ate fish", "the editor opens on the sentences again");
}

Test(window, esc_closes_the_editor_and_never_quits)
{
    key(SDLK_e);
    type("!");
    cr_assert(key(SDLK_ESCAPE), "Esc closes the editor");
    cr_assert_not(editor_is_open(editor()));
    cr_assert_str_eq(view_scenario(v)->vocab.words[view_scenario(v)->vocab.count - 1], "pie");
    /* twice at once: the first closes the editor, the second only warns */
    key(SDLK_e);
    cr_assert(key(SDLK_ESCAPE));
    cr_assert(key(SDLK_ESCAPE), "the second Esc has nothing to close and only warns");
    cr_assert(strstr(view_notice(v), "Esc again"), "%s", view_notice(v));
    cr_assert_not(key(SDLK_ESCAPE), "a third within a second quits: nothing is unsaved");
}

Test(window, clicks_and_arrows_move_the_caret_by_whole_characters)
{
    key(SDLK_e);
    type(" caf\xc3\xa9 \xe2\x9c\x93");
    cr_assert_str_eq(line_of(2), "The cat ate fish caf\xc3\xa9 \xe2\x9c\x93");
    const char *l = line_of(2);
    int line, byte;
    for (int i = 0; i < 3; i++) {
        key(SDLK_LEFT);
        editor_caret(editor(), &line, &byte);
        cr_assert_neq((l[byte] & 0xC0), 0x80, "the caret never splits a character (byte %d)", byte);
    }
    key(SDLK_BACKSPACE); /* the f of café */
    cr_assert_str_eq(line_of(2), "The cat ate fish ca\xc3\xa9 \xe2\x9c\x93");
    key(SDLK_END);
    key(SDLK_BACKSPACE);
    key(SDLK_BACKSPACE);
    key(SDLK_BACKSPACE);
    cr_assert_str_eq(line_of(2), "The cat ate fish ca");
    /* invalid UTF-8 and control characters never get in */
    type("\xff\xfe");
    type("a\x01" "b");
    cr_assert_str_eq(line_of(2), "The cat ate fish caab");
    /* a click on line 0, near its start, puts the caret there */
    view_render(v);
    SDL_Rect f = editor_line_rect(editor(), 0);
    cr_assert_gt(f.w, 0);
    click_at(f.x + 2, f.y + f.h / 2);
    editor_caret(editor(), &line, &byte);
    cr_assert_eq(line, 0);
    cr_assert_eq(byte, 0);
    click_at(f.x + f.w - 4, f.y + f.h / 2);
    editor_caret(editor(), &line, &byte);
    cr_assert_eq(byte, 11, "past the end of the text: its end");
    /* a click outside the panel changes nothing and keeps the editor */
    click_at(4, 4);
    cr_assert(editor_is_open(editor()));
    cr_assert_eq(view_state(v)->mode, mode_find("padding"));
    /* Up and Down keep the column */
    key(SDLK_HOME);
    key(SDLK_RIGHT);
    key(SDLK_RIGHT);
    key(SDLK_DOWN);
    editor_caret(editor(), &line, &byte);
    cr_assert(line == 1 && byte == 2, "%d %d", line, byte);
    /* Backspace at a line's start joins it to the one before; Ctrl+Enter splits it again */
    key(SDLK_HOME);
    key(SDLK_BACKSPACE);
    cr_assert_eq(editor_lines(editor()), 2);
    cr_assert_str_eq(line_of(0), "The cat ateThe cat ate fish pie");
    key_mod(SDLK_RETURN, KMOD_LCTRL);
    cr_assert_str_eq(line_of(1), "The cat ate fish pie");
}

/* runs cmd, returns its exit status and (out, n) its stdout */
static int run_cmd(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t k = fread(out, 1, n - 1, p);
    out[k] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `maskscope print NAME --scenario FILE` equals the tensor of the window's scenario in mode */
static void same_print(const char *file, const char *name, const char *mode)
{
    char cmd[1200], out[8192], err[256];
    snprintf(cmd, sizeof cmd, "'%s' print %s --scenario '%s' 2>&1", getenv("MASKSCOPE_BIN"), name, file);
    cr_assert_eq(run_cmd(cmd, out, sizeof out), 0, "%s", out);
    Engine *e = engine_new(view_scenario(v), mode_find(mode), err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    char *want = tensor_format(engine_tensor(e, T_BATCH));
    cr_assert(strncmp(out, want, strlen(want)) == 0 && strcmp(out + strlen(want), "\n") == 0,
              "%s: the binary prints\n%s\nthe window has\n%s", name, out, want);
    free(want);
    engine_free(e);
}

Test(window, ctrl_s_saves_json_that_the_command_line_loads_to_the_same_batch)
{
    key(SDLK_e);
    key(SDLK_UP);
    key(SDLK_UP);
    key(SDLK_END);
    type(" the \"best\" caf\xc3\xa9");
    key_mod(SDLK_RETURN, KMOD_LCTRL);
    type("a [MASK] on the mat");
    key_mod(SDLK_s, KMOD_LCTRL);
    cr_assert_not(editor_is_open(editor()), "Ctrl+S applies, saves and closes");
    cr_assert_not(view_unsaved(v));
    cr_assert_eq(view_scenario(v)->sentences.count, 4);
    char prefix[128], path[512], out[4096], cmd[1200];
    snprintf(prefix, sizeof prefix, "Saved %s/maskscope-scenario.json (4 sentences", tmpdir);
    cr_assert(strncmp(view_notice(v), prefix, strlen(prefix)) == 0, "%s", view_notice(v));
    snprintf(path, sizeof path, "%s/maskscope-scenario.json", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' check '%s' 2>&1", getenv("MASKSCOPE_BIN"), path);
    cr_assert_eq(run_cmd(cmd, out, sizeof out), 0, "check: %s", out);
    same_print(path, "batch", "padding");
    same_print(path, "mlm_batch", "mlm");
    /* a second save does not overwrite the first */
    struct stat first;
    cr_assert_eq(stat(path, &first), 0);
    key(SDLK_e);
    key_mod(SDLK_s, KMOD_LCTRL);
    cr_assert(strstr(view_notice(v), "maskscope-scenario-2.json"), "%s", view_notice(v));
    /* a problem: not saved, and the editor says why */
    key(SDLK_e);
    type(" [PAD]");
    key_mod(SDLK_s, KMOD_LCTRL);
    cr_assert(editor_is_open(editor()));
    const char *why = editor_problem((Editor *)editor(), NULL);
    static const char not_saved[] = "Not saved: sentence 3: word 5 is [PAD]";
    cr_assert(why && strncmp(why, not_saved, strlen(not_saved)) == 0, "%s", why);
    snprintf(path, sizeof path, "%s/maskscope-scenario-3.json", tmpdir);
    cr_assert_neq(access(path, F_OK), 0, "nothing written");
    key(SDLK_ESCAPE);
    /* an unwritable place: the notice says so, and the sentences stay unsaved */
    key(SDLK_e);
    key(SDLK_END);
    type(" again");
    char moved[80];
    snprintf(moved, sizeof moved, "%s.away", tmpdir);
    cr_assert_eq(rename(tmpdir, moved), 0);
    FILE *blocker = fopen(tmpdir, "w"); /* a file where the folder was: no root can write into it */
    cr_assert_not_null(blocker);
    fclose(blocker);
    key_mod(SDLK_s, KMOD_LCTRL);
    cr_assert(strncmp(view_notice(v), "Not saved: ", 11) == 0, "%s", view_notice(v));
    cr_assert(view_unsaved(v));
    cr_assert_eq(remove(tmpdir), 0);
    cr_assert_eq(rename(moved, tmpdir), 0);
}

Test(window, q_with_unsaved_sentences_asks_and_only_y_quits)
{
    cr_assert(view_may_quit(v), "nothing unsaved: Q may quit at once");
    cr_assert_not(view_asking(v));
    key(SDLK_e);
    type(" dog");
    key(SDLK_RETURN);
    cr_assert(view_unsaved(v));
    /* Q asks */
    cr_assert(key(SDLK_q), "Q does not quit with unsaved sentences");
    cr_assert(view_asking(v));
    SDL_Surface *s = shot();
    SDL_Rect yes = view_regions(v)->quit_yes, no = view_regions(v)->quit_no;
    cr_assert_gt(yes.w * no.w, 0, "two answers on screen");
    SDL_FreeSurface(s);
    cr_assert(key(SDLK_q), "Q again is no answer");
    cr_assert(view_asking(v));
    cr_assert(key(SDLK_n), "N goes back");
    cr_assert_not(view_asking(v));
    cr_assert_eq(view_scenario(v)->sentences.lengths[2], 5, "the sentences are still there");
    /* a double Esc asks too, and Esc answers no */
    cr_assert(key(SDLK_ESCAPE));
    cr_assert(key(SDLK_ESCAPE), "a double Esc asks instead of quitting");
    cr_assert(view_asking(v));
    cr_assert(key(SDLK_ESCAPE));
    cr_assert_not(view_asking(v));
    /* the window's close button asks; a click on N goes back */
    SDL_Event quit = { .type = SDL_QUIT };
    cr_assert(send(&quit), "closing the window asks first");
    cr_assert(view_asking(v));
    click_at(centre(view_regions(v)->quit_no).x, centre(view_regions(v)->quit_no).y);
    cr_assert_not(view_asking(v));
    /* in a lesson's picker Q asks as well */
    key(SDLK_l);
    cr_assert(player_picker_open(pl));
    cr_assert(key(SDLK_q));
    cr_assert(view_asking(v));
    /* Y quits; so does a click on it */
    cr_assert_not(key(SDLK_y), "Y quits");
    key(SDLK_q);
    cr_assert(view_asking(v));
    SDL_Point c = centre(view_regions(v)->quit_yes);
    cr_assert_not(click_at(c.x, c.y), "a click on Y quits");
    key(SDLK_ESCAPE);
    cr_assert_not(player_picker_open(pl));
    /* once saved, Q quits without asking */
    key(SDLK_e);
    key_mod(SDLK_s, KMOD_LCTRL);
    cr_assert_not(view_unsaved(v));
    cr_assert_not(key(SDLK_q));
}

Test(window, the_editor_in_a_lesson_takes_its_keys_and_applying_leaves_the_lesson)
{
    open_lesson("05-causal-masking.json");
    key(SDLK_RIGHT);
    int step = player_step(pl);
    key(SDLK_e);
    cr_assert(editor_is_open(editor()));
    cr_assert(editor_problem((Editor *)editor(), NULL) == NULL);
    key(SDLK_RIGHT);
    key(SDLK_HOME);
    cr_assert_eq(player_step(pl), step, "the arrows move the caret, not the lesson");
    cr_assert_not(player_left(pl));
    key(SDLK_ESCAPE);
    cr_assert_not(player_left(pl), "Esc closes the editor before it leaves a lesson");
    cr_assert_not(editor_is_open(editor()));
    key(SDLK_e);
    key(SDLK_END);
    type(" today");
    key(SDLK_RETURN);
    cr_assert(player_left(pl), "other sentences leave the lesson");
    cr_assert(strstr(view_notice(v), "Left the lesson"), "%s", view_notice(v));
    cr_assert(view_unsaved(v));
    /* L goes back to the lesson and its own sentences */
    key(SDLK_l);
    cr_assert_not(player_left(pl));
    cr_assert_eq(player_step(pl), step);
    cr_assert_not(view_unsaved(v), "the lesson's sentences replaced the edit");
}

/* At 1920×1080 the editor's text is as large as the window's (24 px and up). */
Test(window_big, the_editors_text_is_readable_from_the_back, .fini = teardown, .timeout = 120)
{
    open_with(scenario_default(), 1920, 1080);
    key(SDLK_e);
    type(" [PAD]");
    paint_tally_reset(view_painter(v));
    view_invalidate(v);
    cr_assert(view_render(v));
    int text = paint_tally_min(view_painter(v), PAINT_TEXT);
    cr_assert_geq(text, 24, "text at %d px", text);
    key(SDLK_RETURN);
    key(SDLK_ESCAPE);
    key(SDLK_e);
    type(" dog");
    key(SDLK_RETURN);
    key(SDLK_q);
    paint_tally_reset(view_painter(v));
    view_invalidate(v);
    cr_assert(view_render(v));
    text = paint_tally_min(view_painter(v), PAINT_TEXT);
    cr_assert_geq(text, 24, "the question at %d px", text);
}

/* random keys, text (UTF-8 and not), compositions, clicks and wheels into the editor */
Test(window, a_monkey_typing_into_the_editor_never_crashes, .timeout = 600)
{
    static const SDL_Keycode keys[] = {
        SDLK_LEFT, SDLK_RIGHT, SDLK_UP, SDLK_DOWN, SDLK_HOME, SDLK_END, SDLK_PAGEUP, SDLK_PAGEDOWN,
        SDLK_BACKSPACE, SDLK_DELETE, SDLK_RETURN, SDLK_ESCAPE, SDLK_d, SDLK_s, SDLK_v, SDLK_e, SDLK_q,
        SDLK_n, SDLK_TAB, SDLK_F11, SDLK_4, SDLK_h,
    };
    static const char *const texts[] = {
        "a", " ", "  ", "The", "dog", "[MASK]", "[PAD]", "caf\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x90\x88", "\xff",
        "\xc3", "\x01x", "\t", "#42", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "\xe2\x80\xae", "\xc2\x9b",
    };
    srand(20250107u);
    Uint32 win = SDL_GetWindowID(view_window(v));
    SDL_SetClipboardText("pasted line\nand [MASK] another\n\nthird");
    int saves = 0, applied = 0, opened = 0;
    for (int i = 0; i < 6000; i++) {
        SDL_Event e;
        SDL_zero(e);
        int kind = rand() % 100, w, h;
        SDL_GetWindowSize(view_window(v), &w, &h);
        if (!editor_is_open(editor()) && !view_asking(v) && kind < 60) {
            e.type = SDL_KEYDOWN;
            e.key.keysym.sym = SDLK_e;
            opened++;
        } else if (kind < 45) {
            e.type = SDL_KEYDOWN;
            e.key.keysym.sym = keys[rand() % (int)(sizeof keys / sizeof keys[0])];
            e.key.keysym.mod = (Uint16)(rand() % 3 == 0 ? KMOD_LCTRL : rand() % 5 == 0 ? KMOD_LSHIFT : 0);
            if (e.key.keysym.sym == SDLK_s && (e.key.keysym.mod & KMOD_CTRL) && saves++ > 15) continue;
            applied += e.key.keysym.sym == SDLK_RETURN && !e.key.keysym.mod;
        } else if (kind < 80) {
            e.type = SDL_TEXTINPUT;
            const char *t = texts[rand() % (int)(sizeof texts / sizeof texts[0])];
            snprintf(e.text.text, sizeof e.text.text, "%s", t);
        } else if (kind < 84) {
            e.type = SDL_TEXTEDITING;
            snprintf(e.edit.text, sizeof e.edit.text, "%s", rand() % 2 ? "\xe3\x81\x8b" : "");
        } else if (kind < 94) {
            random_click(&e, win, SDL_BUTTON_LEFT, w, h);
        } else if (kind < 97) {
            random_wheel(&e, win);
        } else {
            e.type = SDL_QUIT;
        }
        if (e.type == SDL_KEYDOWN) e.key.windowID = win;
        if (e.type == SDL_TEXTINPUT) e.text.windowID = win;
        if (e.type == SDL_TEXTEDITING) e.edit.windowID = win;
        player_handle_event(pl, &e); /* a quit request is ignored: the monkey goes on */
        if (view_asking(v) && rand() % 2) key(SDLK_n);
        if (i % 6 == 0) view_render(v);
        /* whatever happened, the text is whole UTF-8 within its limits, and the window shows a batch */
        if (editor_is_open(editor())) {
            cr_assert_leq(editor_lines(editor()), EDITOR_MAX_LINES);
            for (int k = 0; k < editor_lines(editor()); k++) {
                const char *l = line_of(k);
                cr_assert_eq(text_utf8_bad(l), strlen(l), "line %d: %s", k, l);
                cr_assert_leq(strlen(l), (size_t)EDITOR_LINE_BYTES);
            }
        }
        int B = view_scenario(v)->sentences.count;
        cr_assert(B >= 1 && B <= MS_MAX_SENTENCES);
    }
    cr_assert_gt(opened, 50);
    cr_assert_gt(applied, 20);
    cr_assert_gt(view_edits(v), 0, "some edits were applied");
    if (view_asking(v)) key(SDLK_n);
    if (editor_is_open(editor())) key(SDLK_ESCAPE);
    cr_assert_not_null(view_engine(v));
    SDL_Surface *s = shot();
    cr_assert_gt(distinct_colours(s, view_regions(v)->frame), 3);
    SDL_FreeSurface(s);
}

/* the leak view computes for the engine it is shown with: after edits and mode
 * switches (new engines, some at the address of one the view showed before) it
 * shows the sentences on screen, never an earlier batch's */
Test(window, the_leak_view_follows_edited_sentences)
{
    static const char *const batches[] = { "a b", "a b c d e f g", "a", "a b c", "x y z w v u" };
    for (int k = 0; k < 10; k++) {
        const char *words = batches[k % 5];
        key(SDLK_e);
        for (int i = 0; i < 3; i++) key_mod(SDLK_d, KMOD_LCTRL);
        type(words);
        key(SDLK_RETURN);
        key((SDL_Keycode)('1' + k % 3));
        key(SDLK_i);
        view_render(v);
        int L = engine_length(view_engine(v));
        SDL_Rect cell;
        cr_assert(screen_cell(view_screen(v), 0, 0, L - 1, &cell), "round %d: %d inputs", k, L);
        cr_assert_not(screen_cell(view_screen(v), 0, 0, L, &cell), "round %d: not %d", k, L + 1);
        SDL_Point p = screen_point_of(0, 0, 0);
        move_to(p.x, p.y);
        char want[64];
        snprintf(want, sizeof want, "output 0 \u201c%c\u201d depends on:", words[0]);
        cr_assert(strstr(view_tooltip(v), want), "round %d: %s", k, view_tooltip(v));
        key(SDLK_i);
    }
}
