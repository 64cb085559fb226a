/* Loading lessons. A lesson file is checked completely before anything
 * is shown: every key known, every type right, every step's mode, engine
 * step, sentence, highlight and edit in range for the lesson's scenario,
 * so a teacher's typo is reported with its line and column at once and
 * not in front of the class at step 9. */
#include "lesson.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "engine.h"
#include "steps.h"
#include "text.h"
#include "xmalloc.h"

typedef struct Ctx {
    const Doc *doc;
    char *err;
    size_t errlen;
    bool io_error;      /* a file the lesson names could not be read */
    Lesson *l;
} Ctx;

/* a string of 1..max bytes without control characters other than newline */
static bool get_text(Ctx *c, const cJSON *node, const char *field, size_t max, char **out)
{
    if (!cJSON_IsString(node))
        return doc_fail(c->doc, node, c->err, c->errlen, field, "must be a string");
    size_t n = strlen(node->valuestring);
    if (n == 0 || n > max)
        return doc_fail(c->doc, node, c->err, c->errlen, field, "must be 1 to %zu bytes long (it is %zu)", max, n);
    for (const char *p = node->valuestring; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7F)
            return doc_fail(c->doc, node, c->err, c->errlen, field,
                            "contains control character 0x%02X; only text and newlines are allowed",
                            (unsigned)(unsigned char)*p);
    *out = xstrdup(node->valuestring);
    return true;
}

static bool get_index(Ctx *c, const cJSON *node, const char *field, int lo, int hi, int *out)
{
    long long v;
    if (!doc_get_int(c->doc, node, field, lo, hi, &v, c->err, c->errlen))
        return false;
    *out = (int)v;
    return true;
}

static const char *const step_keys[] = {"title",     "text",        "code",         "question",  "answer",
                                        "mode",      "step",        "sentence",     "highlight", "edits",
                                        "options",   "show",        "hide_result",  "hide_caption",
                                        "hide_note", "reveal",      NULL};

/* the scenario a step shows: the lesson's, its options, then its edits */
static Scenario *step_state(const Scenario *base, const LessonStep *ls)
{
    Scenario *sc = scenario_copy(base);
    if (ls->padding >= 0) {
        sc->padding = (ScenarioPadding)ls->padding;
        sc->padding_given = true;
    }
    if (ls->nan_policy >= 0)
        sc->nan_policy = (ScenarioNanPolicy)ls->nan_policy;
    if (ls->mask_query_rows >= 0)
        sc->mask_query_rows = ls->mask_query_rows;
    for (int k = SETTING_WINDOW; k <= SETTING_GENERATE; k++)
        if (ls->setting[k] >= 0)
            scenario_set(sc, (ScenarioSetting)k, ls->setting[k]);
    for (int k = 0; k < ls->nedits; k++)
        scenario_toggle_mlm(sc, ls->edits[k].sentence, ls->edits[k].pos);
    return sc;
}

static bool get_word(Ctx *c, const cJSON *node, const char *field, const char *a, const char *b, int *out)
{
    if (cJSON_IsString(node) && (strcmp(node->valuestring, a) == 0 || strcmp(node->valuestring, b) == 0)) {
        *out = strcmp(node->valuestring, b) == 0;
        return true;
    }
    return doc_fail(c->doc, node, c->err, c->errlen, field, "must be \"%s\" or \"%s\"", a, b);
}

static bool load_options(Ctx *c, const cJSON *n, const char *f, LessonStep *ls)
{
    static const char *const keys[] = {"padding", "fully_masked_rows", "mask_query_rows", "window", "prefix",
                                       "sinks", "pack_length", "generate", NULL};
    /* the settings, in ScenarioSetting order, and their least values */
    static const char *const settings[] = {[SETTING_WINDOW] = "window", [SETTING_PREFIX] = "prefix",
                                           [SETTING_SINKS] = "sinks", [SETTING_PACK_LENGTH] = "pack_length",
                                           [SETTING_GENERATE] = "generate"};
    static const int least[] = {[SETTING_WINDOW] = 1, [SETTING_PREFIX] = 0, [SETTING_SINKS] = 0,
                                [SETTING_PACK_LENGTH] = 1, [SETTING_GENERATE] = 1};
    static const int most[] = {[SETTING_WINDOW] = MS_MAX_WINDOW, [SETTING_PREFIX] = MS_MAX_WINDOW,
                               [SETTING_SINKS] = MS_MAX_WINDOW, [SETTING_PACK_LENGTH] = MS_MAX_SEQ_LEN,
                               [SETTING_GENERATE] = MS_MAX_GENERATE};
    char g[128];
    snprintf(g, sizeof g, "%s.options", f);
    if (!cJSON_IsObject(n))
        return doc_fail(c->doc, n, c->err, c->errlen, g,
                        "must be an object with padding, fully_masked_rows, mask_query_rows, window, prefix, sinks, "
                        "pack_length or generate");
    if (!doc_check_keys(c->doc, n, g, keys, c->err, c->errlen))
        return false;
    const cJSON *v;
    char h[160];
    if ((v = doc_member(n, "padding"))) {
        snprintf(h, sizeof h, "%s.padding", g);
        if (!get_word(c, v, h, "right", "left", &ls->padding))
            return false;
    }
    if ((v = doc_member(n, "fully_masked_rows"))) {
        snprintf(h, sizeof h, "%s.fully_masked_rows", g);
        if (!get_word(c, v, h, "zero", "nan", &ls->nan_policy))
            return false;
    }
    if ((v = doc_member(n, "mask_query_rows"))) {
        snprintf(h, sizeof h, "%s.mask_query_rows", g);
        if (!cJSON_IsBool(v))
            return doc_fail(c->doc, v, c->err, c->errlen, h, "must be true or false");
        ls->mask_query_rows = cJSON_IsTrue(v);
    }
    for (int k = SETTING_WINDOW; k <= SETTING_GENERATE; k++) {
        if (!(v = doc_member(n, settings[k])))
            continue;
        snprintf(h, sizeof h, "%s.%s", g, settings[k]);
        if (!get_index(c, v, h, least[k], most[k], &ls->setting[k]))
            return false;
    }
    return true;
}

/* the modes whose batch has [MASK] tokens, from the table: "mlm" */
static void mlm_modes(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < mode_count() && used < n; i++)
        if (mode_at(i)->batch == MODE_BATCH_MLM)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", mode_at(i)->name);
}

/* "edits": [sentence, position] pairs of the MLM batch, in a mode that computes on it */
static bool load_edits(Ctx *c, const cJSON *n, const char *g, LessonStep *ls)
{
    if (ls->mode->batch != MODE_BATCH_MLM) {
        char modes[128];
        mlm_modes(modes, sizeof modes);
        return doc_fail(c->doc, n, c->err, c->errlen, g,
                        "toggles [MASK] in the MLM batch, which mode %s does not show; use mode %s", ls->mode->name,
                        modes);
    }
    const Sentences *m = &c->l->scenario->mlm_source;
    if (!cJSON_IsArray(n) || cJSON_GetArraySize(n) > MS_MAX_LESSON_EDITS)
        return doc_fail(c->doc, n, c->err, c->errlen, g,
                        "must be an array of at most %d [sentence, position] pairs of MLM tokens to toggle [MASK] on",
                        MS_MAX_LESSON_EDITS);
    ls->edits = xcalloc((size_t)cJSON_GetArraySize(n) + 1, sizeof *ls->edits);
    int k = 0;
    for (const cJSON *e = n->child; e; e = e->next, k++) {
        char h[128];
        snprintf(h, sizeof h, "%s[%d]", g, k);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
            return doc_fail(c->doc, e, c->err, c->errlen, h, "must be a [sentence, position] pair");
        int s, p;
        snprintf(h, sizeof h, "%s[%d][0]", g, k);
        if (!get_index(c, e->child, h, 0, m->count - 1, &s))
            return false;
        snprintf(h, sizeof h, "%s[%d][1]", g, k);
        if (!get_index(c, e->child->next, h, 0, m->lengths[s] - 1, &p))
            return false;
        ls->edits[ls->nedits++] = (LessonEdit){s, p};
    }
    return true;
}

/* whether the rows of a step's matrices are sentences ([B, L]: tokens,
 * loss) rather than query or token positions */
static bool rows_are_sentences(const Step *sp)
{
    bool sentences = false;
    for (int i = 0; i < sp->npanels; i++) {
        const char *a = sp->panels[i].row_axis;
        if (a && (strcmp(a, "query") == 0 || strcmp(a, "token") == 0))
            return false;
        sentences |= a && strcmp(a, "sentence") == 0;
    }
    return sentences;
}

/* "highlight": {"row": R, "col": C}; rows are sentences on [B, L] steps */
static bool load_highlight(Ctx *c, const cJSON *n, const char *f, const Steps *st, int step, LessonView *v)
{
    static const char *const hk[] = {"row", "col", NULL};
    char g[160], h[192];
    snprintf(g, sizeof g, "%s.highlight", f);
    if (!cJSON_IsObject(n))
        return doc_fail(c->doc, n, c->err, c->errlen, g, "must be an object like {\"row\": 2, \"col\": 3}");
    if (!doc_check_keys(c->doc, n, g, hk, c->err, c->errlen))
        return false;
    const cJSON *r = doc_member(n, "row"), *col = doc_member(n, "col");
    const Engine *e = steps_engine(st);
    int rows, L, Lk;
    mode_shape(engine_mode(e), engine_scenario(e), &rows, &L, &Lk);
    v->highlight_row = v->highlight_col = v->highlight_sentence = -1;
    snprintf(h, sizeof h, "%s.row", g);
    if (r && rows_are_sentences(steps_at(st, step))) {
        if (!get_index(c, r, h, 0, rows - 1, &v->highlight_sentence))
            return doc_fail(c->doc, r, c->err, c->errlen, h,
                            "must be a sentence from 0 to %d: the rows of the %s step are sentences", rows - 1,
                            steps_slug(st, step));
    } else if (r && !get_index(c, r, h, 0, L - 1, &v->highlight_row)) {
        return false;
    }
    snprintf(h, sizeof h, "%s.col", g);
    if (col && !get_index(c, col, h, 0, Lk - 1, &v->highlight_col))
        return false;
    v->highlight_cell = r && col;
    return true;
}

/* "show": panel names of the step, each once */
static bool load_show(Ctx *c, const cJSON *n, const char *f, const Steps *st, int step, LessonView *v)
{
    char g[160];
    snprintf(g, sizeof g, "%s.show", f);
    if (!cJSON_IsArray(n))
        return doc_fail(c->doc, n, c->err, c->errlen, g, "must be an array of the step's panel names, e.g. "
                        "[\"batch_losses\", \"padding_loss_mask\"]");
    int k = 0, count = cJSON_GetArraySize(n);
    v->names = xcalloc((size_t)count + 1, sizeof *v->names);
    v->show.show = (const char *const *)v->names;
    for (const cJSON *e = n->child; e; e = e->next, k++) {
        char h[192], names[400], shown[TEXT_QUOTE_BYTES];
        snprintf(h, sizeof h, "%s[%d]", g, k);
        bool known = cJSON_IsString(e) && steps_has_panel(st, step, e->valuestring, names, sizeof names);
        if (!cJSON_IsString(e))
            steps_has_panel(st, step, "", names, sizeof names);
        if (!known)
            return doc_fail(c->doc, e, c->err, c->errlen, h, "%s%s%s is not a panel of the %s step; it has %s",
                            cJSON_IsString(e) ? "\"" : "",
                            cJSON_IsString(e) ? text_escape(e->valuestring, shown, sizeof shown) : "this value",
                            cJSON_IsString(e) ? "\"" : "", steps_slug(st, step), names);
        for (int j = 0; j < k; j++)
            if (strcmp(v->names[j], e->valuestring) == 0)
                return doc_fail(c->doc, e, c->err, c->errlen, h, "\"%s\" is named twice",
                                text_escape(e->valuestring, shown, sizeof shown));
        v->names[k] = xstrdup(e->valuestring);
        v->show.nshow = k + 1;
    }
    return true;
}

/* one view: "show", "hide_result", "hide_caption", "hide_note" and
 * "highlight" of node (a step, or its "reveal"); what node leaves out
 * stays as in *v */
static bool load_view(Ctx *c, const cJSON *node, const char *f, const Steps *st, int step, LessonView *v)
{
    static const char *const hide[] = {"hide_result", "hide_caption", "hide_note"};
    bool *flag[] = {&v->show.hide_result, &v->show.hide_caption, &v->show.hide_note};
    const cJSON *n;
    char g[160];
    for (int k = 0; k < 3; k++) {
        if (!(n = doc_member(node, hide[k])))
            continue;
        snprintf(g, sizeof g, "%s.%s", f, hide[k]);
        if (!cJSON_IsBool(n))
            return doc_fail(c->doc, n, c->err, c->errlen, g, "must be true or false");
        *flag[k] = cJSON_IsTrue(n);
    }
    if ((n = doc_member(node, "show")) && !load_show(c, n, f, st, step, v))
        return false;
    return !(n = doc_member(node, "highlight")) || load_highlight(c, n, f, st, step, v);
}

/* the step's view, and with a question the view its answer reveals:
 * everything, the step's highlight, and what "reveal" says */
static bool load_views(Ctx *c, const cJSON *node, const cJSON *rv, const char *f, const Scenario *state,
                       LessonStep *ls)
{
    static const char *const rk[] = {"show", "hide_result", "hide_caption", "hide_note", "highlight", NULL};
    ls->view = (LessonView){.highlight_row = -1, .highlight_col = -1, .highlight_sentence = -1};
    /* panel names and highlights are checked against the step as laid out */
    bool needs_steps = false;
    for (int k = 0; k < 2; k++) {
        const cJSON *n = k ? rv : node;
        needs_steps |= cJSON_IsObject(n) && (doc_member(n, "show") || doc_member(n, "highlight"));
    }
    Engine *e = NULL;
    Steps *st = NULL;
    char why[256];
    if (needs_steps) {
        e = engine_new(state, ls->mode, why, sizeof why);
        st = e ? steps_build(e, ls->sentence, why, sizeof why) : NULL;
        EXPECT(st); /* mode, sentence and step were checked above */
    }
    bool ok = load_view(c, node, f, st, ls->step, &ls->view);
    ls->reveal = (LessonView){.highlight_row = ls->view.highlight_row, .highlight_col = ls->view.highlight_col,
                              .highlight_sentence = ls->view.highlight_sentence,
                              .highlight_cell = ls->view.highlight_cell};
    if (ok && rv) {
        char g[160];
        snprintf(g, sizeof g, "%s.reveal", f);
        if (!cJSON_IsObject(rv))
            ok = doc_fail(c->doc, rv, c->err, c->errlen, g,
                          "must be an object with show, hide_result, hide_caption, hide_note or highlight");
        else
            ok = doc_check_keys(c->doc, rv, g, rk, c->err, c->errlen) && load_view(c, rv, g, st, ls->step, &ls->reveal);
    }
    if (!ls->question)
        ls->reveal = ls->view; /* the same names: freed once, with view */
    steps_free(st);
    engine_free(e);
    return ok;
}

void lesson_step_init(LessonStep *ls)
{
    *ls = (LessonStep){.padding = -1, .nan_policy = -1, .mask_query_rows = -1};
    ls->view = ls->reveal = (LessonView){.highlight_row = -1, .highlight_col = -1, .highlight_sentence = -1};
    for (int k = 0; k <= SETTING_GENERATE; k++)
        ls->setting[k] = -1;
}

static bool load_step(Ctx *c, const cJSON *node, int i, LessonStep *ls)
{
    char f[64], g[96];
    snprintf(f, sizeof f, "steps[%d]", i);
    lesson_step_init(ls);
    if (!cJSON_IsObject(node))
        return doc_fail(c->doc, node, c->err, c->errlen, f, "must be an object with title, text, mode and step");
    if (!doc_check_keys(c->doc, node, f, step_keys, c->err, c->errlen))
        return false;
    const cJSON *n;
    const char *need[] = {"title", "text", "mode", "step"};
    for (int k = 0; k < 4; k++)
        if (!doc_member(node, need[k])) {
            snprintf(g, sizeof g, "%s.%s", f, need[k]);
            return doc_fail(c->doc, node, c->err, c->errlen, g, "is missing; every step needs title, text, mode and step");
        }
    snprintf(g, sizeof g, "%s.title", f);
    if (!get_text(c, doc_member(node, "title"), g, 120, &ls->title))
        return false;
    snprintf(g, sizeof g, "%s.text", f);
    if (!get_text(c, doc_member(node, "text"), g, MS_MAX_LESSON_TEXT, &ls->text))
        return false;
    snprintf(g, sizeof g, "%s.code", f);
    if ((n = doc_member(node, "code")) && !get_text(c, n, g, 400, &ls->code))
        return false;
    snprintf(g, sizeof g, "%s.question", f);
    if ((n = doc_member(node, "question")) && !get_text(c, n, g, 400, &ls->question))
        return false;
    snprintf(g, sizeof g, "%s.answer", f);
    if ((n = doc_member(node, "answer")) && !get_text(c, n, g, MS_MAX_LESSON_TEXT, &ls->answer))
        return false;
    if (!ls->question != !ls->answer) {
        snprintf(g, sizeof g, "%s.%s", f, ls->question ? "question" : "answer");
        return doc_fail(c->doc, doc_member(node, ls->question ? "question" : "answer"), c->err, c->errlen, g,
                        "a question needs an answer and an answer needs a question");
    }

    snprintf(g, sizeof g, "%s.mode", f);
    n = doc_member(node, "mode");
    if (!cJSON_IsString(n) || !(ls->mode = mode_find(n->valuestring))) {
        char names[256];
        mode_names(names, sizeof names, ", ");
        return doc_fail(c->doc, n, c->err, c->errlen, g, "must be one of %s", names);
    }

    /* check step, sentence and highlight against the mode's storyboard
     * and the step's batch; nothing is computed */
    Scenario *state = NULL;
    bool ok = false;
    snprintf(g, sizeof g, "%s.edits", f);
    if ((n = doc_member(node, "edits")) && !load_edits(c, n, g, ls))
        return false;
    if ((n = doc_member(node, "options")) && !load_options(c, n, f, ls))
        return false;
    state = step_state(c->l->scenario, ls);

    int rows, L, Lk;
    mode_shape(ls->mode, state, &rows, &L, &Lk);
    ls->sentence = mode_default_sentence(ls->mode, state);
    snprintf(g, sizeof g, "%s.sentence", f);
    if ((n = doc_member(node, "sentence"))) {
        if (cJSON_IsString(n) && strcmp(n->valuestring, "all") == 0)
            ls->sentence = -1;
        else if (!cJSON_IsNumber(n) || !get_index(c, n, g, 0, rows - 1, &ls->sentence)) {
            if (!cJSON_IsNumber(n))
                doc_fail(c->doc, n, c->err, c->errlen, g, "must be a sentence number from 0 to %d or \"all\"",
                         rows - 1);
            goto done;
        }
    }
    StepsNames names;
    int nstory = steps_story(ls->mode, state, &names);
    snprintf(g, sizeof g, "%s.step", f);
    n = doc_member(node, "step");
    ls->step = -1;
    if (cJSON_IsString(n)) {
        for (int k = 0; k < nstory; k++)
            if (strcmp(names.slug[k], n->valuestring) == 0)
                ls->step = k;
    } else if (cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble <= nstory &&
               n->valuedouble == (int)n->valuedouble) {
        ls->step = (int)n->valuedouble - 1;
    }
    if (ls->step < 0) {
        char list[400] = "";
        size_t used = 0;
        for (int k = 0; k < nstory && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", names.slug[k]);
        doc_fail(c->doc, n, c->err, c->errlen, g, "must be one of %s, or a number from 1 to %d", list, nstory);
        goto done;
    }
    /* what shows, before and with the answer: checked against the
     * step's panels, so it is laid out (and computed) once here */
    const cJSON *rv = doc_member(node, "reveal");
    if (rv && !ls->question) {
        snprintf(g, sizeof g, "%s.reveal", f);
        doc_fail(c->doc, rv, c->err, c->errlen, g, "only a step with a question has an answer to reveal");
        goto done;
    }
    if (!load_views(c, node, rv, f, state, ls))
        goto done;
    ok = true;
done:
    scenario_free(state);
    return ok;
}

/* a lesson's scenario may hold at most MS_MAX_LESSON_CELLS attention cells */
static bool small_enough(Ctx *c, const cJSON *node, const char *field)
{
    for (int m = 0; m < 2; m++) {
        const Sentences *ss = m ? &c->l->scenario->mlm_source : &c->l->scenario->sentences;
        size_t L = (size_t)scenario_longest(ss), cells = (size_t)ss->count * L * L;
        if (cells > MS_MAX_LESSON_CELLS)
            return doc_fail(c->doc, node, c->err, c->errlen, field ? field : m ? "scenario.mlm" : "scenario.sentences",
                            "%d sentences of up to %zu tokens make %zu attention cells; a lesson's scenario may "
                            "have at most %u", ss->count, L, cells, (unsigned)MS_MAX_LESSON_CELLS);
    }
    return true;
}

/* "scenario_file": a scenario file next to the lesson (or below it),
 * read by the scenario loader itself, so its errors name that file */
static bool load_scenario_file(Ctx *c, const cJSON *n)
{
    static const char why[] = "must be a scenario file's path relative to the lesson, without \"..\", e.g. "
                              "\"my-batch.json\"";
    if (!cJSON_IsString(n) || !n->valuestring[0] || strlen(n->valuestring) > 255 || n->valuestring[0] == '/')
        return doc_fail(c->doc, n, c->err, c->errlen, "scenario_file", why);
    const char *name = n->valuestring;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return doc_fail(c->doc, n, c->err, c->errlen, "scenario_file", why);
    for (const char *p = name; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
        if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
            return doc_fail(c->doc, n, c->err, c->errlen, "scenario_file", why);
    /* the lesson's folder: its path up to the last '/' */
    const char *slash = strrchr(c->l->path, '/');
    int dir = slash ? (int)(slash - c->l->path) + 1 : 0;
    char *path = xmalloc((size_t)dir + strlen(name) + 1);
    sprintf(path, "%.*s%s", dir, c->l->path, name);
    size_t len;
    bool io = false;
    char *text = doc_read_file(path, &len, &io, c->err, c->errlen);
    if (text) {
        c->l->scenario = scenario_parse(text, len, path, c->err, c->errlen);
        free(text);
    } else {
        /* say which lesson names the file that cannot be read */
        char what[512];
        snprintf(what, sizeof what, "%s", c->err);
        doc_fail(c->doc, n, c->err, c->errlen, "scenario_file", "%s", what);
        c->io_error = io;
    }
    free(path);
    return c->l->scenario && small_enough(c, n, "scenario_file");
}

static bool load(Ctx *c, const cJSON *root)
{
    static const char *const keys[] = {"title", "scenario", "scenario_file", "steps", NULL};
    if (!cJSON_IsObject(root))
        return doc_fail(c->doc, root, c->err, c->errlen, "lesson", "must be a JSON object with title and steps");
    if (!doc_check_keys(c->doc, root, "", keys, c->err, c->errlen))
        return false;
    const cJSON *t = doc_member(root, "title"), *sc = doc_member(root, "scenario"), *steps = doc_member(root, "steps");
    const cJSON *file = doc_member(root, "scenario_file");
    if (!t)
        return doc_fail(c->doc, root, c->err, c->errlen, "title", "is missing; a lesson needs a title");
    if (!get_text(c, t, "title", 120, &c->l->title))
        return false;
    if (file && sc)
        return doc_fail(c->doc, file, c->err, c->errlen, "scenario_file",
                        "the lesson has an inline \"scenario\" too; give one or the other");
    if (file) {
        if (!load_scenario_file(c, file))
            return false;
    } else if (!sc || cJSON_IsNull(sc)) {
        c->l->scenario = scenario_default();
    } else if (cJSON_IsObject(sc)) {
        c->l->scenario = scenario_from_doc(c->doc, sc, c->l->title, c->err, c->errlen);
        if (!c->l->scenario || !small_enough(c, sc, NULL))
            return false;
    } else {
        return doc_fail(c->doc, sc, c->err, c->errlen, "scenario",
                        "must be an inline scenario object, or null for the running example");
    }
    if (!steps)
        return doc_fail(c->doc, root, c->err, c->errlen, "steps", "is missing; a lesson needs an array of steps");
    int n = cJSON_IsArray(steps) ? cJSON_GetArraySize(steps) : -1;
    if (n < 1 || n > MS_MAX_LESSON_STEPS)
        return doc_fail(c->doc, steps, c->err, c->errlen, "steps", "must be an array of 1 to %d steps",
                        MS_MAX_LESSON_STEPS);
    c->l->steps = xcalloc((size_t)n, sizeof *c->l->steps);
    int i = 0;
    for (const cJSON *s = steps->child; s; s = s->next, i++) {
        c->l->nsteps = i + 1;
        if (!load_step(c, s, i, &c->l->steps[i]))
            return false;
    }
    return true;
}

Lesson *lesson_parse(const char *text, size_t len, const char *name, bool *io_error, char *err, size_t errlen)
{
    Doc *doc = doc_parse(text, len, name, err, errlen);
    if (!doc)
        return NULL;
    Lesson *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(name);
    Ctx c = {.doc = doc, .err = err, .errlen = errlen, .l = l};
    if (!load(&c, doc_root(doc))) {
        lesson_free(l);
        l = NULL;
        if (io_error)
            *io_error = c.io_error;
    }
    doc_free(doc);
    return l;
}

Lesson *lesson_load(const char *path, bool *io_error, char *err, size_t errlen)
{
    size_t len;
    char *text = doc_read_file(path, &len, io_error, err, errlen);
    if (!text)
        return NULL;
    Lesson *l = lesson_parse(text, len, path, io_error, err, errlen);
    free(text);
    return l;
}

static void view_free(LessonView *v)
{
    for (int k = 0; v->names && k < v->show.nshow; k++)
        free(v->names[k]);
    free(v->names);
}

void lesson_free(Lesson *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->nsteps; i++) {
        LessonStep *s = &l->steps[i];
        free(s->title);
        free(s->text);
        free(s->code);
        free(s->question);
        free(s->answer);
        free(s->edits);
        view_free(&s->view);
        if (s->reveal.names != s->view.names)
            view_free(&s->reveal);
    }
    free(l->steps);
    scenario_free(l->scenario);
    free(l->title);
    free(l->path);
    free(l);
}

Scenario *lesson_state(const Lesson *l, int i)
{
    EXPECT(i >= 0 && i < l->nsteps);
    return step_state(l->scenario, &l->steps[i]);
}

void lesson_slug(const char *title, char *buf, size_t n)
{
    size_t o = 0;
    bool dash = false;
    for (const char *p = title; *p && o + 1 < n && o < 48; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isalnum(ch) && ch < 0x80) {
            if (dash && o > 0 && o + 2 < n)
                buf[o++] = '-';
            buf[o++] = (char)tolower(ch);
            dash = false;
        } else {
            dash = true;
        }
    }
    if (o == 0 && n > 5)
        o = (size_t)snprintf(buf, n, "step");
    buf[o < n ? o : n - 1] = '\0';
}

void lesson_frame(const Lesson *l, int i, LessonFrame *f)
{
    EXPECT(i >= 0 && i < l->nsteps);
    const LessonStep *ls = &l->steps[i];
    *f = (LessonFrame){
        .scenario = lesson_state(l, i),
        .mode = ls->mode,
        .step = ls->step,
        .sentence = ls->sentence,
        .view = &ls->view,
        .reveal = &ls->reveal,
        .lesson = l->title,
        .title = ls->title,
        .text = ls->text,
        .code = ls->code,
        .question = ls->question,
        .answer = ls->answer,
    };
    snprintf(f->progress, sizeof f->progress, "%d / %d", i + 1, l->nsteps);
}

void lesson_frame_free(LessonFrame *f)
{
    scenario_free(f->scenario);
    f->scenario = NULL;
}
