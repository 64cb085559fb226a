/* Lessons in the window, built only on view.h: a lesson step becomes a
 * scenario, a view state, a caption and what of the step shows (lesson_frame
 * says which), and the player's own keys walk the lesson. Choosing another
 * mode (1–4, a tab, M, B) leaves the lesson where it was, with a notice;
 * L goes back to it, and otherwise opens a picker of the shipped lessons,
 * drawn over the view through its overlay hook. */
#include "player.h"

#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "deck.h"
#include "font.h"
#include "xmalloc.h"

struct Player {
    View *v;
    Lesson *lesson;          /* the lesson being played, or NULL */
    int step;
    bool answer_shown;
    bool left;               /* the student chose another mode or changed the sentences: L returns to the lesson */
    int edits;               /* view_edits when the step was shown: more means the sentences were changed */
    LessonFrame frame;       /* the step shown: the caption points into it */
    bool picker;             /* the lesson picker is open */
    int picker_sel, npicks;
    char picks[PLAYER_MAX_PICKS][PATH_MAX];
    char pick_titles[PLAYER_MAX_PICKS][128];
    SDL_Rect pick_rects[PLAYER_MAX_PICKS];
};

static void draw_picker(void *ctx, Painter *pt, const Theme *th, int w, int h);

Player *player_new(View *v)
{
    Player *p = xcalloc(1, sizeof *p);
    p->v = v;
    view_set_overlay(v, draw_picker, p);
    return p;
}

void player_free(Player *p)
{
    if (!p) return;
    view_set_overlay(p->v, NULL, NULL);
    view_set_caption(p->v, NULL, -1, NULL);
    lesson_frame_free(&p->frame);
    lesson_free(p->lesson);
    free(p);
}

/* the caption of the step shown, and what of the step shows, before or with its answer */
static void caption(Player *p)
{
    DrawCaption cap = deck_caption(&p->frame, p->answer_shown, "\u2192 reveals the answer");
    view_set_caption(p->v, &cap, p->frame.step, p->answer_shown ? p->frame.reveal : p->frame.view);
}

/* shows lesson step i: its scenario replaces the view's */
static bool apply(Player *p, int i, char *err, size_t errlen)
{
    LessonFrame f;
    lesson_frame(p->lesson, i, &f);
    ViewState s = *view_state(p->v);
    s.mode = f.mode;
    s.step = f.step;
    s.sentence = f.sentence;
    s.sentence_chosen = true;
    s.help = false;
    s.screen = SCREEN_NONE; /* a lesson step is a step: the translator or leak view closes */
    if (!view_set_scenario(p->v, f.scenario, &s, err, errlen)) {
        lesson_frame_free(&f);
        return false;
    }
    lesson_frame_free(&p->frame);
    p->frame = f;
    p->step = i;
    p->answer_shown = false;
    p->left = false;
    p->edits = view_edits(p->v);
    caption(p);
    return true;
}

static void go(Player *p, int i)
{
    char err[256];
    if (!p->lesson || i < 0 || i >= p->lesson->nsteps) return;
    /* lesson_load checked every step against its batch, so this holds */
    if (!apply(p, i, err, sizeof err)) view_notice_show(p->v, err);
}

bool player_open(Player *p, const char *path, bool *io_error, char *err, size_t errlen)
{
    bool io = false;
    Lesson *l = lesson_load(path, &io, err, errlen);
    if (io_error) *io_error = io;
    return l && player_play(p, l, err, errlen);
}

bool player_play(Player *p, Lesson *l, char *err, size_t errlen)
{
    Lesson *old = p->lesson;
    int old_step = p->step;
    p->lesson = l;
    p->picker = false;
    if (!apply(p, 0, err, errlen)) {
        p->lesson = old;
        p->step = old_step;
        lesson_free(l);
        return false;
    }
    lesson_free(old);
    return true;
}

void player_leave(Player *p)
{
    if (!p->lesson || p->left) return;
    p->left = true;
    view_set_caption(p->v, NULL, -1, NULL);
    char msg[300];
    snprintf(msg, sizeof msg, "Left the lesson \u201c%.120s\u201d at step %s; L goes back to it.", p->lesson->title,
             p->frame.progress);
    view_notice_show(p->v, msg);
}

/* L after leaving: the lesson again, at the step it was on, its answer as it was */
static void go_back(Player *p)
{
    char err[256], msg[300];
    bool shown = p->answer_shown;
    if (!apply(p, p->step, err, sizeof err)) {
        view_notice_show(p->v, err);
        return;
    }
    p->answer_shown = shown;
    caption(p);
    snprintf(msg, sizeof msg, "Back to \u201c%.120s\u201d, step %s.", p->lesson->title, p->frame.progress);
    view_notice_show(p->v, msg);
}

const Lesson *player_lesson(const Player *p) { return p->lesson; }
bool player_left(const Player *p) { return p->left; }
int player_step(const Player *p) { return p->step; }
bool player_answer_shown(const Player *p) { return p->answer_shown; }
bool player_picker_open(const Player *p) { return p->picker; }

/* ---- the picker ---------------------------------------------------------- */

/* the shipped lessons: <data>/lessons when installed, <data>/../lessons in the source tree */
static void find_lessons(Player *p)
{
    char dir[PATH_MAX], err[256], pattern[PATH_MAX + 32];
    p->npicks = 0;
    if (!font_find_data_dir(dir, sizeof dir, err, sizeof err)) return;
    const char *where[] = { "%s/lessons/*.json", "%s/../lessons/*.json" };
    for (int k = 0; k < 2 && p->npicks == 0; k++) {
        snprintf(pattern, sizeof pattern, where[k], dir);
        glob_t g;
        if (glob(pattern, 0, NULL, &g) != 0) continue;
        for (size_t i = 0; i < g.gl_pathc && p->npicks < PLAYER_MAX_PICKS; i++) {
            bool io;
            Lesson *l = lesson_load(g.gl_pathv[i], &io, err, sizeof err);
            if (!l) continue; /* `maskscope check` reports broken ones */
            snprintf(p->picks[p->npicks], sizeof p->picks[0], "%s", g.gl_pathv[i]);
            snprintf(p->pick_titles[p->npicks], sizeof p->pick_titles[0], "%s  (%d steps)", l->title, l->nsteps);
            p->npicks++;
            lesson_free(l);
        }
        globfree(&g);
    }
}

static void open_pick(Player *p, int i)
{
    char err[512];
    if (i < 0 || i >= p->npicks) return;
    p->picker = false;
    view_invalidate(p->v);
    if (!player_open(p, p->picks[i], NULL, err, sizeof err)) view_notice_show(p->v, err);
}

static void toggle_picker(Player *p)
{
    p->picker = !p->picker;
    if (p->picker) {
        find_lessons(p);
        p->picker_sel = 0;
        for (int i = 0; i < p->npicks; i++)
            if (p->lesson && strcmp(p->picks[i], p->lesson->path) == 0) p->picker_sel = i;
    }
    view_invalidate(p->v);
}

static bool picker_key(Player *p, SDL_Keycode sym)
{
    switch (sym) {
    case SDLK_ESCAPE: case SDLK_l: p->picker = false; break;
    case SDLK_UP: if (p->picker_sel > 0) p->picker_sel--; break;
    case SDLK_DOWN: if (p->picker_sel + 1 < p->npicks) p->picker_sel++; break;
    case SDLK_RETURN: case SDLK_KP_ENTER: case SDLK_SPACE: case SDLK_RIGHT: open_pick(p, p->picker_sel); break;
    case SDLK_q: return !view_may_quit(p->v);
    default:
        if (sym >= SDLK_1 && sym <= SDLK_9) open_pick(p, (int)(sym - SDLK_1));
        if (sym == SDLK_0) open_pick(p, 9); /* the tenth, as 0 follows 9 on the keyboard */
        break;
    }
    view_invalidate(p->v);
    return true;
}

static void picker_click(Player *p, int x, int y)
{
    for (int i = 0; i < p->npicks; i++) {
        SDL_Rect r = p->pick_rects[i];
        if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) {
            open_pick(p, i);
            return;
        }
    }
    p->picker = false; /* a click outside closes it */
    view_invalidate(p->v);
}

static void draw_picker(void *ctx, Painter *pt, const Theme *th, int w, int h)
{
    Player *p = ctx;
    if (!p->picker) return;
    double u = fmin(w / 1280.0, h / 800.0);
    if (u < 0.6) u = 0.6;
    int px = (int)lround(22 * u), pad = (int)lround(px * 0.9), lh = paint_line(pt, FONT_SANS, px);
    int title_px = (int)lround(px * 1.3), tl = paint_line(pt, FONT_SANS_BOLD, title_px);
    int foot_px = (int)lround(px * 0.8);
    const char *foot = p->npicks ? "\u2191 \u2193 and Enter, a number, or a click opens one; Esc closes."
                                 : "No lessons found next to the fonts (lessons/*.json).";
    int bw = paint_width(pt, FONT_SANS, foot_px, foot, -1);
    for (int i = 0; i < p->npicks; i++) {
        int tw = paint_width(pt, FONT_SANS, px, p->pick_titles[i], -1) + 3 * px;
        if (tw > bw) bw = tw;
    }
    bw += 2 * pad;
    if (bw > w - 2 * pad) bw = w - 2 * pad;
    int row = lh + pad / 2;
    int bh = 2 * pad + tl + pad + p->npicks * row + lh;
    SDL_Rect box = { (w - bw) / 2, (h - bh) / 2, bw, bh };
    Rgba veil = th->bg;
    veil.a = 225;
    paint_fill(pt, (SDL_Rect){ 0, 0, w, h }, veil);
    paint_fill(pt, box, theme_mix(th->fg, th->bg, 0.03));
    int t = (int)fmax(2, lround(3 * u));
    paint_fill(pt, (SDL_Rect){ box.x, box.y, box.w, t }, th->accent);
    int x = box.x + pad, y = box.y + pad;
    paint_text(pt, FONT_SANS_BOLD, title_px, x, y, "Lessons", -1, th->fg);
    y += tl + pad;
    for (int i = 0; i < p->npicks; i++) {
        SDL_Rect r = { box.x + t, y - pad / 4, box.w - 2 * t, row };
        p->pick_rects[i] = r;
        bool sel = i == p->picker_sel;
        if (sel) paint_fill(pt, r, theme_mix(th->accent, th->bg, 0.18));
        char num[16];
        snprintf(num, sizeof num, "%d", i + 1 == 10 ? 0 : i + 1); /* the key that opens it */
        paint_text(pt, FONT_SANS_BOLD, px, x, y, num, -1, th->accent);
        paint_text_fit(pt, sel ? FONT_SANS_BOLD : FONT_SANS, px, x + 2 * px, y, p->pick_titles[i],
                       box.w - 2 * pad - 2 * px, th->fg);
        y += row;
    }
    paint_text(pt, FONT_SANS, foot_px, x, y + pad / 4, foot, -1, th->muted);
}

/* ---- events -------------------------------------------------------------- */

/* keys while a lesson plays or the picker is open; true when consumed, *quit when Q */
static bool lesson_key(Player *p, SDL_Keycode sym, bool *quit)
{
    if (p->picker) {
        *quit = !picker_key(p, sym);
        return true;
    }
    if (sym == SDLK_l) {
        if (p->lesson && p->left) go_back(p);
        else toggle_picker(p);
        return true;
    }
    if (!p->lesson || p->left || view_state(p->v)->help) return false;
    const LessonStep *ls = &p->lesson->steps[p->step];
    switch (sym) {
    case SDLK_RIGHT: case SDLK_PAGEDOWN: case SDLK_SPACE:
        if (ls->question && !p->answer_shown) {
            p->answer_shown = true;
            caption(p);
        } else {
            go(p, p->step + 1);
        }
        return true;
    case SDLK_LEFT: case SDLK_PAGEUP: case SDLK_BACKSPACE: go(p, p->step - 1); return true;
    case SDLK_HOME: go(p, 0); return true;
    case SDLK_END: go(p, p->lesson->nsteps - 1); return true;
    default: return false;
    }
}

bool player_handle_event(Player *p, const SDL_Event *e)
{
    if (view_modal(p->v)) {
        /* the sentence editor or the question before quitting takes everything */
    } else if (e->type == SDL_KEYDOWN) {
        bool quit = false;
        /* Shift+arrows pan zoomed matrices, in a lesson too */
        SDL_Keycode sym = e->key.keysym.sym;
        bool pan = (e->key.keysym.mod & KMOD_SHIFT) &&
                   (sym == SDLK_LEFT || sym == SDLK_RIGHT || sym == SDLK_UP || sym == SDLK_DOWN);
        if (!pan && lesson_key(p, sym, &quit)) return !quit;
        /* Esc in a lesson, with nothing of the view's to close: leave the lesson (L returns) */
        if (sym == SDLK_ESCAPE && p->lesson && !p->left && !view_escape_closes(p->v)) {
            player_leave(p);
            return true;
        }
    } else if (e->type == SDL_MOUSEBUTTONDOWN && p->picker && e->button.button == SDL_BUTTON_LEFT) {
        int x, y;
        view_to_pixels(p->v, e->button.x, e->button.y, &x, &y);
        picker_click(p, x, y);
        return true;
    } else if (e->type == SDL_MOUSEMOTION && p->picker) {
        return true; /* the picker covers the view: no hover underneath */
    }
    bool running = view_handle_event(p->v, e);
    /* another mode (a key, a tab, the picker, the builder), or other
     * sentences (the editor), is not the lesson's step any more */
    if (p->lesson && !p->left && (view_state(p->v)->mode != p->frame.mode || view_edits(p->v) != p->edits))
        player_leave(p);
    return running;
}
