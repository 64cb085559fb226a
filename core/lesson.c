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
#include "steps.h"
#include "xmalloc.h"

typedef struct Ctx {
    const Doc *doc;
    char *err;
    size_t errlen;
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

static const char *const step_keys[] = {"title", "text", "code", "question", "answer", "mode", "step",
                                        "sentence", "highlight", "edits", "options", NULL};

/* the scenario a step shows: the lesson's, its options, then its edits */
static Scenario *step_state(const Scenario *base, const LessonStep *ls)
{
    Scenario *sc = scenario_copy(base);
    if (ls->padding >= 0)
        sc->padding = (ScenarioPadding)ls->padding;
    if (ls->nan_policy >= 0)
        sc->nan_policy = (ScenarioNanPolicy)ls->nan_policy;
    if (ls->mask_query_rows >= 0)
        sc->mask_query_rows = ls->mask_query_rows;
    for (int k = SETTING_WINDOW; k <= SETTING_PACK_LENGTH; k++)
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
                                       "sinks", "pack_length", NULL};
    /* the settings, in ScenarioSetting order, and their least values */
    static const char *const settings[] = {[SETTING_WINDOW] = "window", [SETTING_PREFIX] = "prefix",
                                           [SETTING_SINKS] = "sinks", [SETTING_PACK_LENGTH] = "pack_length"};
    static const int least[] = {[SETTING_WINDOW] = 1, [SETTING_PREFIX] = 0, [SETTING_SINKS] = 0,
                                [SETTING_PACK_LENGTH] = 1};
    char g[128];
    snprintf(g, sizeof g, "%s.options", f);
    if (!cJSON_IsObject(n))
        return doc_fail(c->doc, n, c->err, c->errlen, g,
                        "must be an object with padding, fully_masked_rows, mask_query_rows, window, prefix, sinks "
                        "or pack_length");
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
    for (int k = SETTING_WINDOW; k <= SETTING_PACK_LENGTH; k++) {
        if (!(v = doc_member(n, settings[k])))
            continue;
        snprintf(h, sizeof h, "%s.%s", g, settings[k]);
        int hi = k == SETTING_PACK_LENGTH ? MS_MAX_SEQ_LEN : MS_MAX_WINDOW;
        if (!get_index(c, v, h, least[k], hi, &ls->setting[k]))
            return false;
    }
    return true;
}

static bool load_step(Ctx *c, const cJSON *node, int i, LessonStep *ls)
{
    char f[64], g[96];
    snprintf(f, sizeof f, "steps[%d]", i);
    ls->highlight_row = ls->highlight_col = -1;
    ls->padding = ls->nan_policy = ls->mask_query_rows = -1;
    for (int k = 0; k <= SETTING_PACK_LENGTH; k++)
        ls->setting[k] = -1;
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
    if ((n = doc_member(node, "edits"))) {
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
            if (!get_index(c, e->child, h, 0, m->count - 1, &s))
                return false;
            if (!get_index(c, e->child->next, h, 0, m->lengths[s] - 1, &p))
                return false;
            ls->edits[ls->nedits++] = (LessonEdit){s, p};
        }
    }
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
    const char *const *story;
    int nstory = steps_story(ls->mode, &story);
    snprintf(g, sizeof g, "%s.step", f);
    n = doc_member(node, "step");
    ls->step = -1;
    if (cJSON_IsString(n)) {
        for (int k = 0; k < nstory; k++)
            if (strcmp(story[k], n->valuestring) == 0)
                ls->step = k;
    } else if (cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble <= nstory &&
               n->valuedouble == (int)n->valuedouble) {
        ls->step = (int)n->valuedouble - 1;
    }
    if (ls->step < 0) {
        char names[256] = "";
        size_t used = 0;
        for (int k = 0; k < nstory && used < sizeof names; k++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "", story[k]);
        doc_fail(c->doc, n, c->err, c->errlen, g, "must be one of %s, or a number from 1 to %d", names, nstory);
        goto done;
    }
    if ((n = doc_member(node, "highlight"))) {
        static const char *const hk[] = {"row", "col", NULL};
        snprintf(g, sizeof g, "%s.highlight", f);
        if (!cJSON_IsObject(n)) {
            doc_fail(c->doc, n, c->err, c->errlen, g, "must be an object like {\"row\": 2, \"col\": 3}");
            goto done;
        }
        if (!doc_check_keys(c->doc, n, g, hk, c->err, c->errlen))
            goto done;
        const cJSON *r = doc_member(n, "row"), *col = doc_member(n, "col");
        char h[128];
        snprintf(h, sizeof h, "%s.row", g);
        if (r && !get_index(c, r, h, 0, L - 1, &ls->highlight_row))
            goto done;
        snprintf(h, sizeof h, "%s.col", g);
        if (col && !get_index(c, col, h, 0, Lk - 1, &ls->highlight_col))
            goto done;
    }
    ok = true;
done:
    scenario_free(state);
    return ok;
}

static bool load(Ctx *c, const cJSON *root)
{
    static const char *const keys[] = {"title", "scenario", "steps", NULL};
    if (!cJSON_IsObject(root))
        return doc_fail(c->doc, root, c->err, c->errlen, "lesson", "must be a JSON object with title and steps");
    if (!doc_check_keys(c->doc, root, "", keys, c->err, c->errlen))
        return false;
    const cJSON *t = doc_member(root, "title"), *sc = doc_member(root, "scenario"), *steps = doc_member(root, "steps");
    if (!t)
        return doc_fail(c->doc, root, c->err, c->errlen, "title", "is missing; a lesson needs a title");
    if (!get_text(c, t, "title", 120, &c->l->title))
        return false;
    if (!sc || cJSON_IsNull(sc)) {
        c->l->scenario = scenario_default();
    } else if (cJSON_IsObject(sc)) {
        c->l->scenario = scenario_from_doc(c->doc, sc, c->l->title, c->err, c->errlen);
        if (!c->l->scenario)
            return false;
        for (int m = 0; m < 2; m++) {
            const Sentences *ss = m ? &c->l->scenario->mlm_source : &c->l->scenario->sentences;
            size_t L = 0;
            for (int i = 0; i < ss->count; i++)
                if ((size_t)ss->lengths[i] > L)
                    L = (size_t)ss->lengths[i];
            if ((size_t)ss->count * L * L > MS_MAX_LESSON_CELLS)
                return doc_fail(c->doc, sc, c->err, c->errlen, m ? "scenario.mlm" : "scenario.sentences",
                                "%d sentences of up to %zu tokens make %zu attention cells; a lesson's "
                                "scenario may have at most %u", ss->count, L, (size_t)ss->count * L * L,
                                (unsigned)MS_MAX_LESSON_CELLS);
        }
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

Lesson *lesson_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
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
    Lesson *l = lesson_parse(text, len, path, err, errlen);
    free(text);
    return l;
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
        .highlight_row = ls->highlight_row,
        .highlight_col = ls->highlight_col,
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
