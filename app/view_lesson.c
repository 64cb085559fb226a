/* Lessons in the window. A lesson is played by setting, for each of its
 * steps, the scenario (with the step's options and edits), the mode,
 * engine step, sentence and highlight, and by drawing its caption under
 * the matrices. The usual keys walk through it: → reveals a question's
 * answer first, then goes on. Other keys still explore freely from where
 * the lesson stands. L opens a picker of the shipped lessons. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "view_chrome.h"

static void fill(View *v, SDL_Rect rc, Rgba c)
{
    if (rc.w <= 0 || rc.h <= 0) return;
    SDL_SetRenderDrawBlendMode(v->r, c.a < 255 ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(v->r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(v->r, &rc);
}

/* shows lesson step i: its scenario replaces the view's */
static bool apply(View *v, int i, char *err, size_t errlen)
{
    const LessonStep *ls = &v->lesson->steps[i];
    Scenario *sc = lesson_state(v->lesson, i);
    scenario_free(v->sc);
    scenario_free(v->original);
    v->sc = sc;
    v->original = scenario_copy(sc);
    steps_free(v->st);
    v->st = NULL; /* the scenario changed: rebuild whatever the state */
    ViewState s = v->s;
    s.mode = ls->mode;
    s.step = ls->step;
    s.sentence = ls->sentence;
    s.sentence_chosen = true;
    s.help = false;
    if (!view_set_state(v, &s, err, errlen)) return false;
    v->lesson_step = i;
    v->answer_shown = false;
    v->dirty = true;
    return true;
}

static void go(View *v, int i)
{
    char err[256];
    if (i < 0 || i >= v->lesson->nsteps) return;
    if (!apply(v, i, err, sizeof err)) {
        /* lesson_load built every step once, so this cannot happen for a loaded lesson */
        fprintf(stderr, "maskscope: %s\n", err);
    }
}

bool view_open_lesson(View *v, const char *path, char *err, size_t errlen)
{
    bool io = false;
    Lesson *l = lesson_load(path, &io, err, errlen);
    if (!l) return false;
    lesson_free(v->lesson);
    v->lesson = l;
    v->picker = false;
    return apply(v, 0, err, errlen);
}

const Lesson *view_lesson(const View *v) { return v->lesson; }
int view_lesson_step(const View *v) { return v->lesson_step; }
bool view_lesson_answer_shown(const View *v) { return v->answer_shown; }

void view_lesson_close(View *v)
{
    lesson_free(v->lesson);
    v->lesson = NULL;
}

/* ---- the picker ---------------------------------------------------------- */

/* the shipped lessons: <data>/lessons when installed, <data>/../lessons in the source tree */
static void find_lessons(View *v)
{
    char dir[PATH_MAX], err[256], pattern[PATH_MAX + 32];
    v->npicks = 0;
    if (!font_find_data_dir(dir, sizeof dir, err, sizeof err)) return;
    const char *where[] = { "%s/lessons/*.json", "%s/../lessons/*.json" };
    for (int k = 0; k < 2 && v->npicks == 0; k++) {
        snprintf(pattern, sizeof pattern, where[k], dir);
        glob_t g;
        if (glob(pattern, 0, NULL, &g) != 0) continue;
        for (size_t i = 0; i < g.gl_pathc && v->npicks < VIEW_MAX_PICKS; i++) {
            bool io;
            Lesson *l = lesson_load(g.gl_pathv[i], &io, err, sizeof err);
            if (!l) continue; /* `maskscope check` reports broken ones */
            snprintf(v->picks[v->npicks], sizeof v->picks[0], "%s", g.gl_pathv[i]);
            snprintf(v->pick_titles[v->npicks], sizeof v->pick_titles[0], "%s  (%d steps)", l->title, l->nsteps);
            v->npicks++;
            lesson_free(l);
        }
        globfree(&g);
    }
}

static void open_pick(View *v, int i)
{
    char err[512];
    if (i < 0 || i >= v->npicks) return;
    v->picker = false;
    v->dirty = true;
    if (!view_open_lesson(v, v->picks[i], err, sizeof err)) fprintf(stderr, "maskscope: %s\n", err);
}

static void toggle_picker(View *v)
{
    v->picker = !v->picker;
    if (v->picker) {
        find_lessons(v);
        v->picker_sel = 0;
        for (int i = 0; i < v->npicks; i++)
            if (v->lesson && strcmp(v->picks[i], v->lesson->path) == 0) v->picker_sel = i;
    }
    v->s.help = false;
    v->dirty = true;
}

static bool picker_key(View *v, SDL_Keycode sym)
{
    switch (sym) {
    case SDLK_ESCAPE: case SDLK_l: v->picker = false; break;
    case SDLK_UP: if (v->picker_sel > 0) v->picker_sel--; break;
    case SDLK_DOWN: if (v->picker_sel + 1 < v->npicks) v->picker_sel++; break;
    case SDLK_RETURN: case SDLK_KP_ENTER: case SDLK_SPACE: case SDLK_RIGHT: open_pick(v, v->picker_sel); break;
    case SDLK_q: return false;
    default:
        if (sym >= SDLK_1 && sym <= SDLK_9) open_pick(v, (int)(sym - SDLK_1));
        break;
    }
    v->dirty = true;
    return true;
}

bool view_lesson_key(View *v, const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    if (v->picker) return picker_key(v, sym) || true;
    if (sym == SDLK_l) {
        toggle_picker(v);
        return true;
    }
    if (!v->lesson || v->s.help) return false;
    const LessonStep *ls = &v->lesson->steps[v->lesson_step];
    switch (sym) {
    case SDLK_RIGHT: case SDLK_PAGEDOWN: case SDLK_SPACE:
        if (ls->question && !v->answer_shown) {
            v->answer_shown = true;
            v->dirty = true;
        } else {
            go(v, v->lesson_step + 1);
        }
        return true;
    case SDLK_LEFT: case SDLK_PAGEUP: case SDLK_BACKSPACE: go(v, v->lesson_step - 1); return true;
    case SDLK_HOME: go(v, 0); return true;
    case SDLK_END: go(v, v->lesson->nsteps - 1); return true;
    default: return false;
    }
}

bool view_lesson_click(View *v, int x, int y)
{
    if (!v->picker) return false;
    for (int i = 0; i < v->npicks; i++) {
        SDL_Rect r = v->pick_rects[i];
        if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) {
            open_pick(v, i);
            return true;
        }
    }
    v->picker = false; /* a click outside closes it */
    v->dirty = true;
    return true;
}

void view_lesson_draw_picker(View *v, int w, int h)
{
    if (!v->picker) return;
    const Theme *th = theme_get(v->s.opts.theme);
    double u = v->cz.u > 0 ? v->cz.u : 1;
    int px = (int)lround(22 * u), pad = (int)lround(px * 0.9), lh = font_line_height(v->fonts, FONT_SANS, px);
    int title_px = (int)lround(px * 1.3), tl = font_line_height(v->fonts, FONT_SANS_BOLD, title_px);
    const char *title = "Lessons";
    const char *foot = v->npicks ? "\u2191 \u2193 and Enter, a number, or a click opens one; Esc closes."
                                 : "No lessons found next to the fonts (lessons/*.json).";
    int bw = font_width(v->fonts, FONT_SANS, (int)lround(px * 0.8), foot, -1);
    for (int i = 0; i < v->npicks; i++) {
        int tw = font_width(v->fonts, FONT_SANS, px, v->pick_titles[i], -1) + 3 * px;
        if (tw > bw) bw = tw;
    }
    bw += 2 * pad;
    if (bw > w - 2 * pad) bw = w - 2 * pad;
    int row = lh + pad / 2;
    int bh = 2 * pad + tl + pad + v->npicks * row + lh;
    SDL_Rect box = { (w - bw) / 2, (h - bh) / 2, bw, bh };
    Rgba veil = th->bg;
    veil.a = 225;
    fill(v, (SDL_Rect){ 0, 0, w, h }, veil);
    fill(v, box, theme_mix(th->fg, th->bg, 0.03));
    int t = (int)fmax(2, lround(3 * u));
    fill(v, (SDL_Rect){ box.x, box.y, box.w, t }, th->accent);
    int x = box.x + pad, y = box.y + pad;
    font_draw(v->fonts, FONT_SANS_BOLD, title_px, x, y, title, -1, th->fg);
    y += tl + pad;
    for (int i = 0; i < v->npicks; i++) {
        SDL_Rect r = { box.x + t, y - pad / 4, box.w - 2 * t, row };
        v->pick_rects[i] = r;
        bool sel = i == v->picker_sel;
        if (sel) fill(v, r, theme_mix(th->accent, th->bg, 0.18));
        char num[16];
        snprintf(num, sizeof num, "%d", i + 1);
        font_draw(v->fonts, FONT_SANS_BOLD, px, x, y, num, -1, th->accent);
        int avail = box.w - 2 * pad - 2 * px;
        int n = font_fit(v->fonts, FONT_SANS, px, v->pick_titles[i], -1, avail);
        font_draw(v->fonts, sel ? FONT_SANS_BOLD : FONT_SANS, px, x + 2 * px, y, v->pick_titles[i], n, th->fg);
        y += row;
    }
    font_draw(v->fonts, FONT_SANS, (int)lround(px * 0.8), x, y + pad / 4, foot, -1, th->muted);
}

/* ---- the frame ------------------------------------------------------------ */

void view_lesson_draw_frame(View *v)
{
    if (!v->lesson) {
        draw_step(v->draw, v->st, v->s.step, &v->s.opts, v->reg.frame, v->layout);
        return;
    }
    const LessonStep *ls = &v->lesson->steps[v->lesson_step];
    char progress[32];
    snprintf(progress, sizeof progress, "%d / %d", v->lesson_step + 1, v->lesson->nsteps);
    DrawCaption cap = {
        .lesson = v->lesson->title, .progress = progress, .title = ls->title, .text = ls->text,
        .code = ls->code, .question = ls->question, .answer = v->answer_shown ? ls->answer : NULL,
        .hint = "\u2192 reveals the answer",
    };
    /* the lesson's highlight, unless the mouse is pointing at a token */
    DrawOptions o = v->s.opts;
    if (o.highlight_row < 0 && o.highlight_col < 0) {
        o.highlight_row = ls->highlight_row;
        o.highlight_col = ls->highlight_col;
    }
    draw_lesson_frame(v->draw, v->st, v->s.step, &cap, &o, v->reg.frame, v->layout);
}
