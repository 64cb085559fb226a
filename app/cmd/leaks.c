/* `maskscope leaks`: the leak detector on a mode or on a bug of the
 * gallery. It prints, for each sentence, which inputs every output
 * depends on (a small grid of the words) and names each leak with its
 * reason; --json writes the influence matrix. The exit status is 3 when
 * it finds a leak (for --bug: anything the buggy line does that the right
 * line does not), 0 when it finds none. The work is the core's (leaks.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "cmd.h"
#include "engine.h"
#include "jsonout.h"
#include "leaks.h"
#include "text.h"
#include "xmalloc.h"

static const char usage[] =
    "usage: maskscope leaks [--scenario FILE] [--mode MODE | --terms LIST | --bug NAME] [--sentence N|all] [--json]\n";

/* grids are printed up to this many tokens a side; --json has any size */
enum { GRID_MAX = 64, LABEL_COLS = 10, LIST_MAX = 20 };

/* word cut or padded to cols characters (not bytes) */
static void label(char *out, size_t n, const char *word, int cols)
{
    char shown[TEXT_QUOTE_BYTES];
    text_escape(word, shown, sizeof shown);
    size_t k = 0;
    int c = 0;
    for (const char *p = shown; *p && k + 8 < n;) {
        size_t len = 1;
        while (((unsigned char)p[len] & 0xC0) == 0x80)
            len++;
        if (c == cols - 1 && p[len]) {
            k += (size_t)snprintf(out + k, n - k, "\u2026");
            c++;
            break;
        }
        memcpy(out + k, p, len);
        k += len, p += len, c++;
    }
    for (; c < cols && k + 1 < n; c++)
        out[k++] = ' ';
    out[k] = '\0';
}

/* what a cell of the grid shows */
static const char *mark(const Leaks *wrong, const Leaks *right, int s, int i, int j)
{
    bool dep = leaks_depends(wrong, s, i, j);
    if (dep && leaks_is_leak(wrong, s, i, j)) return "!";
    if (right) {
        bool was = leaks_depends(right, s, i, j);
        if (dep && !was) return "+";
        if (!dep && was) return "\u25cb";
    }
    return dep ? "\u25cf" : "\u00b7";
}

static void print_grids(const Leaks *l, const Leaks *right)
{
    const Engine *e = leaks_engine(l);
    int Lq = leaks_rows(l), Lk = leaks_cols(l);
    if (Lk > GRID_MAX || Lq > GRID_MAX) {
        printf("(the grids are left out above %d tokens; --json has the influence matrix)\n\n", GRID_MAX);
        return;
    }
    for (int s = leaks_first(l); s <= leaks_last(l); s++) {
        char words[512], lab[64];
        engine_sentence_text(e, s, words, sizeof words);
        cmd_line(stdout, "sentence %d: %s", s, words);
        printf("  %*s", LABEL_COLS + 3, "");
        for (int j = 0; j < Lk; j++)
            printf("%3d", j);
        printf("    inputs: ");
        for (int j = 0; j < Lk; j++) {
            text_escape(engine_label(e, s, j), lab, sizeof lab);
            printf("%s%d %s", j ? ", " : "", j, lab);
        }
        printf("\n");
        for (int i = 0; i < Lq; i++) {
            label(lab, sizeof lab, engine_query_labels(e, s)[i], LABEL_COLS);
            printf("  %2d %s", i, lab);
            for (int j = 0; j < Lk; j++)
                printf("  %s", mark(l, right, s, i, j));
            if (leaks_nan(l, s, i))
                printf("   NaN");
            else if (leaks_dead(l, s, i))
                printf("   depends on nothing");
            if (!leaks_checked(l, s, i))
                printf("   ([PAD]: discarded, not checked)");
            printf("\n");
        }
        printf("\n");
    }
}

static void print_leaks(const Leaks *l)
{
    const Engine *e = leaks_engine(l);
    int shown = 0;
    for (int s = leaks_first(l); s <= leaks_last(l); s++)
        for (int i = 0; i < leaks_rows(l); i++)
            for (int j = 0; j < leaks_cols(l); j++) {
                if (!leaks_is_leak(l, s, i, j)) continue;
                if (shown++ >= LIST_MAX) continue;
                char why[256];
                leaks_why(l, s, i, j, why, sizeof why);
                cmd_line(stdout, "  leak: sentence %d, output %d \u201c%s\u201d depends on input %d \u201c%s\u201d: %s", s,
                         i, engine_query_labels(e, s)[i], j, engine_label(e, s, j), why);
            }
    if (shown > LIST_MAX)
        printf("  \u2026 and %d more\n", shown - LIST_MAX);
}

/* differences between the buggy line's influence and the right line's */
static int differences(const Leaks *wrong, const Leaks *right, int *gained, int *lost, int *nan)
{
    *gained = *lost = *nan = 0;
    for (int s = leaks_first(wrong); s <= leaks_last(wrong); s++)
        for (int i = 0; i < leaks_rows(wrong); i++) {
            *nan += leaks_nan(wrong, s, i) && !leaks_nan(right, s, i);
            for (int j = 0; j < leaks_cols(wrong); j++) {
                bool a = leaks_depends(wrong, s, i, j), b = leaks_depends(right, s, i, j);
                *gained += a && !b;
                *lost += !a && b;
            }
        }
    return *gained + *lost + *nan;
}

static void json_tokens(FILE *f, const char *key, const Engine *e, int first, int last, bool queries)
{
    fprintf(f, ",\n  ");
    json_string(f, key);
    fputs(": [", f);
    for (int s = first; s <= last; s++) {
        fputs(s > first ? ",\n    [" : "\n    [", f);
        int n = queries ? engine_query_length(e) : engine_length(e);
        for (int p = 0; p < n; p++) {
            if (p) fputs(", ", f);
            json_string(f, queries ? engine_query_labels(e, s)[p] : engine_label(e, s, p));
        }
        fputc(']', f);
    }
    fputc(']', f);
}

static void json_rows(FILE *f, const char *key, const Leaks *l, bool (*flag)(const Leaks *, int, int))
{
    fprintf(f, ",\n  ");
    json_string(f, key);
    fputs(": [", f);
    int n = 0;
    for (int s = leaks_first(l); s <= leaks_last(l); s++)
        for (int i = 0; i < leaks_rows(l); i++)
            if (flag(l, s, i)) fprintf(f, "%s[%d, %d]", n++ ? ", " : "", s, i);
    fputc(']', f);
}

static void json_attention(FILE *f, const Leaks *l, const Leaks *right)
{
    const Engine *e = leaks_engine(l);
    fprintf(f, ",\n  \"first_sentence\": %d", leaks_first(l));
    json_tokens(f, "tokens", e, leaks_first(l), leaks_last(l), false);
    if (engine_is_cross(e)) json_tokens(f, "query_tokens", e, leaks_first(l), leaks_last(l), true);
    json_tensor(f, "influence", leaks_influence(l));
    if (right) json_tensor(f, "right_influence", leaks_influence(right));
    fputs(",\n  \"leaks\": [", f);
    int n = 0;
    static const char *const kinds[] = {"allowed", "padding", "future", "document", "mask"};
    for (int s = leaks_first(l); s <= leaks_last(l); s++)
        for (int i = 0; i < leaks_rows(l); i++)
            for (int j = 0; j < leaks_cols(l); j++) {
                if (!leaks_is_leak(l, s, i, j)) continue;
                char why[256];
                LeakWhy k = leaks_why(l, s, i, j, why, sizeof why);
                fprintf(f, "%s\n    {\"sentence\": %d, \"output\": %d, \"input\": %d, \"why\": \"%s\", \"reason\": ",
                        n++ ? "," : "", s, i, j, kinds[k]);
                json_string(f, why);
                fputc('}', f);
            }
    fputs("]", f);
    json_rows(f, "nan_outputs", l, leaks_nan);
    json_rows(f, "dead_outputs", l, leaks_dead);
}

/* the per-token losses a line's mean reads, as a grid of [B,L] */
static void print_loss_reads(const Engine *e, const bool *reads, const bool *right)
{
    int B = engine_sentences(e), L = engine_length(e);
    printf("  %*s", LABEL_COLS + 3, "");
    for (int p = 0; p < L && L <= GRID_MAX; p++)
        printf("%3d", p);
    printf("\n");
    for (int s = 0; s < B && L <= GRID_MAX; s++) {
        char words[512];
        engine_sentence_text(e, s, words, sizeof words);
        printf("  s%-*d  ", LABEL_COLS, s);
        for (int p = 0; p < L; p++) {
            size_t i = (size_t)s * L + p;
            printf("  %s", reads[i] && right && !right[i] ? "!" : reads[i] ? "\u25cf" : "\u00b7");
        }
        cmd_line(stdout, "   %s", words);
    }
}

static int run_loss_bug(const Options *o, const BugRun *r)
{
    const Engine *e = bugs_engine(r);
    const Bug *b = bugs_bug(r);
    size_t n = engine_tensor(e, T_LOSSES)->size;
    bool *wrong = xcalloc(n, sizeof *wrong), *right = xcalloc(n, sizeof *right);
    bugs_loss_reads(r, true, wrong);
    bugs_loss_reads(r, false, right);
    int leaks = 0;
    for (size_t i = 0; i < n; i++)
        leaks += wrong[i] && !right[i];
    if (o->given & OPT_JSON) {
        Tensor *w = tensor_new2(TENSOR_INT, engine_sentences(e), engine_length(e));
        Tensor *rt = tensor_new2(TENSOR_INT, engine_sentences(e), engine_length(e));
        for (size_t i = 0; i < n; i++) w->data[i] = wrong[i], rt->data[i] = right[i];
        printf("{\n  \"bug\": ");
        json_string(stdout, b->slug);
        printf(",\n  \"mode\": ");
        json_string(stdout, b->mode);
        json_tokens(stdout, "tokens", e, 0, engine_sentences(e) - 1, false);
        json_tensor(stdout, "loss_reads", w);
        json_tensor(stdout, "right_loss_reads", rt);
        printf(",\n  \"loss\": ");
        json_number(stdout, bugs_loss(r, true));
        printf(",\n  \"right_loss\": ");
        json_number(stdout, bugs_loss(r, false));
        json_tensor(stdout, "counted", bugs_counted(r, true));
        json_tensor(stdout, "right_counted", bugs_counted(r, false));
        char number[256];
        bugs_wrong_number(r, -1, number, sizeof number);
        printf(",\n  \"wrong_number\": ");
        json_string(stdout, number);
        printf(",\n  \"loss_leaks\": %d\n}\n", leaks);
        tensor_free(w);
        tensor_free(rt);
    } else {
        cmd_line(stdout, "Bug %s: %s", b->slug, b->title);
        cmd_line(stdout, "  \u2717 %s", b->wrong_code);
        cmd_line(stdout, "  \u2713 %s", b->right_code);
        printf("\nThe buggy mean reads these per-token losses (\u25cf read, \u00b7 not, ! read though the right line "
               "does not count it):\n");
        print_loss_reads(e, wrong, right);
        printf("\nThe right mean reads:\n");
        print_loss_reads(e, right, NULL);
        char number[256];
        bugs_wrong_number(r, -1, number, sizeof number);
        printf("\n");
        cmd_line(stdout, "%d position%s leak into the loss: %s.", leaks, leaks == 1 ? "" : "s", number);
    }
    free(wrong);
    free(right);
    return leaks ? CMD_FOUND : CMD_OK;
}

static int run_attention(const Options *o, const Engine *e, const Forward *fw, const Forward *right_fw,
                         const char *what, const BugRun *r, int sentence)
{
    char err[512];
    const Bug *b = r ? bugs_bug(r) : NULL;
    Leaks *l = leaks_run(e, fw, sentence, err, sizeof err);
    Leaks *right = l && right_fw ? leaks_run(e, right_fw, sentence, err, sizeof err) : NULL;
    if (!l || (right_fw && !right)) {
        leaks_free(l);
        return cmd_fail("leaks", CMD_USAGE, "%s", err);
    }
    int gained = 0, lost = 0, nan = 0;
    int diff = right ? differences(l, right, &gained, &lost, &nan) : 0;
    int found = leaks_count(l) + diff;
    if (o->given & OPT_JSON) {
        printf("{\n  \"scenario\": ");
        json_string(stdout, engine_scenario(e)->name);
        printf(",\n  \"mode\": ");
        json_string(stdout, engine_mode(e)->name);
        printf(",\n  \"bug\": ");
        if (b) json_string(stdout, b->slug);
        else printf("null");
        json_attention(stdout, l, right);
        printf(",\n  \"leak_count\": %d", leaks_count(l));
        if (right) printf(",\n  \"gained\": %d,\n  \"lost\": %d,\n  \"new_nan_outputs\": %d", gained, lost, nan);
        if (r) {
            /* what both lines computed, for anyone who wants to check them (the whole batch) */
            json_tensor(stdout, "mask", bugs_mask(r, true));
            json_tensor(stdout, "right_mask", bugs_mask(r, false));
            json_tensor(stdout, "weights", bugs_weights(r, true));
            json_tensor(stdout, "right_weights", bugs_weights(r, false));
            json_tensor(stdout, "output", bugs_output(r, true));
            json_tensor(stdout, "right_output", bugs_output(r, false));
            char number[256];
            bugs_wrong_number(r, sentence, number, sizeof number);
            printf(",\n  \"wrong_number\": ");
            json_string(stdout, number);
        }
        printf("\n}\n");
    } else {
        cmd_line(stdout, "%s", what);
        if (b) {
            cmd_line(stdout, "  \u2717 %s", b->wrong_code);
            cmd_line(stdout, "  \u2713 %s", b->right_code);
        }
        printf("Rows are outputs, columns the inputs they may depend on: \u25cf depends, \u00b7 does not, ! a leak "
               "(an input its mask blocks)");
        if (right) printf(",\n+ depends only in the buggy line, \u25cb depends only in the right line");
        printf(".\n\n");
        print_grids(l, right);
        print_leaks(l);
        if (leaks_count(l))
            cmd_line(stdout, "%d leak%s: real outputs depend on inputs the %s mask blocks.", leaks_count(l),
                     leaks_count(l) == 1 ? "" : "s", right ? "right" : "mode's");
        else
            printf("No leak: every real output depends only on inputs its mask allows.\n");
        if (right) {
            printf("Against the right line: %d dependenc%s gained, %d lost, %d output%s newly NaN.\n", gained,
                   gained == 1 ? "y" : "ies", lost, nan, nan == 1 ? "" : "s");
        }
    }
    leaks_free(l);
    leaks_free(right);
    return found ? CMD_FOUND : CMD_OK;
}

int cmd_leaks(int argc, char **argv)
{
    Options o;
    if (!cmd_options("leaks", argc, argv, OPT_SCENARIO | OPT_MODE | OPT_TERMS | OPT_BUG | OPT_SENTENCE | OPT_JSON, 0,
                     &o))
        return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        printf("Changes each input token in turn and shows which outputs change. MODE is %s;\n"
               "NAME is a bug of the gallery: %s.\n"
               "Exit status 3 when a leak is found (for --bug: anything the buggy line changes).\n",
               cmd_mode_names(), bugs_names());
        cmd_terms_help();
        return cmd_flush_stdout("leaks");
    }
    const Bug *b = NULL;
    if (o.bug) {
        if (o.given & (OPT_MODE | OPT_TERMS))
            return cmd_fail("leaks", CMD_USAGE, "--bug computes its bug's own mode: drop --mode and --terms");
        if (!(b = bugs_find(o.bug)))
            return cmd_fail("leaks", CMD_USAGE, "--bug: '%s' is not a bug of the gallery; use %s", o.bug, bugs_names());
    }
    if (o.mode && !mode_has_tensors(o.mode))
        return cmd_fail("leaks", CMD_USAGE, "mode %s is the gallery of bugs, not a mask: test one with --bug NAME (%s)",
                        o.mode->name, bugs_names());
    int status = CMD_OK;
    Scenario *sc = cmd_load_scenario("leaks", &o, &status);
    if (!sc) return status;
    int sentence = (o.given & OPT_SENTENCE) ? o.sentence : -1;
    char err[512], what[512];
    if (b) {
        BugRun *r = bugs_run(b, sc, err, sizeof err);
        if (!r) {
            status = cmd_fail("leaks", CMD_USAGE, "%s", err);
        } else if (b->kind == BUG_LOSS) {
            status = (o.given & OPT_SENTENCE) ? cmd_fail("leaks", CMD_USAGE, "--bug %s is about the loss of the whole "
                                                         "batch; --sentence does not apply", b->slug)
                                              : run_loss_bug(&o, r);
        } else {
            snprintf(what, sizeof what, "Bug %s (%s) on the %s%s, beside the right line of mode %s:", b->slug, b->title,
                     sc->name, b->left_padding ? " padded on the left" : "", b->mode);
            status = run_attention(&o, bugs_engine(r), bugs_forward(r, true), bugs_forward(r, false), what, r, sentence);
        }
        bugs_run_free(r);
    } else {
        const Mode *m = o.mode ? o.mode : mode_default();
        Engine *e = engine_new(sc, m, err, sizeof err);
        if (!e) {
            status = cmd_fail("leaks", CMD_USAGE, "%s", err);
        } else {
            snprintf(what, sizeof what, "Leaks in mode %s (%s), %s:", m->name, m->title, sc->name);
            status = run_attention(&o, e, NULL, NULL, what, NULL, sentence);
        }
        engine_free(e);
    }
    scenario_free(sc);
    int flushed = cmd_flush_stdout("leaks");
    return flushed != CMD_OK ? flushed : status;
}
