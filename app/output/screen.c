/* What the translator and the leak view show, kept between frames.
 *
 * The translator needs the sentence's mask (the engine has it) and the
 * one translation that can fail, the attention_mask; the leak view needs
 * the leak detector's run, which perturbs every input and so is computed
 * once per (engine, sentence, bug), never per frame. In the gallery the
 * leak view shows the step's bug: its buggy line beside its right one. */
#include "screen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "convview.h"
#include "export.h"
#include "leakview.h"
#include "xmalloc.h"

struct Screen {
    ScreenKind kind;
    /* what the data was computed for (the engine by its serial: a rebuilt one may take a freed one's address) */
    const Engine *e;
    unsigned long serial;    /* engine_serial(e): e's address may be a new engine's */
    int sentence, bug_index;
    bool ready[SCREEN_KINDS];
    /* the translator */
    Tensor *hf;
    ConvLayout hf_layout;
    char hf_error[400];
    ConvViewInput conv;
    ConvViewLayout conv_out;
    /* the leak view */
    BugRun *run;
    Leaks *wrong, *right;
    char error[512], summary[512], where[320];
    LeakViewInput leak;
    LeakViewLayout leak_out;
};

static const char *const names[SCREEN_KINDS] = {NULL, "conventions", "leaks"};

const char *screen_name(ScreenKind k)
{
    return k > SCREEN_NONE && k < SCREEN_KINDS ? names[k] : NULL;
}

bool screen_parse(const char *name, ScreenKind *k)
{
    for (int i = 1; name && i < SCREEN_KINDS; i++)
        if (strcmp(names[i], name) == 0) {
            *k = (ScreenKind)i;
            return true;
        }
    return false;
}

Screen *screen_new(void)
{
    Screen *s = xcalloc(1, sizeof *s);
    s->sentence = s->bug_index = -2;
    return s;
}

static void forget(Screen *s)
{
    tensor_free(s->hf);
    s->hf = NULL;
    leaks_free(s->wrong);
    leaks_free(s->right);
    s->wrong = s->right = NULL;
    bugs_run_free(s->run);
    s->run = NULL;
    memset(s->ready, 0, sizeof s->ready);
}

void screen_forget(Screen *s)
{
    forget(s);
    s->e = NULL;
    s->sentence = s->bug_index = -2;
}

void screen_free(Screen *s)
{
    if (!s) return;
    forget(s);
    free(s);
}

ScreenKind screen_kind(const Screen *s)
{
    return s->kind;
}

static void prepare_conventions(Screen *s)
{
    Tensor m = engine_view(s->e, T_MASK, s->sentence);
    char err[256] = "";
    s->hf = conv_to(CONV_HF, &m, false, &s->hf_layout, err, sizeof err);
    s->hf_error[0] = '\0';
    if (!s->hf) snprintf(s->hf_error, sizeof s->hf_error, "No attention_mask holds this mask: %s.", err);
    s->conv = (ConvViewInput){.e = s->e, .sentence = s->sentence, .where = s->where, .hf = s->hf,
                              .hf_how = s->hf_layout.how, .hf_error = s->hf_error};
}

static void prepare_leaks(Screen *s)
{
    const Engine *e = s->e;
    const Bug *b = s->bug_index >= 0 ? bugs_at(s->bug_index) : NULL;
    char err[512];
    s->error[0] = s->summary[0] = '\0';
    int sentence = s->sentence;
    if (b) {
        s->run = bugs_run(b, engine_scenario(e), err, sizeof err);
        if (!s->run) {
            snprintf(s->error, sizeof s->error, "%s", err);
        } else if (b->kind == BUG_LOSS) {
            char number[256];
            bugs_wrong_number(s->run, -1, number, sizeof number);
            snprintf(s->error, sizeof s->error, "%s is a bug of the loss, not of the attention: every output is "
                     "what the right line computes. Its mean reads positions it must not: %s. (maskscope leaks "
                     "--bug %s shows which.)", b->slug, number, b->slug);
        } else {
            const Engine *be = bugs_engine(s->run);
            if (sentence >= engine_sentences(be)) sentence = 0;
            s->wrong = leaks_run(be, bugs_forward(s->run, true), sentence, err, sizeof err);
            s->right = s->wrong ? leaks_run(be, bugs_forward(s->run, false), sentence, err, sizeof err) : NULL;
            if (!s->right) {
                leaks_free(s->wrong);
                s->wrong = NULL;
                snprintf(s->error, sizeof s->error, "%s", err);
            } else {
                char number[256];
                bugs_wrong_number(s->run, sentence, number, sizeof number);
                snprintf(s->summary, sizeof s->summary, "%d leak%s in this sentence. %s", leaks_count(s->wrong),
                         leaks_count(s->wrong) == 1 ? "" : "s", number);
            }
        }
    } else {
        s->wrong = leaks_run(e, NULL, sentence, err, sizeof err);
        if (!s->wrong)
            snprintf(s->error, sizeof s->error, "%s", err);
        else if (leaks_count(s->wrong))
            snprintf(s->summary, sizeof s->summary, "%d leak%s: real outputs read inputs the mask blocks. Point at "
                     "a ! for the reason.", leaks_count(s->wrong), leaks_count(s->wrong) == 1 ? "" : "s");
        else
            snprintf(s->summary, sizeof s->summary, "No leak: every real output depends only on inputs its mask "
                     "allows. Point at an output to see them.");
    }
    s->leak = (LeakViewInput){.wrong = s->wrong, .right = s->right, .bug = s->wrong ? b : NULL, .sentence = sentence,
                              .where = s->where, .summary = s->summary, .error = s->error, .hover_grid = -1,
                              .hover_row = -1, .hover_col = -1};
}

void screen_set(Screen *s, ScreenKind kind, const Steps *st, int step)
{
    s->kind = kind;
    if (kind == SCREEN_NONE) return;
    const Engine *e = steps_engine(st);
    int sentence = steps_sentence(st);
    if (sentence < 0) sentence = mode_default_sentence(engine_mode(e), engine_scenario(e));
    int bug = mode_has_tensors(engine_mode(e)) ? -1 : step;
    if (e != s->e || engine_serial(e) != s->serial || sentence != s->sentence || bug != s->bug_index) {
        forget(s);
        s->e = e;
        s->serial = engine_serial(e);
        s->sentence = sentence;
        s->bug_index = bug;
        char words[200];
        engine_sentence_text(e, sentence, words, sizeof words);
        if (bug >= 0)
            snprintf(s->where, sizeof s->where, "%s \u00b7 sentence %d: %s", bugs_at(bug)->title, sentence, words);
        else
            snprintf(s->where, sizeof s->where, "%s \u00b7 sentence %d: %s", engine_mode(e)->title, sentence, words);
    }
    if (!s->ready[kind]) {
        if (kind == SCREEN_CONVENTIONS) prepare_conventions(s);
        else prepare_leaks(s);
        s->ready[kind] = true;
    }
}

void screen_draw(Screen *s, Painter *p, const DrawOptions *o, SDL_Rect frame)
{
    if (s->kind == SCREEN_CONVENTIONS) convview_draw(p, o, &s->conv, frame, &s->conv_out);
    else if (s->kind == SCREEN_LEAKS) leakview_draw(p, o, &s->leak, frame, &s->leak_out);
}

bool screen_hit(const Screen *s, int x, int y, ScreenHit *h)
{
    if (s->kind == SCREEN_CONVENTIONS) return convview_hit(&s->conv_out, x, y, &h->part, &h->row, &h->col);
    if (s->kind == SCREEN_LEAKS && s->wrong) return leakview_hit(&s->leak_out, x, y, &h->part, &h->row, &h->col);
    return false;
}

bool screen_cell(const Screen *s, int part, int row, int col, SDL_Rect *out)
{
    const WordGrid *g = NULL;
    if (s->kind == SCREEN_CONVENTIONS && part >= 0 && part < CONV_COUNT && s->conv_out.shown[part])
        g = &s->conv_out.grids[part];
    else if (s->kind == SCREEN_LEAKS && part >= 0 && part < s->leak_out.ngrids)
        g = &s->leak_out.grids[part];
    if (!g || row < 0 || col < 0 || row >= g->rows || col >= g->cols) return false;
    *out = wordgrid_cell(g, row, col);
    return true;
}

void screen_point(Screen *s, const ScreenHit *h)
{
    s->leak.hover_grid = h ? h->part : -1;
    s->leak.hover_row = h ? h->row : -1;
    s->leak.hover_col = h ? h->col : -1;
}

void screen_explain(const Screen *s, const ScreenHit *h, char *buf, size_t n)
{
    if (s->kind == SCREEN_CONVENTIONS) convview_explain(&s->conv, h->part, h->row, h->col, buf, n);
    else if (s->kind == SCREEN_LEAKS && s->wrong) leakview_explain(&s->leak, h->part, h->row, h->col, buf, n);
    else if (n) buf[0] = '\0';
}

typedef struct PaintCtx {
    Screen *s;
    const DrawOptions *o;
} PaintCtx;

static void paint_screen(void *ctx, Painter *p, SDL_Rect frame)
{
    PaintCtx *c = ctx;
    screen_draw(c->s, p, c->o, frame);
}

bool screen_png(Screen *s, const DrawOptions *o, int w, int h, const char *path, char *err, size_t errlen)
{
    /* the exporter's own layout must not replace the window's */
    ConvViewLayout conv = s->conv_out;
    LeakViewLayout leak = s->leak_out;
    PaintCtx c = {s, o};
    bool ok = export_png_paint(paint_screen, &c, w, h, path, err, errlen);
    s->conv_out = conv;
    s->leak_out = leak;
    return ok;
}
