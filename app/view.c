/* The interactive window.
 *
 * The view holds a ViewState (mode, step, sentence, drawing options) and
 * the Steps the core built for it. Every event either changes the state
 * (a key, a click on a tab, step chip or sentence), changes what the
 * mouse points at (hover: a tooltip and a highlighted token), or edits
 * the working copy of the scenario (a click on a token in MLM mode
 * toggles [MASK]; the steps are rebuilt so the masks and the loss follow
 * at once). Any of these marks the frame dirty; view_render draws only a
 * dirty frame, and the main loop blocks in SDL_WaitEvent, so an idle
 * window costs nothing. The "Saved …" notice expires through an SDL
 * timer that posts an event, not by polling.
 *
 * Without a display, view_main writes the first frame as a PNG, the way
 * `maskscope export` would, and says where. */
#include "view.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "cli.h"
#include "export.h"
#include "view_chrome.h"
#include "xmalloc.h"

#ifndef VIEW_DEFAULT_W
#define VIEW_DEFAULT_W 1280
#endif
#ifndef VIEW_DEFAULT_H
#define VIEW_DEFAULT_H 800
#endif
#define ZOOM_MIN 0.5
#define ZOOM_MAX 3.0

/* one event type for every view's notice timer; code carries nothing */
static Uint32 notice_event = (Uint32)-1;

ViewConfig view_config_default(void)
{
    ViewConfig c = { 0 };
    c.w = VIEW_DEFAULT_W;
    c.h = VIEW_DEFAULT_H;
    c.state.mode = STEPS_PADDING;
    c.state.step = 0;
    c.state.sentence = 0;
    c.state.sentence_chosen = false;
    c.state.opts = draw_options_default();
    return c;
}

/* ---- state ------------------------------------------------------------ */

static void forget_hover(View *v);

static int sentence_count(const View *v)
{
    return v->sc->sentences.count;
}

/* Builds the steps for (mode, sentence) and keeps the step by its slug. */
static bool rebuild(View *v, StepsMode mode, int sentence, int step, char *err, size_t errlen)
{
    Steps *st = steps_build(v->sc, mode, sentence, err, errlen);
    if (!st) return false;
    if (v->st && mode != v->st->mode && step >= 0 && step < v->st->count) {
        int k = steps_find(st, v->st->steps[step].slug);
        if (k >= 0) step = k;
    }
    if (step >= st->count) step = st->count - 1;
    if (step < 0) step = 0;
    steps_free(v->st);
    v->st = st;
    v->s.mode = mode;
    v->s.sentence = sentence;
    v->s.step = step;
    forget_hover(v);
    return true;
}

/* MLM: the warning when a shown sentence has no [MASK] to learn from */
static void update_warning(View *v)
{
    v->warning[0] = '\0';
    if (v->s.mode != STEPS_MLM || !v->st) return;
    int B = v->st->batch->B;
    int lo = v->s.sentence < 0 ? 0 : v->s.sentence, hi = v->s.sentence < 0 ? B - 1 : v->s.sentence;
    for (int s = lo; s <= hi; s++)
        if (v->st->unscored[s]) {
            snprintf(v->warning, sizeof v->warning,
                     "Sentence %d has no [MASK] token, so it adds nothing to the loss. "
                     "Click one of its tokens to mask it.", s);
            return;
        }
}

static void set_notice(View *v, const char *msg);

static void show_error(View *v, const char *what, const char *err)
{
    char msg[sizeof v->notice];
    int n = snprintf(msg, sizeof msg, "%s: ", what);
    if (n < 0 || (size_t)n >= sizeof msg) n = 0;
    snprintf(msg + n, sizeof msg - (size_t)n, "%.300s", err);
    set_notice(v, msg);
}

static void go_mode(View *v, StepsMode mode)
{
    if (mode == v->s.mode) return;
    int sentence = v->s.sentence;
    if (!v->s.sentence_chosen) sentence = steps_default_sentence(v->sc, mode);
    char err[256];
    if (!rebuild(v, mode, sentence, v->s.step, err, sizeof err)) show_error(v, "cannot show this mode", err);
    update_warning(v);
}

static void go_sentence(View *v, int sentence)
{
    if (sentence == v->s.sentence) return;
    char err[256];
    if (sentence >= 0) v->batch_return = sentence;
    if (!rebuild(v, v->s.mode, sentence, v->s.step, err, sizeof err)) {
        show_error(v, "cannot show this", err);
        return;
    }
    v->s.sentence_chosen = true;
    update_warning(v);
}

static void go_step(View *v, int step)
{
    if (step < 0) step = 0;
    if (step >= v->st->count) step = v->st->count - 1;
    if (step == v->s.step) return;
    v->s.step = step;
    forget_hover(v);
}

/* ---- the notice ------------------------------------------------------- */

static Uint32 notice_expired(Uint32 interval, void *param)
{
    (void)interval;
    (void)param;
    SDL_Event e;
    SDL_zero(e);
    e.type = notice_event;
    SDL_PushEvent(&e);
    return 0;
}

static void set_notice(View *v, const char *msg)
{
    snprintf(v->notice, sizeof v->notice, "%s", msg);
    if (v->notice_timer) SDL_RemoveTimer(v->notice_timer);
    v->notice_timer = notice_event != (Uint32)-1 ? SDL_AddTimer(VIEW_NOTICE_MS, notice_expired, NULL) : 0;
    v->dirty = true;
}

/* ---- export ----------------------------------------------------------- */

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* "maskscope-mlm-s1-08-loss.png": mode, the sentence if one was chosen,
 * step number and slug; unique suffix when avoid_existing */
static void export_name(const Steps *st, int step, bool with_sentence, const char *dir, bool avoid_existing,
                        char *path, size_t n, const char **base)
{
    char sent[24] = "";
    if (with_sentence) {
        if (st->sentence < 0) snprintf(sent, sizeof sent, "-all");
        else snprintf(sent, sizeof sent, "-s%d", st->sentence);
    }
    int prefix = snprintf(path, n, "%s/", dir);
    for (int k = 1; k < 1000; k++) {
        char suffix[16] = "";
        if (k > 1) snprintf(suffix, sizeof suffix, "-%d", k);
        snprintf(path + prefix, n - (size_t)prefix, "maskscope-%s%s-%02d-%s%s.png", steps_mode_name(st->mode), sent,
                 step + 1, st->steps[step].slug, suffix);
        if (!avoid_existing || !file_exists(path)) break;
    }
    if (base) *base = path + prefix;
}

static void export_shown(View *v)
{
    SDL_Rect f = v->reg.frame;
    char path[PATH_MAX + 128], err[512];
    const char *base = NULL;
    export_name(v->st, v->s.step, v->s.sentence_chosen, v->export_dir, true, path, sizeof path, &base);
    bool ok = export_png(v->st, v->s.step, &v->s.opts, f.w, f.h, path, err, sizeof err);
    if (!ok) {
        show_error(v, "Not saved", err);
        return;
    }
    char msg[320];
    snprintf(msg, sizeof msg, "Saved %s (%d×%d)", base, f.w, f.h);
    set_notice(v, msg);
}

/* ---- hover and clicks -------------------------------------------------- */

static bool in_rect(SDL_Rect r, int x, int y)
{
    return r.w > 0 && r.h > 0 && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static bool axis_is(const char *axis, const char *a, const char *b)
{
    return axis && (strcmp(axis, a) == 0 || (b && strcmp(axis, b) == 0));
}

/* which token a point over a panel's labels names: its sentence and batch position */
static bool label_token(const View *v, const DrawPanelBox *b, int x, int y, int *s, int *pos)
{
    const Panel *p = &v->st->steps[v->s.step].panels[b->panel];
    if (in_rect(b->row_labels, x, y) && b->rows > 0 && axis_is(p->row_axis, "query", "token") && p->sentence >= 0) {
        int r = (int)((long long)(y - b->grid.y) * b->rows / b->grid.h);
        if (r < 0 || r >= b->rows) return false;
        *s = p->sentence;
        *pos = r;
        return true;
    }
    if (in_rect(b->col_labels, x, y) && b->cols > 0 && axis_is(p->col_axis, "key", "token") && p->sentence >= 0) {
        int c = (int)((long long)(x - b->grid.x) * b->cols / b->grid.w);
        if (c < 0 || c >= b->cols) return false;
        *s = p->sentence;
        *pos = c;
        return true;
    }
    return false;
}

static Hover hit(const View *v, int x, int y)
{
    Hover h = { .kind = HOVER_NONE, .box = -1, .row = -1, .col = -1, .sentence = -1, .pos = -1 };
    if (!v->laid_out || x < 0 || y < 0 || v->s.help) return h;
    const ViewRegions *g = &v->reg;
    for (int m = 0; m < STEPS_MODE_COUNT; m++)
        if (in_rect(g->tabs[m], x, y)) return (Hover){ .kind = HOVER_TAB, .index = m, .anchor = g->tabs[m] };
    if (in_rect(g->prev, x, y)) return (Hover){ .kind = HOVER_PREV, .anchor = g->prev };
    if (in_rect(g->next, x, y)) return (Hover){ .kind = HOVER_NEXT, .anchor = g->next };
    for (int i = 0; i < g->nsteps; i++)
        if (in_rect(g->steps[i], x, y)) return (Hover){ .kind = HOVER_STEP, .index = i, .anchor = g->steps[i] };
    for (int i = 0; i < g->nsentences; i++)
        if (in_rect(g->sentences[i], x, y))
            return (Hover){ .kind = HOVER_SENTENCE, .index = g->sentence_of[i], .anchor = g->sentences[i] };
    if (!in_rect(g->frame, x, y)) return h;
    const DrawLayout *l = v->layout;
    int box, row, col;
    if (draw_hit(l, x, y, &box, &row, &col)) {
        const Panel *p = &v->st->steps[v->s.step].panels[l->panels[box].panel];
        h.box = box, h.row = row, h.col = col;
        h.anchor = draw_cell_rect(l, box, row, col);
        /* a cell of a [B,L] (or [1,L]) tensor is one token of one sentence */
        if (axis_is(p->row_axis, "sentence", NULL) && axis_is(p->col_axis, "token", "position")) {
            h.kind = HOVER_TOKEN;
            h.on_cell = true;
            h.sentence = p->sentence >= 0 ? p->sentence : row;
            h.pos = col;
        } else {
            h.kind = HOVER_CELL;
        }
        return h;
    }
    for (int i = 0; i < l->npanels; i++) {
        int s, pos;
        if (label_token(v, &l->panels[i], x, y, &s, &pos)) {
            h.kind = HOVER_TOKEN;
            h.sentence = s;
            h.pos = pos;
            SDL_Rect rl = l->panels[i].row_labels;
            h.anchor = in_rect(rl, x, y) ? (SDL_Rect){ rl.x, y, rl.w, 1 } : (SDL_Rect){ x, l->panels[i].col_labels.y, 1, l->panels[i].col_labels.h };
            return h;
        }
    }
    return h;
}

static bool same_hover(const Hover *a, const Hover *b)
{
    return a->kind == b->kind && a->index == b->index && a->box == b->box && a->row == b->row &&
           a->col == b->col && a->sentence == b->sentence && a->pos == b->pos;
}

/* the highlight and tooltip that follow from what is hovered */
static void apply_hover(View *v)
{
    const Hover *h = &v->hover;
    DrawOptions *o = &v->s.opts;
    o->highlight_row = o->highlight_col = -1;
    v->tip[0] = '\0';
    const Steps *st = v->st;
    if (h->kind == HOVER_CELL) {
        const Panel *p = &st->steps[v->s.step].panels[v->layout->panels[h->box].panel];
        o->highlight_row = h->row;
        if (axis_is(p->col_axis, "key", "token")) o->highlight_col = h->col;
        steps_explain(st, v->s.step, v->layout->panels[h->box].panel, h->row, h->col, v->tip, sizeof v->tip);
    } else if (h->kind == HOVER_TOKEN) {
        o->highlight_row = o->highlight_col = h->pos;
        const Batch *b = st->batch;
        size_t at = (size_t)h->sentence * b->L + h->pos;
        const char *w = b->labels[at] ? b->labels[at] : "?";
        int used = 0;
        if (h->on_cell) {
            steps_explain(st, v->s.step, v->layout->panels[h->box].panel, h->row, h->col, v->tip, sizeof v->tip);
            used = (int)strlen(v->tip);
            if (used > 0 && used < (int)sizeof v->tip - 1) v->tip[used++] = '\n', v->tip[used] = '\0';
        }
        used += snprintf(v->tip + used, sizeof v->tip - (size_t)used, "\u201c%s\u201d: token %d of sentence %d (id %d)",
                         w, h->pos, h->sentence, (int)b->ids->data[at]);
        if (st->mode == STEPS_MLM && used < (int)sizeof v->tip) {
            bool real = batch_is_real(b, h->sentence, h->pos);
            bool masked = (int)b->ids->data[at] == b->mask_id;
            snprintf(v->tip + used, sizeof v->tip - (size_t)used, "\n%s",
                     !real && !masked ? "[PAD] cannot be masked"
                     : masked         ? "click: put the word back (unmask)"
                                      : "click: replace it by [MASK]");
        }
    }
    if (v->hand && v->arrow)
        SDL_SetCursor(h->kind == HOVER_TAB || h->kind == HOVER_PREV || h->kind == HOVER_NEXT ||
                              h->kind == HOVER_STEP || h->kind == HOVER_SENTENCE ||
                              (h->kind == HOVER_TOKEN && st->mode == STEPS_MLM)
                          ? v->hand : v->arrow);
}

static void update_hover(View *v)
{
    Hover h = hit(v, v->mouse_x, v->mouse_y);
    if (same_hover(&h, &v->hover)) {
        v->hover.anchor = h.anchor;
        return;
    }
    v->hover = h;
    apply_hover(v);
    v->dirty = true;
}

/* what was under the mouse may have moved or changed: no highlight or
 * tooltip until the next frame's layout says what is there now */
static void forget_hover(View *v)
{
    v->hover = (Hover){ .kind = HOVER_NONE, .box = -1, .row = -1, .col = -1, .sentence = -1, .pos = -1 };
    apply_hover(v);
    v->hover.kind = HOVER_STALE;
    v->laid_out = false;
    v->dirty = true;
}

static void toggle_mask(View *v, int s, int pos)
{
    const Batch *b = v->st->batch;
    int src = pos - b->first[s];
    double before = v->st->loss;
    const char *word = NULL;
    if (s >= 0 && s < v->sc->mlm_source.count && src >= 0 && src < v->sc->mlm_source.lengths[s])
        word = scenario_word(v->sc, v->sc->mlm_source.ids[s][src]);
    if (!scenario_toggle_mlm(v->sc, s, src)) {
        set_notice(v, "[PAD] is padding, not a word: it cannot be masked.");
        return;
    }
    bool masked = v->sc->mlm_masked[s][src];
    char err[256];
    if (!rebuild(v, v->s.mode, v->s.sentence, v->s.step, err, sizeof err)) {
        scenario_toggle_mlm(v->sc, s, src); /* undo: the view keeps what it showed */
        show_error(v, "cannot recompute", err);
        return;
    }
    update_warning(v);
    char msg[320];
    snprintf(msg, sizeof msg, "%s \u201c%s\u201d in sentence %d: mean loss %.3f \u2192 %.3f", masked ? "Masked" : "Unmasked",
             word ? word : "?", s, before, v->st->loss);
    set_notice(v, msg);
}

static void reset_masks(View *v)
{
    Scenario *copy = scenario_copy(v->original);
    Steps *old = v->st;
    Scenario *old_sc = v->sc;
    v->sc = copy;
    v->st = NULL;
    char err[256];
    if (!rebuild(v, v->s.mode, v->s.sentence, v->s.step, err, sizeof err)) {
        v->sc = old_sc;
        v->st = old;
        scenario_free(copy);
        show_error(v, "cannot reset", err);
        return;
    }
    steps_free(old);
    scenario_free(old_sc);
    update_warning(v);
    set_notice(v, "Every [MASK] is back where the scenario put it.");
}

static void click(View *v, int x, int y)
{
    if (view_lesson_click(v, x, y)) return;
    if (v->s.help) {
        v->s.help = false;
        v->dirty = true;
        return;
    }
    Hover h = hit(v, x, y);
    switch (h.kind) {
    case HOVER_TAB: go_mode(v, (StepsMode)h.index); break;
    case HOVER_PREV: go_step(v, v->s.step - 1); break;
    case HOVER_NEXT: go_step(v, v->s.step + 1); break;
    case HOVER_STEP: go_step(v, h.index); break;
    case HOVER_SENTENCE:
        if (h.index < 0 && v->s.sentence >= 0) v->batch_return = v->s.sentence;
        go_sentence(v, h.index);
        break;
    case HOVER_TOKEN:
        if (v->s.mode == STEPS_MLM) toggle_mask(v, h.sentence, h.pos);
        break;
    default: break;
    }
}

/* ---- keys -------------------------------------------------------------- */

static void zoom(View *v, double factor)
{
    double z = factor == 0 ? 1.0 : v->s.opts.text_zoom * factor;
    if (z < ZOOM_MIN) z = ZOOM_MIN;
    if (z > ZOOM_MAX) z = ZOOM_MAX;
    if (fabs(z - 1.0) < 0.01) z = 1.0;
    if (z == v->s.opts.text_zoom) return;
    v->s.opts.text_zoom = z;
    forget_hover(v);
}

static void next_sentence(View *v, int dir)
{
    int n = sentence_count(v);
    if (n <= 0) return;
    int s = v->s.sentence < 0 ? (dir > 0 ? 0 : n - 1) : ((v->s.sentence + dir) % n + n) % n;
    go_sentence(v, s);
}

static void toggle_batch(View *v)
{
    if (v->s.sentence >= 0) {
        v->batch_return = v->s.sentence;
        go_sentence(v, -1);
    } else {
        int s = v->batch_return;
        if (s < 0 || s >= sentence_count(v)) s = 0;
        go_sentence(v, s);
    }
}

static bool key(View *v, const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    Uint16 mod = k->keysym.mod;
    bool ctrl = (mod & KMOD_CTRL) != 0, shift = (mod & KMOD_SHIFT) != 0;
    if (view_lesson_key(v, k)) return true;
    if (sym == SDLK_q) return false;
    if (sym == SDLK_ESCAPE) {
        if (!v->s.help) return false;
        v->s.help = false;
        v->dirty = true;
        return true;
    }
    if (sym == SDLK_h || sym == SDLK_F1) {
        v->s.help = !v->s.help;
        forget_hover(v);
        return true;
    }
    if (v->s.help) { /* any other key closes the overlay, then acts */
        v->s.help = false;
        v->dirty = true;
    }
    switch (sym) {
    case SDLK_1: case SDLK_KP_1: go_mode(v, STEPS_PADDING); break;
    case SDLK_2: case SDLK_KP_2: go_mode(v, STEPS_CAUSAL); break;
    case SDLK_3: case SDLK_KP_3: go_mode(v, STEPS_COMBINED); break;
    case SDLK_4: case SDLK_KP_4: go_mode(v, STEPS_MLM); break;
    case SDLK_RIGHT: case SDLK_PAGEDOWN: case SDLK_SPACE: go_step(v, v->s.step + 1); break;
    case SDLK_LEFT: case SDLK_PAGEUP: case SDLK_BACKSPACE: go_step(v, v->s.step - 1); break;
    case SDLK_HOME: go_step(v, 0); break;
    case SDLK_END: go_step(v, v->st->count - 1); break;
    case SDLK_TAB: next_sentence(v, shift ? -1 : 1); break;
    case SDLK_a: toggle_batch(v); break;
    case SDLK_v: v->s.opts.show_values = !v->s.opts.show_values; v->dirty = true; break;
    case SDLK_t: v->s.opts.theme = (ThemeId)((v->s.opts.theme + 1) % THEME_COUNT); v->dirty = true; break;
    case SDLK_c: v->s.opts.palette = (ThemePalette)((v->s.opts.palette + 1) % THEME_PALETTE_COUNT); v->dirty = true; break;
    case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS: zoom(v, 1.25); break;
    case SDLK_MINUS: case SDLK_KP_MINUS: zoom(v, 1 / 1.25); break;
    case SDLK_0: case SDLK_KP_0: zoom(v, 0); break;
    case SDLK_r: reset_masks(v); break;
    case SDLK_F11:
        v->fullscreen = !v->fullscreen;
        SDL_SetWindowFullscreen(v->win, v->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        forget_hover(v);
        break;
    case SDLK_s: export_shown(v); break;
    default: break;
    }
    (void)ctrl; /* S and Ctrl+S both export; Ctrl+Q is Q */
    return true;
}

/* ---- events ------------------------------------------------------------- */

/* mouse coordinates are in window points; the layout is in drawable pixels */
static void to_pixels(View *v, int x, int y, int *px, int *py)
{
    int ww = 1, wh = 1, dw = 1, dh = 1;
    SDL_GetWindowSize(v->win, &ww, &wh);
    SDL_GetRendererOutputSize(v->r, &dw, &dh);
    *px = ww > 0 ? (int)((long long)x * dw / ww) : x;
    *py = wh > 0 ? (int)((long long)y * dh / wh) : y;
}

bool view_handle_event(View *v, const SDL_Event *e)
{
    if (e->type == notice_event && notice_event != (Uint32)-1) {
        if (v->notice[0]) {
            v->notice[0] = '\0';
            v->notice_timer = 0;
            v->dirty = true;
        }
        return true;
    }
    switch (e->type) {
    case SDL_QUIT: return false;
    case SDL_KEYDOWN: return key(v, &e->key);
    case SDL_MOUSEMOTION:
        if (e->motion.windowID != SDL_GetWindowID(v->win)) break;
        to_pixels(v, e->motion.x, e->motion.y, &v->mouse_x, &v->mouse_y);
        update_hover(v);
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.windowID != SDL_GetWindowID(v->win) || e->button.button != SDL_BUTTON_LEFT) break;
        to_pixels(v, e->button.x, e->button.y, &v->mouse_x, &v->mouse_y);
        click(v, v->mouse_x, v->mouse_y);
        update_hover(v);
        break;
    case SDL_WINDOWEVENT:
        switch (e->window.event) {
        case SDL_WINDOWEVENT_LEAVE:
            v->mouse_x = v->mouse_y = -1;
            update_hover(v);
            break;
        case SDL_WINDOWEVENT_SIZE_CHANGED: case SDL_WINDOWEVENT_RESIZED: case SDL_WINDOWEVENT_MAXIMIZED:
        case SDL_WINDOWEVENT_RESTORED: case SDL_WINDOWEVENT_DISPLAY_CHANGED:
            forget_hover(v);
            break;
        case SDL_WINDOWEVENT_EXPOSED: case SDL_WINDOWEVENT_SHOWN:
            v->dirty = true;
            break;
        default: break;
        }
        break;
    case SDL_RENDER_TARGETS_RESET: case SDL_RENDER_DEVICE_RESET:
        v->dirty = true;
        break;
    default: break;
    }
    return true;
}

/* ---- drawing ------------------------------------------------------------ */

bool view_render(View *v)
{
    if (!v->dirty) return false;
    int w = 0, h = 0;
    if (SDL_GetRendererOutputSize(v->r, &w, &h) != 0 || w <= 0 || h <= 0) return false;
    v->cz = view_chrome_sizes(v, w, h);
    view_chrome_layout(v, w, h);
    const Theme *th = theme_get(v->s.opts.theme);
    SDL_SetRenderDrawColor(v->r, th->bg.r, th->bg.g, th->bg.b, 255);
    SDL_RenderClear(v->r);
    view_lesson_draw_frame(v);
    v->laid_out = true;
    if (v->mouse_x >= 0) {
        /* the layout may have moved under the mouse: hover again, and redraw
         * the step if the highlighted token changed (layout does not depend on it) */
        DrawOptions before = v->s.opts;
        update_hover(v);
        if (before.highlight_row != v->s.opts.highlight_row || before.highlight_col != v->s.opts.highlight_col)
            view_lesson_draw_frame(v);
    }
    view_chrome_draw_bars(v);
    view_chrome_draw_overlays(v);
    view_lesson_draw_picker(v, w, h);
    SDL_RenderPresent(v->r);
    v->dirty = false;
    return true;
}

void view_invalidate(View *v)
{
    v->dirty = true;
}

/* ---- open and close ----------------------------------------------------- */

static bool state_ok(const Scenario *sc, const ViewState *s, char *err, size_t errlen)
{
    if (s->mode < 0 || s->mode >= STEPS_MODE_COUNT) {
        snprintf(err, errlen, "mode %d is not a mode", (int)s->mode);
        return false;
    }
    if (s->sentence_chosen && (s->sentence < -1 || s->sentence >= sc->sentences.count)) {
        snprintf(err, errlen, "sentence %d is out of range (0..%d or all)", s->sentence, sc->sentences.count - 1);
        return false;
    }
    if (s->opts.theme < 0 || s->opts.theme >= THEME_COUNT || s->opts.palette < 0 ||
        s->opts.palette >= THEME_PALETTE_COUNT) {
        snprintf(err, errlen, "unknown theme or palette");
        return false;
    }
    return true;
}

bool view_set_state(View *v, const ViewState *s, char *err, size_t errlen)
{
    if (!state_ok(v->sc, s, err, errlen)) return false;
    int sentence = s->sentence_chosen ? s->sentence : steps_default_sentence(v->sc, s->mode);
    if (!v->st || s->mode != v->st->mode || sentence != v->st->sentence) {
        Steps *st = steps_build(v->sc, s->mode, sentence, err, errlen);
        if (!st) return false;
        steps_free(v->st);
        v->st = st;
    }
    if (s->step < 0 || s->step >= v->st->count) {
        snprintf(err, errlen, "step %d is out of range (1..%d)", s->step + 1, v->st->count);
        return false;
    }
    DrawOptions keep = v->s.opts;
    v->s = *s;
    v->s.sentence = sentence;
    v->s.opts.highlight_row = keep.highlight_row;
    v->s.opts.highlight_col = keep.highlight_col;
    if (v->s.opts.text_zoom < ZOOM_MIN || v->s.opts.text_zoom > ZOOM_MAX) v->s.opts.text_zoom = 1.0;
    if (sentence >= 0) v->batch_return = sentence;
    update_warning(v);
    forget_hover(v);
    return true;
}

View *view_open(const Scenario *sc, const ViewConfig *cfg, bool *no_display, char *err, size_t errlen)
{
    View *v = NULL;
    if (no_display) *no_display = false;
    ViewConfig c = cfg ? *cfg : view_config_default();
    if (c.w <= 0) c.w = VIEW_DEFAULT_W;
    if (c.h <= 0) c.h = VIEW_DEFAULT_H;
    if (!state_ok(sc, &c.state, err, errlen)) goto fail;
    if (notice_event == (Uint32)-1) {
        SDL_InitSubSystem(SDL_INIT_TIMER);
        notice_event = SDL_RegisterEvents(1);
    }
    v = xcalloc(1, sizeof *v);
    v->layout = xcalloc(1, sizeof *v->layout);
    v->mouse_x = v->mouse_y = -1;
    v->hover.kind = HOVER_STALE;
    snprintf(v->export_dir, sizeof v->export_dir, "%s", c.export_dir ? c.export_dir : ".");
    v->original = scenario_copy(sc);
    v->sc = scenario_copy(sc);
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI | (c.hidden ? SDL_WINDOW_HIDDEN : SDL_WINDOW_SHOWN);
    v->win = SDL_CreateWindow("maskscope", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, c.w, c.h, flags);
    if (!v->win) {
        snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
        if (no_display) *no_display = true;
        goto fail;
    }
    SDL_SetWindowMinimumSize(v->win, 480, 320);
    /* asked for the software renderer: don't let SDL start OpenGL just to
     * see whether it could present through a texture (~200 ms under Mesa) */
    const char *drv = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
    if (drv && strcmp(drv, "software") == 0 && !SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION))
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!v->r) v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
    if (!v->r) {
        snprintf(err, errlen, "cannot draw in a window: %s", SDL_GetError());
        if (no_display) *no_display = true;
        goto fail;
    }
    v->draw = draw_new(v->r, err, errlen);
    if (!v->draw) goto fail;
    v->fonts = font_open(v->r, err, errlen);
    if (!v->fonts) goto fail;
    v->hand = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_HAND);
    v->arrow = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_ARROW);
    v->s.opts = c.state.opts;
    if (!view_set_state(v, &c.state, err, errlen)) goto fail;
    v->batch_return = v->s.sentence >= 0 ? v->s.sentence : 0;
    v->dirty = true;
    return v;
fail:
    view_close(v);
    return NULL;
}

void view_close(View *v)
{
    if (!v) return;
    if (v->notice_timer) SDL_RemoveTimer(v->notice_timer);
    if (v->hand) SDL_FreeCursor(v->hand);
    if (v->arrow) SDL_FreeCursor(v->arrow);
    font_close(v->fonts);
    draw_free(v->draw);
    if (v->r) SDL_DestroyRenderer(v->r);
    if (v->win) SDL_DestroyWindow(v->win);
    view_lesson_close(v);
    steps_free(v->st);
    scenario_free(v->sc);
    scenario_free(v->original);
    free(v->layout);
    free(v);
}

const ViewState *view_state(const View *v) { return &v->s; }
const Steps *view_steps(const View *v) { return v->st; }
const DrawLayout *view_layout(const View *v) { return v->layout; }
const ViewRegions *view_regions(const View *v) { return &v->reg; }
const char *view_notice(const View *v) { return v->notice; }
const char *view_tooltip(const View *v) { return v->tip; }
SDL_Window *view_window(View *v) { return v->win; }
SDL_Renderer *view_renderer(View *v) { return v->r; }

/* ---- the command -------------------------------------------------------- */

static const char usage[] =
    "usage: maskscope [--scenario FILE] [--mode MODE] [--sentence N|all] [--step N|NAME]\n"
    "                 [--theme light|dark] [--palette viridis|cividis]\n"
    "       maskscope --lesson FILE [--theme light|dark] [--palette viridis|cividis]\n"
    "Opens the window; press H in it for the keys. Without a display, writes the\n"
    "first frame as a PNG in the current directory instead.\n";

/* no display: the first frame as a PNG in the current directory (a
 * lesson's first step with its caption, when a lesson was asked for) */
static int headless(const Steps *st, int step, const ViewState *s, const Lesson *lesson, const char *why)
{
    char path[PATH_MAX + 128], err[512], cwd[PATH_MAX];
    bool ok;
    if (lesson) {
        char slug[56];
        lesson_slug(lesson->title, slug, sizeof slug);
        snprintf(path, sizeof path, "./maskscope-%s-01.png", slug);
        const LessonStep *ls = &lesson->steps[0];
        char progress[32];
        snprintf(progress, sizeof progress, "1 / %d", lesson->nsteps);
        DrawCaption cap = { .lesson = lesson->title, .progress = progress, .title = ls->title, .text = ls->text,
                            .code = ls->code, .question = ls->question };
        DrawOptions o = s->opts;
        o.highlight_row = ls->highlight_row;
        o.highlight_col = ls->highlight_col;
        Exporter *ex = export_new(VIEW_DEFAULT_W, VIEW_DEFAULT_H, err, sizeof err);
        ok = ex && export_draw_lesson(ex, st, step, &cap, &o) && export_save(ex, path, err, sizeof err);
        export_free(ex);
    } else {
        export_name(st, step, s->sentence_chosen, ".", false, path, sizeof path, NULL);
        ok = export_png(st, step, &s->opts, VIEW_DEFAULT_W, VIEW_DEFAULT_H, path, err, sizeof err);
    }
    if (!ok) {
        fprintf(stderr, "maskscope: no display (%s), and %s\n", why, err);
        return CLI_IO;
    }
    const char *base = path + 2; /* past "./" */
    if (getcwd(cwd, sizeof cwd))
        fprintf(stderr, "maskscope: no display (%s); wrote the first frame to %s/%s instead\n", why,
                strcmp(cwd, "/") == 0 ? "" : cwd, base);
    else
        fprintf(stderr, "maskscope: no display (%s); wrote the first frame to %s instead\n", why, path);
    return CLI_OK;
}

static bool is_fake_driver(void)
{
    const char *d = SDL_GetCurrentVideoDriver();
    return d && (strcmp(d, "dummy") == 0 || strcmp(d, "offscreen") == 0 || strcmp(d, "evdev") == 0);
}

int view_main(int argc, char **argv)
{
    CliOptions o = { .mode = STEPS_PADDING };
    ViewConfig cfg = view_config_default();
    long step = 1;
    const char *step_name = NULL, *lesson_path = NULL;
    Lesson *lesson = NULL;
    int status = CLI_OK;
    for (int i = 1; i < argc; i++) {
        int r = cli_common_option(&o, "window", argc, argv, &i);
        if (r < 0) return CLI_USAGE;
        if (r > 0) continue;
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            fputs(usage, stdout);
            return CLI_OK;
        }
        if (strcmp(opt, "--lesson") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "maskscope: --lesson needs a value\n");
                return CLI_USAGE;
            }
            lesson_path = argv[++i];
            continue;
        }
        bool takes = strcmp(opt, "--step") == 0 || strcmp(opt, "--theme") == 0 || strcmp(opt, "--palette") == 0;
        if (!takes) {
            fprintf(stderr, "maskscope: unknown option '%s'; try maskscope --help\n", opt);
            return CLI_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "maskscope: %s needs a value\n", opt);
            return CLI_USAGE;
        }
        const char *val = argv[++i];
        char *end = NULL;
        if (strcmp(opt, "--step") == 0) {
            errno = 0;
            step = strtol(val, &end, 10);
            step_name = NULL;
            if (errno || !end || *end) step_name = val; /* a slug: resolved once the steps exist */
            else if (step < 1 || step > 64) {
                fprintf(stderr, "maskscope: --step: '%s' is not a step (1, 2, ... or tokens, scores, ...)\n", val);
                return CLI_USAGE;
            }
        } else if (strcmp(opt, "--theme") == 0 ? !theme_parse(val, &cfg.state.opts.theme)
                                               : !theme_palette_parse(val, &cfg.state.opts.palette)) {
            fprintf(stderr, "maskscope: %s: '%s' is not one of %s\n", opt, val,
                    strcmp(opt, "--theme") == 0 ? "light, dark" : "viridis, cividis");
            return CLI_USAGE;
        }
    }
    if (lesson_path) {
        /* check the lesson before anything opens; its first step is the first frame */
        char lerr[512];
        bool io = false;
        if (o.scenario_path || o.mode_set || o.sentence_set || step_name || step != 1) {
            fprintf(stderr, "maskscope: --lesson sets the scenario, mode, sentence and step itself\n");
            return CLI_USAGE;
        }
        lesson = lesson_load(lesson_path, &io, lerr, sizeof lerr);
        if (!lesson) {
            fprintf(stderr, "%s\n", lerr);
            return io ? CLI_IO : CLI_USAGE;
        }
        o.mode = lesson->steps[0].mode;
        o.sentence = lesson->steps[0].sentence;
        o.sentence_set = true;
        step = lesson->steps[0].step + 1;
    }
    Scenario *sc = lesson ? lesson_state(lesson, 0) : cli_load_scenario(&o, &status);
    if (!sc) return status;
    cfg.state.mode = o.mode;
    cfg.state.sentence_chosen = o.sentence_set;
    cfg.state.sentence = cli_sentence(&o, sc);
    cfg.state.step = (int)step - 1;
    char err[512];
    Steps *first = steps_build(sc, cfg.state.mode, cfg.state.sentence, err, sizeof err);
    if (!first) {
        fprintf(stderr, "maskscope: %s\n", err);
        scenario_free(sc);
        return CLI_USAGE;
    }
    if (step_name) {
        cfg.state.step = steps_find(first, step_name);
        step = cfg.state.step + 1;
        if (cfg.state.step < 0) {
            fprintf(stderr, "maskscope: --step: '%s' is not a step (1, 2, ... or tokens, scores, ...)\n", step_name);
            steps_free(first);
            scenario_free(sc);
            return CLI_USAGE;
        }
    }
    if (cfg.state.step >= first->count) {
        fprintf(stderr, "maskscope: --step: %ld is out of range (1..%d)\n", step, first->count);
        steps_free(first);
        scenario_free(sc);
        return CLI_USAGE;
    }
    View *v = NULL;
    bool no_display = false;
    /* SDL's software renderer unless told otherwise (SDL_RENDER_DRIVER):
     * measured under Mesa it draws a frame in ~2 ms where OpenGL on
     * llvmpipe takes ~40 ms and ~200 ms to start, and its pixels are
     * exactly what `S` and `maskscope export` write */
    if (!SDL_GetHint(SDL_HINT_RENDER_DRIVER)) SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    /* without a runtime directory there is no Wayland compositor to find,
     * and libwayland would say so on stderr: try X11 and the console only */
    if (!getenv("SDL_VIDEODRIVER") && !getenv("XDG_RUNTIME_DIR") && !getenv("WAYLAND_DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,kmsdrm");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        snprintf(err, sizeof err, "%s", SDL_GetError());
        no_display = true;
    } else if (is_fake_driver()) {
        snprintf(err, sizeof err, "SDL video driver '%s'", SDL_GetCurrentVideoDriver());
        no_display = true;
    } else {
        v = view_open(sc, &cfg, &no_display, err, sizeof err);
    }
    if (!v) {
        if (no_display) {
            /* one line: SDL's own messages can span several */
            for (char *p = err; *p; p++)
                if (*p == '\n' || *p == '\r') *p = ' ';
            status = headless(first, cfg.state.step, &cfg.state, lesson, err);
        } else {
            fprintf(stderr, "maskscope: %s\n", err);
            status = CLI_IO;
        }
        goto done;
    }
    if (lesson_path && !view_open_lesson(v, lesson_path, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        status = CLI_USAGE;
        goto done;
    }
    steps_free(first);
    first = NULL;
    scenario_free(sc);
    sc = NULL;
    /* block until something happens; take everything queued; draw once */
    for (bool running = true; running;) {
        view_render(v);
        SDL_Event e;
        if (!SDL_WaitEvent(&e)) break;
        do {
            running = view_handle_event(v, &e);
        } while (running && SDL_PollEvent(&e));
    }
done:
    view_close(v);
    lesson_free(lesson);
    steps_free(first);
    scenario_free(sc);
    SDL_Quit();
    return status;
}
