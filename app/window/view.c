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


#include "atomic.h"
#include "chrome.h"
#include "deck.h"
#include "export.h"
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
    c.state.mode = mode_default();
    c.state.step = 0;
    c.state.sentence = 0;
    c.state.sentence_chosen = false;
    c.state.opts = draw_options_default();
    return c;
}

/* ---- state ------------------------------------------------------------ */

static void forget_hover(View *v);

/* whether the lesson's step is a step of st (a new storyboard may be shorter) */
static bool lesson_step_in(const View *v, const Steps *st)
{
    return v->has_caption && v->lesson_view && st && v->lesson_step < steps_count(st);
}

/* a lesson's step shows what its lesson view says (a new storyboard shows everything) */
static void lesson_show(const View *v, Steps *st)
{
    if (lesson_step_in(v, st)) steps_show(st, v->lesson_step, &v->lesson_view->show);
}

static bool same_highlight(const DrawOptions *a, const DrawOptions *b)
{
    return a->highlight_row == b->highlight_row && a->highlight_col == b->highlight_col &&
           a->highlight_sentence == b->highlight_sentence && a->highlight_cell == b->highlight_cell;
}

/* the sentences of the batch the view computes on (the MLM batch in MLM mode) */
static int sentence_count(const View *v)
{
    return engine_sentences(v->engine);
}

/* Shows (mode, sentence) and keeps the step by its slug. The engine is
 * recomputed when the mode changes or recompute asks (the scenario
 * changed); a new sentence only lays the same engine out again. A
 * chosen sentence the new mode's batch does not have becomes the mode's
 * default. Nothing changes on failure. */
static bool rebuild(View *v, const Mode *mode, int sentence, int step, bool recompute, char *err, size_t errlen)
{
    Engine *e = v->engine;
    if (recompute || !e || engine_mode(e) != mode) {
        e = engine_new(v->sc, mode, err, errlen);
        if (!e) return false;
    }
    if (sentence >= engine_sentences(e)) sentence = mode_default_sentence(mode, v->sc);
    Steps *st = steps_build(e, sentence, err, errlen);
    if (st) steps_set_decimals(st, v->s.opts.decimals);
    if (!st) {
        if (e != v->engine) engine_free(e);
        return false;
    }
    lesson_show(v, st);
    if (v->st && step >= 0 && step < steps_count(v->st)) {
        int k = steps_find(st, steps_slug(v->st, step)); /* by name: laying the old step out would read a rewritten mode row */
        if (k >= 0) step = k;
    }
    if (step >= steps_count(st)) step = steps_count(st) - 1;
    if (step < 0) step = 0;
    steps_free(v->st);
    if (e != v->engine) {
        screen_forget(v->screen); /* what it computed was the old engine's */
        engine_free(v->engine);
    }
    v->engine = e;
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
    if (v->s.mode->loss != MODE_LOSS_MLM || !v->engine) return;
    int B = engine_sentences(v->engine);
    int lo = v->s.sentence < 0 ? 0 : v->s.sentence, hi = v->s.sentence < 0 ? B - 1 : v->s.sentence;
    for (int s = lo; s <= hi; s++)
        if (engine_unscored(v->engine, s)) {
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

static void go_mode(View *v, const Mode *mode)
{
    if (!mode || mode == v->s.mode) return;
    int sentence = v->s.sentence;
    if (!v->s.sentence_chosen) sentence = mode_default_sentence(mode, v->sc);
    char err[256];
    if (!rebuild(v, mode, sentence, v->s.step, false, err, sizeof err)) show_error(v, "cannot show this mode", err);
    update_warning(v);
}

static void go_sentence(View *v, int sentence)
{
    if (sentence == v->s.sentence) return;
    char err[256];
    if (sentence >= 0) v->batch_return = sentence;
    if (!rebuild(v, v->s.mode, sentence, v->s.step, false, err, sizeof err)) {
        show_error(v, "cannot show this", err);
        return;
    }
    v->s.sentence_chosen = true;
    update_warning(v);
}

static void go_step(View *v, int step)
{
    if (step < 0) step = 0;
    if (step >= steps_count(v->st)) step = steps_count(v->st) - 1;
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

/* where the file went, for the notice: its whole path (so that it can be
 * found again), or, when the saved hook took it (the page's download),
 * the name it was handed on as */
static void whole_path(const View *v, const char *path, const char *base, char *full, size_t n)
{
    char cwd[PATH_MAX];
    if (v->saved && base)
        snprintf(full, n, "to your downloads as %s", base);
    else if (path[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(full, n, "%s/%s", cwd, strncmp(path, "./", 2) == 0 ? path + 2 : path);
    else
        snprintf(full, n, "%s", path);
}

static void export_shown(View *v)
{
    SDL_Rect f = v->reg.frame;
    char path[PATH_MAX + 128], err[512];
    const char *base = NULL;
    bool ok;
    if (v->s.screen != SCREEN_NONE) {
        char stem[160];
        int s = steps_sentence(v->st);
        snprintf(stem, sizeof stem, "maskscope-%s-%s%s%d", v->s.mode->name, screen_name(v->s.screen),
                 s < 0 ? "" : "-s", s < 0 ? v->s.step + 1 : s);
        export_free_stem(stem, "png", v->export_dir, path, sizeof path, &base);
        screen_set(v->screen, v->s.screen, v->st, v->s.step); /* the storyboard may be new since the last frame */
        ok = screen_png(v->screen, &v->s.opts, f.w, f.h, path, err, sizeof err);
    } else {
        export_free_name(v->st, v->s.step, v->s.sentence_chosen, v->export_dir, path, sizeof path, &base);
        ok = export_png(v->st, v->s.step, &v->s.opts, f.w, f.h, path, err, sizeof err);
    }
    if (!ok) {
        show_error(v, "Not saved", err);
        return;
    }
    if (v->saved && !v->saved(v->saved_ctx, path, base, err, sizeof err)) {
        show_error(v, "Not saved", err);
        return;
    }
    char full[2 * PATH_MAX + 160];
    whole_path(v, path, base, full, sizeof full);
    char msg[sizeof v->notice];
    snprintf(msg, sizeof msg, "Saved %.240s (%d\u00d7%d)", full, f.w, f.h);
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
    const Panel *p = &steps_at(v->st, v->s.step)->panels[b->panel];
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
    if (!v->laid_out || x < 0 || y < 0 || v->s.help || view_modal(v)) return h;
    const ViewRegions *g = &v->reg;
    if (v->s.modes) {
        for (int m = 0; m < g->nmode_rows; m++)
            if (in_rect(g->mode_rows[m], x, y))
                return (Hover){ .kind = HOVER_MODE_ROW, .index = m, .anchor = g->mode_rows[m] };
        return h;
    }
    for (int t = 0; t < g->ntabs; t++)
        if (in_rect(g->tabs[t], x, y)) return (Hover){ .kind = HOVER_TAB, .index = t, .anchor = g->tabs[t] };
    if (in_rect(g->prev, x, y)) return (Hover){ .kind = HOVER_PREV, .anchor = g->prev };
    if (in_rect(g->next, x, y)) return (Hover){ .kind = HOVER_NEXT, .anchor = g->next };
    for (int i = 0; i < g->nsteps; i++)
        if (in_rect(g->steps[i], x, y)) return (Hover){ .kind = HOVER_STEP, .index = i, .anchor = g->steps[i] };
    for (int i = 0; i < g->nterms; i++)
        if (in_rect(g->terms[i], x, y)) return (Hover){ .kind = HOVER_TERM, .index = i, .anchor = g->terms[i] };
    for (int i = 0; i < g->nsentences; i++)
        if (in_rect(g->sentences[i], x, y))
            return (Hover){ .kind = HOVER_SENTENCE, .index = g->sentence_of[i], .anchor = g->sentences[i] };
    if (!in_rect(g->frame, x, y)) return h;
    if (v->s.screen != SCREEN_NONE) {
        ScreenHit sh;
        if (!screen_hit(v->screen, x, y, &sh)) return h;
        return (Hover){ .kind = HOVER_SCREEN, .index = sh.part, .box = sh.part, .row = sh.row, .col = sh.col,
                        .sentence = -1, .pos = -1, .anchor = { x, y, 1, 1 } };
    }
    const DrawLayout *l = v->layout;
    int box, row, col;
    if (draw_hit(l, x, y, &box, &row, &col)) {
        const Panel *p = &steps_at(v->st, v->s.step)->panels[l->panels[box].panel];
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
    bool in_view = l->view.w <= 0 || in_rect(l->view, x, y);
    for (int i = 0; i < l->npanels && in_view; i++) {
        int s, pos;
        if (label_token(v, &l->panels[i], x, y, &s, &pos)) {
            h.kind = HOVER_TOKEN;
            h.sentence = s;
            h.pos = pos;
            h.box = i;
            SDL_Rect rl = l->panels[i].row_labels;
            if (in_rect(rl, x, y)) h.row = pos; else h.col = pos;
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
    o->highlight_row = o->highlight_col = o->highlight_sentence = -1;
    o->highlight_cell = false;
    v->tip[0] = '\0';
    const Steps *st = v->st;
    ScreenHit sh = { h->index, h->row, h->col };
    screen_point(v->screen, h->kind == HOVER_SCREEN ? &sh : NULL);
    if (h->kind == HOVER_SCREEN) {
        screen_explain(v->screen, &sh, v->tip, sizeof v->tip);
    } else if (h->kind == HOVER_CELL) {
        const Panel *p = &steps_at(st, v->s.step)->panels[v->layout->panels[h->box].panel];
        o->highlight_row = h->row;
        if (axis_is(p->col_axis, "key", "token")) o->highlight_col = h->col;
        steps_explain(st, v->s.step, v->layout->panels[h->box].panel, h->row, h->col, v->tip, sizeof v->tip);
    } else if (h->kind == HOVER_TOKEN) {
        o->highlight_row = o->highlight_col = h->pos;
        if (h->on_cell) { /* a cell of a [B, L] matrix: that one cell */
            o->highlight_sentence = h->sentence;
            o->highlight_cell = true;
        }
        const Engine *e = v->engine;
        const char *w = "?";
        int id = -1, used = 0;
        if (h->box >= 0) /* the word from the batch the panel's axis shows (corruption changes it) */
            steps_token(st, v->s.step, v->layout->panels[h->box].panel, !h->on_cell && h->row >= 0, h->sentence,
                        h->pos, &w, &id);
        if (h->on_cell) {
            steps_explain(st, v->s.step, v->layout->panels[h->box].panel, h->row, h->col, v->tip, sizeof v->tip);
            used = (int)strlen(v->tip);
            if (used > 0 && used < (int)sizeof v->tip - 1) v->tip[used++] = '\n', v->tip[used] = '\0';
        }
        used += snprintf(v->tip + used, sizeof v->tip - (size_t)used, "\u201c%s\u201d: token %d of sentence %d (id %d)",
                         w, h->pos, h->sentence, id);
        if (v->s.mode->batch == MODE_BATCH_MLM && used < (int)sizeof v->tip) {
            bool real = engine_is_real(e, h->sentence, h->pos);
            bool masked = engine_id(e, h->sentence, h->pos) == engine_mask_id(e);
            snprintf(v->tip + used, sizeof v->tip - (size_t)used, "\n%s",
                     !real && !masked ? "[PAD] cannot be masked"
                     : masked         ? "click: put the word back (unmask)"
                                      : "click: replace it by [MASK]");
        }
    }
    if (v->hand && v->arrow)
        SDL_SetCursor(h->kind == HOVER_TAB || h->kind == HOVER_MODE_ROW || h->kind == HOVER_PREV || h->kind == HOVER_NEXT ||
                              h->kind == HOVER_STEP || h->kind == HOVER_SENTENCE || h->kind == HOVER_TERM ||
                              (h->kind == HOVER_TOKEN && v->s.mode->batch == MODE_BATCH_MLM)
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
    int src = engine_word_index(v->engine, s, pos);
    double before = engine_loss(v->engine);
    const char *word = NULL;
    if (s >= 0 && s < v->sc->mlm_source.count && src >= 0 && src < v->sc->mlm_source.lengths[s])
        word = scenario_word(v->sc, v->sc->mlm_source.ids[s][src]);
    if (!scenario_toggle_mlm(v->sc, s, src)) {
        set_notice(v, "[PAD] is padding, not a word: it cannot be masked.");
        return;
    }
    bool masked = v->sc->mlm_masked[s][src];
    char err[256];
    if (!rebuild(v, v->s.mode, v->s.sentence, v->s.step, true, err, sizeof err)) {
        scenario_toggle_mlm(v->sc, s, src); /* undo: the view keeps what it showed */
        show_error(v, "cannot recompute", err);
        return;
    }
    update_warning(v);
    char msg[320];
    snprintf(msg, sizeof msg, "%s \u201c%s\u201d in sentence %d: mean loss %.3f \u2192 %.3f", masked ? "Masked" : "Unmasked",
             word ? word : "?", s, before, engine_loss(v->engine));
    set_notice(v, msg);
}

static bool show(View *v, const Scenario *sc, const ViewState *state, bool as_original, char *err, size_t errlen);

static void reset_masks(View *v)
{
    char err[256];
    if (!show(v, v->original, NULL, false, err, sizeof err)) {
        show_error(v, "cannot reset", err);
        return;
    }
    set_notice(v, "Every [MASK] is back where the scenario put it.");
}

/* the mode picker, open or closed; it starts on the mode shown */
static void open_modes(View *v, bool open)
{
    v->s.modes = open;
    v->modes_sel = mode_index(v->s.mode);
    forget_hover(v);
}

/* N: the mode's random draw (BERT's choice, T5's spans) with the next seed */
static void redraw(View *v)
{
    const Mode *m = v->s.mode;
    uint64_t before = scenario_draw_seed(v->sc, m->redraw);
    if (!scenario_redraw(v->sc, m->redraw)) {
        set_notice(v, "N draws the corruption anew in modes that draw one (bert, t5).");
        return;
    }
    if (scenario_draw_seed(v->original, m->redraw) == before)
        scenario_redraw(v->original, m->redraw); /* R keeps it, as it keeps W */
    char err[256], msg[320];
    if (!rebuild(v, m, v->s.sentence, v->s.step, true, err, sizeof err)) {
        show_error(v, "cannot show this", err);
        return;
    }
    engine_draw_summary(v->engine, msg, sizeof msg);
    set_notice(v, msg);
}

/* [ and ]: the shown scheme's setting (W, P, S, pack_length, N), recomputed at once */
static void nudge_setting(View *v, int by)
{
    const Mode *m = v->s.mode;
    if (m->setting == SETTING_NONE) {
        set_notice(v, "This mode has nothing for [ and ] to change.");
        return;
    }
    int s = v->s.sentence < 0 ? 0 : v->s.sentence;
    int before = scenario_setting(v->sc, m->setting, s);
    if (m->setting == SETTING_PACK_LENGTH && before == 0) before = engine_length(v->engine);
    if (!scenario_set(v->sc, m->setting, before + by)) return;
    char err[256];
    if (!rebuild(v, m, v->s.sentence, v->s.step, true, err, sizeof err)) {
        scenario_set(v->sc, m->setting, before); /* the view keeps what it showed */
        show_error(v, "cannot show this", err);
        return;
    }
    scenario_set(v->original, m->setting, scenario_setting(v->sc, m->setting, s)); /* R keeps it */
    update_warning(v);
    char msg[160];
    snprintf(msg, sizeof msg, "%s = %d", m->setting_label, scenario_setting(v->sc, m->setting, s));
    set_notice(v, msg);
}

/* shows the builder's mode made from spec; on failure the view keeps what it showed */
static bool go_build(View *v, const char *spec)
{
    char before[256], err[256];
    bool was_built = mode_is_built(v->s.mode);
    if (was_built) mode_build_spec(v->s.mode, -1, before, sizeof before);
    const Mode *m = mode_build(spec, v->sc, err, sizeof err);
    if (!m) {
        show_error(v, "cannot build this mask", err);
        return false;
    }
    int sentence = v->s.sentence_chosen ? v->s.sentence : mode_default_sentence(m, v->sc);
    if (!rebuild(v, m, sentence, v->s.step, true, err, sizeof err)) {
        show_error(v, "cannot show this mask", err);
        /* the row was rewritten: put back the terms the engine was computed with */
        if (was_built) mode_build(before, v->sc, err, sizeof err);
        return false;
    }
    update_warning(v);
    return true;
}

/* B: into the builder, starting from the terms on screen; in it, back */
static void toggle_builder(View *v)
{
    if (mode_is_built(v->s.mode)) {
        go_mode(v, v->built_from ? v->built_from : mode_default());
        return;
    }
    char spec[256];
    mode_build_spec(v->s.mode, -1, spec, sizeof spec);
    const Mode *from = v->s.mode;
    if (go_build(v, spec[0] ? spec : "padding,causal")) {
        v->built_from = from;
        set_notice(v, "Your mask: click a term, or press Shift and its number, to add or remove it.");
    }
}

/* a term chip or Shift+digit: term i in or out of the built mask */
static void toggle_term(View *v, int i)
{
    if (!mode_is_built(v->s.mode) || i < 0 || i >= mode_buildable_count()) return;
    char spec[256];
    mode_build_spec(v->s.mode, i, spec, sizeof spec);
    if (!spec[0]) {
        set_notice(v, "A mask needs at least one term.");
        return;
    }
    go_build(v, spec);
}

static void click(View *v, int x, int y)
{
    if (v->s.modes) {
        Hover h = hit(v, x, y);
        if (h.kind == HOVER_MODE_ROW) {
            open_modes(v, false);
            go_mode(v, mode_at(h.index));
        } else {
            open_modes(v, false); /* a click outside closes it */
        }
        return;
    }
    if (v->s.help) {
        v->s.help = false;
        v->dirty = true;
        return;
    }
    Hover h = hit(v, x, y);
    switch (h.kind) {
    case HOVER_TAB: {
        int m = v->reg.tab_mode[h.index];
        if (m >= 0 && mode_at(m)->key) go_mode(v, mode_at(m));
        else open_modes(v, true);
        break;
    }
    case HOVER_MODE_ROW:
        open_modes(v, false);
        go_mode(v, mode_at(h.index));
        break;
    case HOVER_PREV: go_step(v, v->s.step - 1); break;
    case HOVER_NEXT: go_step(v, v->s.step + 1); break;
    case HOVER_STEP: go_step(v, h.index); break;
    case HOVER_TERM: toggle_term(v, h.index); break;
    case HOVER_SENTENCE:
        if (h.index < 0 && v->s.sentence >= 0) v->batch_return = v->s.sentence;
        go_sentence(v, h.index);
        break;
    case HOVER_TOKEN:
        if (v->s.mode->batch == MODE_BATCH_MLM) toggle_mask(v, h.sentence, h.pos);
        break;
    default: break;
    }
}

/* ---- the sentence editor and the question before quitting ---------------- */

bool view_modal(const View *v)
{
    return v->asking || editor_is_open(v->editor);
}

/* E: the editor on the sentences shown. Text input goes on (an input
 * method, the browser's keyboard), and the letter that opened the editor
 * does not arrive in it as text. */
static void open_editor(View *v)
{
    char note[480] = "";
    size_t k = 0;
    if (v->s.mode->batch == MODE_BATCH_MLM && !scenario_mlm_is_batch(v->sc))
        k += (size_t)snprintf(note, sizeof note, "The MLM tab shows a batch of its own (the scenario's "
                              "mlm.sentences): these are the sentences of the other modes, and it stays as it is. ");
    if (v->has_caption && k < sizeof note)
        snprintf(note + k, sizeof note - k, "Enter leaves the lesson, whose steps were written for its own "
                 "sentences; L goes back to it.");
    editor_open(v->editor, v->sc, note[0] ? note : NULL);
    v->s.help = v->s.modes = false;
    v->text_was_on = SDL_IsTextInputActive();
    SDL_StartTextInput();
    SDL_FlushEvents(SDL_TEXTEDITING, SDL_TEXTINPUT);
    forget_hover(v);
}

static void close_editor(View *v)
{
    editor_close(v->editor);
    if (!v->text_was_on) SDL_StopTextInput();
    forget_hover(v);
}

/* the scenario shown, as JSON the command line reads (--scenario, check),
 * at a free name beside the PNGs S saves; msg says where, or why not */
static bool save_scenario(View *v, char *msg, size_t n)
{
    char path[PATH_MAX + 128], err[512], full[2 * PATH_MAX + 160];
    const char *base = NULL;
    export_free_stem("maskscope-scenario", "json", v->export_dir, path, sizeof path, &base);
    char *json = scenario_to_json(v->sc);
    bool ok = atomic_write(path, json, strlen(json), err, sizeof err) &&
              (!v->saved || v->saved(v->saved_ctx, path, base, err, sizeof err));
    free(json);
    if (!ok) {
        snprintf(msg, n, "Not saved: %.300s", err);
        return false;
    }
    v->unsaved = false;
    whole_path(v, path, base, full, sizeof full);
    int B = v->sc->sentences.count;
    snprintf(msg, n, "Saved %.240s (%d sentence%s; maskscope --scenario opens it)", full, B, B == 1 ? "" : "s");
    return true;
}

/* "3 sentences on screen; new words: dog = 6, sat = 7. E, then Ctrl+S, saves them." (next's
 * words past the first known ones are new) */
static void applied_text(const Scenario *next, int known, char *msg, size_t n)
{
    int B = next->sentences.count, news = next->vocab.count - known;
    size_t k = (size_t)snprintf(msg, n, "%d sentence%s on screen", B, B == 1 ? "" : "s");
    for (int i = known; i < next->vocab.count && k + 16 < n; i++)
        k += (size_t)snprintf(msg + k, n - k, "%s%.40s = %d", i == known ? (news == 1 ? "; new word: " : "; new words: ") : ", ",
                              next->vocab.words[i], next->vocab.ids[i]);
    if (k < n) snprintf(msg + k, n - k, ". E, then Ctrl+S, saves them.");
}

/* Enter, and Ctrl+S: the editor's sentences on screen, in the same mode,
 * step and (where it still exists) sentence; Ctrl+S then saves the
 * scenario. On a problem the editor stays open and says what it is. */
static void apply_edit(View *v, bool save)
{
    Editor *ed = v->editor;
    const Scenario *next = editor_result(ed);
    char msg[sizeof v->notice] = "", err[256];
    if (!next) {
        int line;
        const char *why = editor_problem(ed, &line);
        if (save) {
            snprintf(err, sizeof err, "Not saved: %.200s", why ? why : "the text has a problem");
            editor_set_problem(ed, line, err);
        }
        return;
    }
    if (editor_changed(ed)) {
        ViewState want = v->s;
        int n, Lq, Lk;
        mode_shape(want.mode, next, &n, &Lq, &Lk);
        if (want.sentence >= n) want.sentence_chosen = false;
        if (!want.sentence_chosen) want.sentence = mode_default_sentence(want.mode, next);
        applied_text(next, v->sc->vocab.count, msg, sizeof msg);
        if (!show(v, next, &want, true, err, sizeof err)) {
            editor_set_problem(ed, -1, err);
            return;
        }
        v->unsaved = true;
        v->edits++;
    } else if (!save) {
        snprintf(msg, sizeof msg, "The sentences are as they were.");
    }
    if (save) save_scenario(v, msg, sizeof msg);
    close_editor(v);
    set_notice(v, msg);
}

static void edit_key(View *v, const SDL_Keysym *k)
{
    switch (editor_key(v->editor, k)) {
    case EDITOR_APPLY: apply_edit(v, false); break;
    case EDITOR_SAVE: apply_edit(v, true); break;
    case EDITOR_CANCEL: {
        bool changed = editor_changed(v->editor);
        close_editor(v);
        if (changed) set_notice(v, "Edits discarded: the sentences are as they were.");
        break;
    }
    default: break;
    }
    v->dirty = true;
}

bool view_may_quit(View *v)
{
#ifdef __EMSCRIPTEN__
    (void)v;
    return true; /* a page is closed by its tab, and cannot ask first */
#else
    if (!v->unsaved && !(editor_is_open(v->editor) && editor_changed(v->editor))) return true;
    v->asking = true;
    v->esc_at = 0;
    forget_hover(v);
    return false;
#endif
}

/* the answer to "Quit without saving your sentences?": Y quits (false), N or Esc goes back */
static bool answer(View *v, bool quit)
{
    v->asking = false;
    SDL_FlushEvents(SDL_TEXTEDITING, SDL_TEXTINPUT); /* the answer's letter is no text for the editor */
    forget_hover(v);
    return !quit;
}

/* ---- keys -------------------------------------------------------------- */

static void zoom(View *v, double factor)
{
    double z = factor == 0 ? 1.0 : v->s.opts.text_zoom * factor;
    if (z < ZOOM_MIN) z = ZOOM_MIN;
    if (z > ZOOM_MAX) z = ZOOM_MAX;
    if (fabs(z - 1.0) < 0.01) z = 1.0;
    if (z == v->s.opts.text_zoom) return;
    /* keep the middle of what is shown in the middle */
    const DrawLayout *l = v->layout;
    double k = z / v->s.opts.text_zoom;
    v->s.opts.pan_x = (int)lround((l->pan_x + l->view.w / 2.0) * k - l->view.w / 2.0);
    v->s.opts.pan_y = (int)lround((l->pan_y + l->view.h / 2.0) * k - l->view.h / 2.0);
    if (z == 1.0) v->s.opts.pan_x = v->s.opts.pan_y = 0;
    v->s.opts.text_zoom = z;
    forget_hover(v);
}

/* Shift+arrows and dragging: move the matrices under a zoom too big for the frame */
static void pan(View *v, int dx, int dy)
{
    const DrawLayout *l = v->layout;
    int mx = l->content_w - l->view.w, my = l->content_h - l->view.h;
    int x = l->pan_x + dx, y = l->pan_y + dy;
    x = x < 0 ? 0 : x > mx ? (mx > 0 ? mx : 0) : x;
    y = y < 0 ? 0 : y > my ? (my > 0 ? my : 0) : y;
    if (x == l->pan_x && y == l->pan_y) return;
    v->s.opts.pan_x = x;
    v->s.opts.pan_y = y;
    forget_hover(v);
}

static void next_sentence(View *v, int dir)
{
    int n = sentence_count(v);
    if (n <= 0) return;
    /* the whole batch on pages: Tab turns them, past the last to the first sentence */
    const DrawLayout *l = v->layout;
    if (v->s.sentence < 0 && l->pages > 1 && l->page + dir >= 0 && l->page + dir < l->pages) {
        v->s.opts.page = l->page + dir;
        forget_hover(v);
        return;
    }
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

/* the character a number key (top row or keypad) types, or 0 */
static char key_char(SDL_Keycode sym)
{
    if (sym >= SDLK_0 && sym <= SDLK_9) return (char)('0' + (sym - SDLK_0));
    if (sym >= SDLK_KP_1 && sym <= SDLK_KP_9) return (char)('1' + (sym - SDLK_KP_1));
    if (sym >= SDLK_a && sym <= SDLK_z) return (char)('a' + (sym - SDLK_a));
    return 0;
}

/* F and I: the translator or the leak view in place of the step, or back */
static void toggle_screen(View *v, ScreenKind kind)
{
    v->s.screen = v->s.screen == kind ? SCREEN_NONE : kind;
    forget_hover(v);
}

/* G: the gallery of classic bugs, and back to the mode it was opened from */
static void toggle_gallery(View *v)
{
    const Mode *gallery = mode_find("bugs");
    if (v->s.mode == gallery) {
        go_mode(v, v->gallery_from ? v->gallery_from : mode_default());
        return;
    }
    v->gallery_from = v->s.mode;
    go_mode(v, gallery);
}

static bool key(View *v, const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    Uint16 mod = k->keysym.mod;
    bool ctrl = (mod & KMOD_CTRL) != 0, shift = (mod & KMOD_SHIFT) != 0;
    if (v->asking) {
        if (sym == SDLK_y) return answer(v, true);
        if (sym == SDLK_n || sym == SDLK_ESCAPE) answer(v, false);
        return true;
    }
    if (editor_is_open(v->editor)) {
        edit_key(v, &k->keysym);
        return true;
    }
    if (sym == SDLK_q) return !view_may_quit(v);
    if (v->s.modes) {
        int n = mode_count();
        switch (sym) {
        case SDLK_UP: v->modes_sel = (v->modes_sel + n - 1) % n; break;
        case SDLK_DOWN: v->modes_sel = (v->modes_sel + 1) % n; break;
        case SDLK_RETURN: case SDLK_KP_ENTER: case SDLK_SPACE: case SDLK_RIGHT: {
            const Mode *chosen = mode_at(v->modes_sel);
            open_modes(v, false);
            go_mode(v, chosen);
            break;
        }
        case SDLK_ESCAPE: case SDLK_m: open_modes(v, false); break;
        default: break;
        }
        v->dirty = true;
        return true;
    }
    if (sym == SDLK_ESCAPE && !v->s.help && v->s.screen != SCREEN_NONE) {
        toggle_screen(v, v->s.screen);
        return true;
    }
    if (sym == SDLK_ESCAPE) {
        /* Esc closes what is open, else leaves fullscreen; it quits only
         * when pressed twice within a second with nothing else to close */
        if (v->s.help) {
            v->s.help = false;
            v->dirty = true;
            return true;
        }
        if (v->fullscreen) {
            v->fullscreen = false;
            SDL_SetWindowFullscreen(v->win, 0);
            forget_hover(v);
            return true;
        }
        Uint32 now = SDL_GetTicks();
        if (v->esc_at && now - v->esc_at <= VIEW_ESC_TWICE_MS) return !view_may_quit(v);
        v->esc_at = now ? now : 1;
        set_notice(v, "Press Esc again to quit (or Q).");
        return true;
    }
    v->esc_at = 0;
    if (sym == SDLK_h || sym == SDLK_F1) {
        v->s.help = !v->s.help;
        forget_hover(v);
        return true;
    }
    if (v->s.help) { /* any other key closes the overlay, then acts */
        v->s.help = false;
        v->dirty = true;
    }
    if (shift && (sym == SDLK_LEFT || sym == SDLK_RIGHT || sym == SDLK_UP || sym == SDLK_DOWN)) {
        int sx = v->layout->view.w / 4, sy = v->layout->view.h / 4;
        pan(v, sym == SDLK_LEFT ? -sx : sym == SDLK_RIGHT ? sx : 0, sym == SDLK_UP ? -sy : sym == SDLK_DOWN ? sy : 0);
        return true;
    }
    if (shift && mode_is_built(v->s.mode) && sym >= SDLK_1 && sym <= SDLK_9) {
        toggle_term(v, (int)(sym - SDLK_1));
        return true;
    }
    switch (sym) {
    case SDLK_RIGHT: case SDLK_PAGEDOWN: case SDLK_SPACE: go_step(v, v->s.step + 1); break;
    case SDLK_LEFT: case SDLK_PAGEUP: case SDLK_BACKSPACE: go_step(v, v->s.step - 1); break;
    case SDLK_HOME: go_step(v, 0); break;
    case SDLK_END: go_step(v, steps_count(v->st) - 1); break;
    case SDLK_TAB: next_sentence(v, shift ? -1 : 1); break;
    case SDLK_a: v->s.opts.page = 0; toggle_batch(v); break;
    case SDLK_v: v->s.opts.show_values = !v->s.opts.show_values; v->dirty = true; break;
    case SDLK_d:
        /* 2 decimals, or 4 as the notebook prints tensors */
        v->s.opts.decimals = v->s.opts.decimals == 2 ? 4 : 2;
        steps_set_decimals(v->st, v->s.opts.decimals);
        set_notice(v, v->s.opts.decimals == 4 ? "4 decimals, as PyTorch prints them" : "2 decimals");
        break;
    case SDLK_t: v->s.opts.theme = (ThemeId)((v->s.opts.theme + 1) % THEME_COUNT); v->dirty = true; break;
    case SDLK_c: v->s.opts.palette = (ThemePalette)((v->s.opts.palette + 1) % THEME_PALETTE_COUNT); v->dirty = true; break;
    case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS: zoom(v, 1.25); break;
    case SDLK_MINUS: case SDLK_KP_MINUS: zoom(v, 1 / 1.25); break;
    case SDLK_0: case SDLK_KP_0: zoom(v, 0); break;
    case SDLK_r: reset_masks(v); break;
    case SDLK_n: redraw(v); break;
    case SDLK_F11:
        v->fullscreen = !v->fullscreen;
        SDL_SetWindowFullscreen(v->win, v->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        forget_hover(v);
        break;
    case SDLK_s: export_shown(v); break;
    case SDLK_e: open_editor(v); break;
    case SDLK_m: open_modes(v, true); break;
    case SDLK_b: toggle_builder(v); break;
    case SDLK_k:
        if (!v->has_caption) break;
        v->caption_hidden = !v->caption_hidden;
        set_notice(v, v->caption_hidden ? "The caption is folded away: K shows it again." : "The caption is back.");
        forget_hover(v);
        break;
    case SDLK_f: toggle_screen(v, SCREEN_CONVENTIONS); break;
    case SDLK_i: toggle_screen(v, SCREEN_LEAKS); break;
    case SDLK_g: toggle_gallery(v); break;
    case SDLK_LEFTBRACKET: nudge_setting(v, -1); break;
    case SDLK_RIGHTBRACKET: nudge_setting(v, +1); break;
    default:
        go_mode(v, mode_for_key(key_char(sym)));
        break;
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

bool view_escape_closes(const View *v)
{
    return v->s.help || v->s.modes || v->fullscreen || v->s.screen != SCREEN_NONE || view_modal(v);
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
    case SDL_QUIT: return v->asking ? answer(v, true) : !view_may_quit(v); /* asked already: a second close quits */
    case SDL_KEYDOWN: return key(v, &e->key);
    case SDL_TEXTINPUT:
        if (editor_is_open(v->editor) && !v->asking) editor_type(v->editor, e->text.text);
        v->dirty = true;
        break;
    case SDL_TEXTEDITING:
        if (editor_is_open(v->editor) && !v->asking) editor_compose(v->editor, e->edit.text);
        v->dirty = true;
        break;
    case SDL_MOUSEWHEEL:
        if (editor_is_open(v->editor) && !v->asking && e->wheel.y) {
            int n = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? e->wheel.y : -e->wheel.y;
            editor_scroll(v->editor, n);
            v->dirty = true;
        }
        break;
    case SDL_MOUSEMOTION: {
        if (e->motion.windowID != SDL_GetWindowID(v->win)) break;
        int px = v->mouse_x, py = v->mouse_y;
        to_pixels(v, e->motion.x, e->motion.y, &v->mouse_x, &v->mouse_y);
        /* dragging with the left button held moves zoomed matrices */
        if (v->dragging && (e->motion.state & SDL_BUTTON_LMASK) && px >= 0)
            pan(v, px - v->mouse_x, py - v->mouse_y);
        update_hover(v);
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.windowID != SDL_GetWindowID(v->win) || e->button.button != SDL_BUTTON_LEFT) break;
        to_pixels(v, e->button.x, e->button.y, &v->mouse_x, &v->mouse_y);
        if (v->asking) /* Y quits; N, or a click beside the question, goes back */
            return answer(v, in_rect(v->reg.quit_yes, v->mouse_x, v->mouse_y));
        if (editor_is_open(v->editor)) { /* the editor's panel takes the click; outside it, nothing happens */
            editor_click(v->editor, v->mouse_x, v->mouse_y);
            v->dirty = true;
            break;
        }
        v->dragging = in_rect(v->layout->view, v->mouse_x, v->mouse_y) &&
                      (v->layout->content_w > v->layout->view.w || v->layout->content_h > v->layout->view.h);
        click(v, v->mouse_x, v->mouse_y);
        update_hover(v);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT) v->dragging = false;
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

/* the step, with the caption panel under it when a lesson set one */
static void draw_frame(View *v)
{
    v->reg.caption = (SDL_Rect){ 0, 0, 0, 0 };
    if (v->s.screen != SCREEN_NONE) {
        /* a screen instead of the step: the step's layout holds nothing the mouse can hit */
        v->layout->npanels = 0;
        v->layout->frame = v->reg.frame;
        screen_set(v->screen, v->s.screen, v->st, v->s.step);
        screen_draw(v->screen, v->paint, &v->s.opts, v->reg.frame);
        return;
    }
    /* the lesson's highlight on its step, unless the mouse is pointing at something */
    DrawOptions o = v->s.opts;
    if (o.highlight_row < 0 && o.highlight_col < 0 && o.highlight_sentence < 0 && v->has_caption &&
        v->lesson_view && v->s.step == v->lesson_step)
        deck_highlight(v->lesson_view, &o);
    if (!v->has_caption || v->caption_hidden) {
        draw_step(v->draw, v->st, v->s.step, &o, v->reg.frame, v->layout);
        return;
    }
    draw_lesson_frame(v->draw, v->st, v->s.step, &v->caption, &o, v->reg.frame, v->layout);
    v->reg.caption = v->layout->caption;
}

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
    draw_frame(v);
    v->laid_out = true;
    if (v->mouse_x >= 0) {
        /* the layout may have moved under the mouse: hover again, and redraw
         * the step if the highlighted token changed (layout does not depend on it) */
        DrawOptions before = v->s.opts;
        update_hover(v);
        if (!same_highlight(&before, &v->s.opts)) draw_frame(v);
    }
    view_chrome_draw_bars(v);
    view_chrome_draw_overlays(v);
    if (v->overlay) v->overlay(v->overlay_ctx, v->paint, theme_get(v->s.opts.theme), w, h);
    view_chrome_draw_question(v);
    if (editor_is_open(v->editor)) {
        /* where an input method puts its candidates: at the caret, in window points */
        SDL_Rect c = editor_caret_rect(v->editor);
        int ww = 1, wh = 1;
        SDL_GetWindowSize(v->win, &ww, &wh);
        SDL_Rect pt = { c.x * ww / w, c.y * wh / h, 1 + c.w * ww / w, 1 + c.h * wh / h };
        SDL_SetTextInputRect(&pt);
    }
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
    if (!s->mode) {
        snprintf(err, errlen, "no mode");
        return false;
    }
    int n, Lq, Lk;
    mode_shape(s->mode, sc, &n, &Lq, &Lk);
    if (s->sentence_chosen && (s->sentence < -1 || s->sentence >= n)) {
        snprintf(err, errlen, "sentence %d is out of range (0..%d or all)", s->sentence, n - 1);
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
    int sentence = s->sentence_chosen ? s->sentence : mode_default_sentence(s->mode, v->sc);
    Engine *e = v->engine;
    Steps *st = v->st;
    if (!e || engine_mode(e) != s->mode) {
        e = engine_new(v->sc, s->mode, err, errlen);
        if (!e) return false;
    }
    if (e != v->engine || !st || steps_sentence(st) != sentence) {
        st = steps_build(e, sentence, err, errlen);
        if (!st) goto fail;
        lesson_show(v, st);
    }
    steps_set_decimals(st, s->opts.decimals);
    if (s->step < 0 || s->step >= steps_count(st)) {
        snprintf(err, errlen, "step %d is out of range (1..%d)", s->step + 1, steps_count(st));
        goto fail;
    }
    if (st != v->st) steps_free(v->st);
    if (e != v->engine) {
        screen_forget(v->screen); /* what it computed was the old engine's */
        engine_free(v->engine);
    }
    v->engine = e;
    v->st = st;
    DrawOptions keep = v->s.opts;
    v->s = *s;
    v->s.sentence = sentence;
    v->s.opts.highlight_row = keep.highlight_row;
    v->s.opts.highlight_col = keep.highlight_col;
    v->s.opts.pan = true; /* the window pans what zoom makes too big; it never shrinks it back */
    v->s.opts.pan_x = keep.pan_x;
    v->s.opts.pan_y = keep.pan_y;
    v->s.opts.highlight_sentence = keep.highlight_sentence;
    v->s.opts.highlight_cell = keep.highlight_cell;
    if (v->s.opts.text_zoom < ZOOM_MIN || v->s.opts.text_zoom > ZOOM_MAX) v->s.opts.text_zoom = 1.0;
    if (sentence >= 0) v->batch_return = sentence;
    update_warning(v);
    forget_hover(v);
    return true;
fail:
    if (st != v->st) steps_free(st);
    if (e != v->engine) engine_free(e);
    return false;
}

/* shows a copy of sc in state (NULL: the current one); the view is
 * unchanged on failure */
static bool show(View *v, const Scenario *sc, const ViewState *state, bool as_original, char *err, size_t errlen)
{
    ViewState want = state ? *state : v->s;
    Scenario *copy = scenario_copy(sc), *old_sc = v->sc;
    Engine *old_e = v->engine;
    Steps *old_st = v->st;
    v->sc = copy;
    v->engine = NULL;
    v->st = NULL;
    if (!view_set_state(v, &want, err, errlen)) {
        scenario_free(copy);
        v->sc = old_sc;
        v->engine = old_e;
        v->st = old_st;
        return false;
    }
    steps_free(old_st);
    engine_free(old_e);
    scenario_free(old_sc);
    if (as_original) {
        scenario_free(v->original);
        v->original = scenario_copy(sc);
    }
    return true;
}

bool view_set_scenario(View *v, const Scenario *sc, const ViewState *s, char *err, size_t errlen)
{
    if (!show(v, sc, s, true, err, errlen)) return false;
    if (editor_is_open(v->editor)) close_editor(v);
    v->unsaved = v->asking = false;
    return true;
}

void view_to_pixels(View *v, int x, int y, int *px, int *py)
{
    to_pixels(v, x, y, px, py);
}

void view_set_caption(View *v, const DrawCaption *cap, int step, const LessonView *lv)
{
    if (lesson_step_in(v, v->st)) steps_show(v->st, v->lesson_step, NULL);
    v->has_caption = cap != NULL;
    if (cap) v->caption = *cap;
    v->lesson_step = cap && step >= 0 && step < steps_count(v->st) ? step : -1;
    v->lesson_view = v->lesson_step >= 0 ? lv : NULL;
    lesson_show(v, v->st);
    forget_hover(v);
}

void view_set_overlay(View *v, ViewOverlay draw, void *ctx)
{
    v->overlay = draw;
    v->overlay_ctx = ctx;
    v->dirty = true;
}

void view_notice_show(View *v, const char *msg)
{
    set_notice(v, msg);
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
    v->saved = c.saved;
    v->saved_ctx = c.saved_ctx;
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
    v->paint = paint_new(v->r, err, errlen);
    if (!v->paint) goto fail;
    v->draw = draw_new(v->paint);
    v->screen = screen_new();
    v->editor = editor_new();
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
    if (v->editor && editor_is_open(v->editor) && !v->text_was_on) SDL_StopTextInput();
    editor_free(v->editor);
    screen_free(v->screen);
    draw_free(v->draw);
    paint_free(v->paint);
    if (v->r) SDL_DestroyRenderer(v->r);
    if (v->win) SDL_DestroyWindow(v->win);
    steps_free(v->st);
    engine_free(v->engine);
    scenario_free(v->sc);
    scenario_free(v->original);
    free(v->layout);
    free(v);
}

const ViewState *view_state(const View *v) { return &v->s; }
const Steps *view_steps(const View *v) { return v->st; }
const Engine *view_engine(const View *v) { return v->engine; }
const Scenario *view_scenario(const View *v) { return v->sc; }
const DrawLayout *view_layout(const View *v) { return v->layout; }
const ViewRegions *view_regions(const View *v) { return &v->reg; }
const char *view_notice(const View *v) { return v->notice; }
const char *view_tooltip(const View *v) { return v->tip; }
SDL_Window *view_window(View *v) { return v->win; }
Painter *view_painter(View *v)
{
    return v->paint;
}

const Screen *view_screen(const View *v) { return v->screen; }
const Editor *view_editor(const View *v) { return v->editor; }
bool view_asking(const View *v) { return v->asking; }
bool view_unsaved(const View *v) { return v->unsaved; }
int view_edits(const View *v) { return v->edits; }
SDL_Renderer *view_renderer(View *v) { return v->r; }

