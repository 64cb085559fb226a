/* The gallery mode's storyboard: one step per classic bug (bugs.h),
 * each laid out as the buggy line and the right one side by side,
 *
 *     ✗ A_mask  softmax →  ✗ A_weights    vs    ✓ A_mask  softmax →  ✓ A_weights
 *
 * for the sentence shown (a grid row per sentence in the batch view), or
 * for a loss bug the positions each mean counts and each position's share
 * of it. The step's formula is the buggy line, its caption the right line
 * and why, its note the symptom and its result the wrong number. The
 * panels point into the bugs' runs, which the story keeps until the
 * storyboard is freed. */
#include "gallery.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "text.h"
#include "xmalloc.h"

enum { GALLERY_MAX = 16, PANELS = 4 };

typedef struct Shown {
    BugRun *run;
    bool *kpad, *qpad;      /* [B*Lk], [B*Lq]: padding, greyed */
    char **sent, **pos;     /* [B] "s0", [L] "0": labels of the [B,L] loss panels */
    int B, L;
} Shown;

typedef struct Gallery {
    const Engine *e;        /* the gallery mode's engine: its scenario, as given */
    int sentence;           /* -1: every sentence */
    Shown shown[GALLERY_MAX];
} Gallery;

static int names(const char *const **slugs)
{
    static const char *list[GALLERY_MAX];
    int n = bugs_count();
    EXPECT(n <= GALLERY_MAX);
    for (int i = 0; i < n; i++)
        list[i] = bugs_at(i)->slug;
    *slugs = list;
    return n;
}

static void *story_open(const Engine *e, int sentence)
{
    Gallery *g = xcalloc(1, sizeof *g);
    g->e = e;
    g->sentence = sentence;
    return g;
}

static void story_close(void *data)
{
    Gallery *g = data;
    for (int i = 0; i < GALLERY_MAX; i++) {
        Shown *sh = &g->shown[i];
        bugs_run_free(sh->run);
        free(sh->kpad);
        free(sh->qpad);
        steps_labels_free(sh->sent, sh->B);
        steps_labels_free(sh->pos, sh->L);
    }
    free(g);
}

/* bug i's run on the gallery's scenario, made when first shown */
static Shown *shown(Gallery *g, int i)
{
    Shown *sh = &g->shown[i];
    if (sh->run)
        return sh;
    char err[256];
    sh->run = bugs_run(bugs_at(i), engine_scenario(g->e), err, sizeof err);
    EXPECT(sh->run); /* the same shape as the gallery's own engine, which exists */
    const Engine *e = bugs_engine(sh->run);
    int B = engine_sentences(e), Lq = engine_query_length(e), Lk = engine_length(e);
    sh->B = B, sh->L = Lk;
    sh->kpad = xcalloc((size_t)B * Lk, sizeof *sh->kpad);
    sh->qpad = xcalloc((size_t)B * Lq, sizeof *sh->qpad);
    for (int s = 0; s < B; s++) {
        for (int k = 0; k < Lk; k++)
            sh->kpad[(size_t)s * Lk + k] = !engine_is_real(e, s, k);
        for (int q = 0; q < Lq; q++)
            sh->qpad[(size_t)s * Lq + q] = !engine_query_is_real(e, s, q);
    }
    sh->sent = steps_labels("s", B);
    sh->pos = steps_labels("", Lk);
    return sh;
}

/* whether the run's batch is the gallery engine's own, word for word (so a
 * token the mouse points at is the one the window's engine names) */
static bool same_batch(const Gallery *g, const Shown *sh)
{
    const Bug *b = bugs_bug(sh->run);
    return !b->left_padding && engine_mode(bugs_engine(sh->run))->batch == engine_mode(g->e)->batch &&
           engine_scenario(g->e)->padding == SCENARIO_PAD_RIGHT;
}

static Panel *add(Step *step, TensorId id, const char *name, const char *title, Tensor view, PanelScale scale,
                  const char *join)
{
    Panel *p = &step->panels[step->npanels++];
    *p = (Panel){.tensor = id, .recipe = {.op = OP_INPUT}, .name = name, .view = view, .scale = scale, .join = join,
                 .sentence = -1};
    text_fmt(p->title, sizeof p->title, "%s", title);
    return p;
}

static void layout_attention(Gallery *g, Shown *sh, Step *step)
{
    const BugRun *r = sh->run;
    const Engine *e = bugs_engine(r);
    int first = g->sentence < 0 ? 0 : g->sentence, last = g->sentence < 0 ? engine_sentences(e) - 1 : g->sentence;
    int Lq = engine_query_length(e), Lk = engine_length(e);
    bool after = bugs_bug(r)->wrong_at == FORWARD_AFTER_SOFTMAX;
    step->panels = xcalloc((size_t)(last - first + 1) * PANELS, sizeof *step->panels);
    for (int s = first; s <= last; s++) {
        Panel *p[PANELS];
        if (after)
            p[0] = add(step, T_WEIGHTS, "softmax(A_scores)", "\u2717 softmax(A_scores)",
                       tensor_slice(bugs_softmax(r), s), PANEL_UNIT, "");
        else
            p[0] = add(step, T_MASK, "A_mask", "\u2717 A_mask", tensor_slice(bugs_mask(r, true), s), PANEL_MASK, "");
        p[1] = add(step, T_WEIGHTS, "A_weights", "\u2717 A_weights", tensor_slice(bugs_weights(r, true), s), PANEL_UNIT,
                   after ? "\u00d7 keep \u2192" : "softmax \u2192");
        p[2] = add(step, T_MASK, "A_mask", "\u2713 A_mask", tensor_slice(bugs_mask(r, false), s), PANEL_MASK, "vs");
        p[3] = add(step, T_WEIGHTS, "A_weights", "\u2713 A_weights", tensor_slice(bugs_weights(r, false), s),
                   PANEL_UNIT, "softmax \u2192");
        for (int i = 0; i < PANELS; i++) {
            p[i]->row_labels = engine_query_labels(e, s);
            p[i]->col_labels = engine_labels(e, s);
            p[i]->row_axis = "query";
            p[i]->col_axis = "key";
            p[i]->row_dim = sh->qpad + (size_t)s * Lq;
            p[i]->col_dim = sh->kpad + (size_t)s * Lk;
            p[i]->grid_row = g->sentence < 0 ? s : 0;
            p[i]->sentence = same_batch(g, sh) ? s : -1;
        }
    }
}

static void layout_loss(Gallery *g, Shown *sh, Step *step)
{
    const BugRun *r = sh->run;
    bool mlm = engine_mode(bugs_engine(r))->batch != MODE_BATCH_MAIN;
    step->panels = xcalloc(PANELS, sizeof *step->panels);
    Panel *p[PANELS];
    p[0] = add(step, T_LOSS_MASK, "counted", "\u2717 counted", *bugs_counted(r, true), PANEL_UNIT, "");
    p[1] = add(step, T_LOSS_MASK, "share", "\u2717 share of the mean", *bugs_share(r, true), PANEL_UNIT, "/ sum \u2192");
    p[2] = add(step, T_LOSS_MASK, "counted", "\u2713 counted", *bugs_counted(r, false), PANEL_UNIT, "vs");
    p[3] = add(step, T_LOSS_MASK, "share", "\u2713 share of the mean", *bugs_share(r, false), PANEL_UNIT, "/ sum \u2192");
    for (int i = 0; i < PANELS; i++) {
        p[i]->row_labels = (const char *const *)sh->sent;
        p[i]->col_labels = (const char *const *)sh->pos;
        /* the MLM batch is not the window's: its cells are not the window's tokens */
        p[i]->row_axis = mlm ? "MLM sentence" : "sentence";
        p[i]->col_axis = "position";
    }
    (void)g;
}

static void layout(void *data, int i, Step *step)
{
    Gallery *g = data;
    Shown *sh = shown(g, i);
    const Bug *b = bugs_bug(sh->run);
    text_fmt(step->title, sizeof step->title, "%s", b->title);
    text_fmt(step->formula, sizeof step->formula, "\u2717 %s", b->wrong_code);
    text_fmt(step->caption, sizeof step->caption, "\u2713 %s    %s", b->right_code, b->why);
    text_fmt(step->note, sizeof step->note, "Symptom: %s", b->symptom);
    bugs_wrong_number(sh->run, g->sentence, step->result, sizeof step->result);
    if (b->kind == BUG_LOSS)
        layout_loss(g, sh, step);
    else
        layout_attention(g, sh, step);
}

/* ---- tooltips ---- */

/* a mask cell's value: 0, −∞, or a finite minimum named */
static void mask_value(double v, char *buf, size_t n)
{
    if (v == 0)
        text_fmt(buf, n, "0 (attend)");
    else if (isinf(v))
        text_fmt(buf, n, "\u2212\u221e (blocked)");
    else if (v == BUGS_F16_MIN)
        text_fmt(buf, n, "\u221265504, torch.finfo(torch.float16).min (blocked)");
    else
        text_fmt(buf, n, "%.4e, torch.finfo(torch.float32).min (blocked)", v);
}

static bool explain(void *data, const Step *step, int panel, int row, int col, char *buf, size_t n)
{
    Gallery *g = data;
    const Bug *b = bugs_find(step->slug);
    EXPECT(b);
    int i = 0;
    while (bugs_at(i) != b)
        i++;
    Shown *sh = shown(g, i);
    const Panel *p = &step->panels[panel];
    double v = tensor_at2(&p->view, row, col);
    bool wrong = panel % PANELS < 2;
    const char *mark = wrong ? "\u2717" : "\u2713";
    char num[64];
    steps_format_value(v, false, 2, num, sizeof num);
    if (b->kind == BUG_LOSS) {
        if (panel % 2 == 0)
            text_fmt(buf, n, "%s counted[%d][%d] = %.0f: position %d of sentence %d is %s the %s mean", mark, row, col, v,
                col, row, v != 0 ? "in" : "not in", wrong ? "buggy" : "right");
        else
            text_fmt(buf, n, "%s share[%d][%d] = %s of the loss: counted / counted.sum()", mark, row, col, num);
        return true;
    }
    const Engine *e = bugs_engine(sh->run);
    int s = g->sentence < 0 ? panel / PANELS : g->sentence;
    const char *q = engine_query_labels(e, s)[row], *k = engine_labels(e, s)[col];
    int Lk = engine_length(e);
    if (p->scale == PANEL_MASK) {
        char val[96];
        mask_value(v, val, sizeof val);
        text_fmt(buf, n, "%s A_mask[%d][%d] = %s: \u201c%s\u201d %s \u201c%s\u201d", mark, row, col, val, q,
            v == 0 ? "may attend to" : "may not attend to", k);
        return true;
    }
    /* weights: the row's sum says whether they are a distribution */
    double sum = 0;
    for (int c = 0; c < Lk; c++)
        sum += tensor_at2(&p->view, row, c);
    char total[32];
    steps_format_value(sum, false, 2, total, sizeof total);
    if (isnan(v))
        text_fmt(buf, n, "%s %s[%d][%d] = NaN: every key of \u201c%s\u201d is \u2212\u221e, and softmax of that row is 0/0",
            mark, p->name, row, col, q);
    else
        text_fmt(buf, n, "%s %s[%d][%d] = %s: how much \u201c%s\u201d attends to \u201c%s\u201d (its row sums to %s)", mark,
            p->name, row, col, num, q, k, total);
    return true;
}

Lesson *gallery_lesson(const Scenario *sc, int sentence)
{
    Lesson *l = xcalloc(1, sizeof *l);
    l->title = xstrdup("Classic masking bugs");
    l->path = xstrdup("maskscope export --bugs");
    l->scenario = scenario_copy(sc);
    l->nsteps = bugs_count();
    l->steps = xcalloc((size_t)l->nsteps, sizeof *l->steps);
    for (int i = 0; i < l->nsteps; i++) {
        const Bug *b = bugs_at(i);
        LessonStep *st = &l->steps[i];
        lesson_step_init(st);
        char text[1200], code[480];
        snprintf(text, sizeof text, "Symptom: %s", b->symptom);
        snprintf(code, sizeof code, "\u2717 %s\n\u2713 %s", b->wrong_code, b->right_code);
        st->title = xstrdup(b->title);
        st->text = xstrdup(text);
        st->code = xstrdup(code);
        st->mode = mode_find("bugs");
        st->step = i;
        st->sentence = sentence;
    }
    return l;
}

const StepsStory gallery_story = {
    .names = names, .open = story_open, .layout = layout, .explain = explain, .close = story_close,
};
