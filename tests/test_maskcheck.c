/* check-mask: masks written by hand for the running example, each mode's
 * mask in every convention, and the artifact of every bug of the gallery
 * (the tensor its buggy line makes), judged as what they are; and bad
 * files refused with their line, column and element. The PyTorch
 * cross-check feeds the same verdicts with masks made by the buggy lines
 * themselves. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "convention.h"
#include "maskcheck.h"
#include "strbuf.h"
#include "support.h"

static MaskCheck *judge(const char *json, const char *as, const Scenario *sc)
{
    char err[512];
    MaskCheck *c = maskcheck_parse(json, strlen(json), "m.json", as, sc, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    return c;
}

static void expect(const char *json, const char *as, MaskVerdict v, const char *bug)
{
    Scenario *sc = scenario_default();
    MaskCheck *c = judge(json, as, sc);
    char *report = maskcheck_report(c);
    cr_assert_eq(maskcheck_verdict(c), v, "--as %s: %s", as, report);
    if (bug) cr_assert_str_eq(maskcheck_bug(c)->slug, bug, "%s", report);
    free(report);
    maskcheck_free(c);
    scenario_free(sc);
}

static void expect_error(const char *json, const char *as, const char *want)
{
    Scenario *sc = scenario_default();
    char err[512];
    cr_assert_null(maskcheck_parse(json, strlen(json), "m.json", as, sc, err, sizeof err));
    cr_assert_str_eq(err, want);
    scenario_free(sc);
}

/* the running example: "The cat ate" / "The cat ate fish pie" / "The cat ate fish" */
#define NI "-Infinity"
static const char combined_additive[] =
    "[[[0.0, " NI ", " NI ", " NI ", " NI "], [0.0, 0.0, " NI ", " NI ", " NI "], [0.0, 0.0, 0.0, " NI ", " NI "],"
    "  [0.0, 0.0, 0.0, " NI ", " NI "], [0.0, 0.0, 0.0, " NI ", " NI "]],\n"
    " [[0.0, " NI ", " NI ", " NI ", " NI "], [0.0, 0.0, " NI ", " NI ", " NI "], [0.0, 0.0, 0.0, " NI ", " NI "],"
    "  [0.0, 0.0, 0.0, 0.0, " NI "], [0.0, 0.0, 0.0, 0.0, 0.0]],\n"
    " [[0.0, " NI ", " NI ", " NI ", " NI "], [0.0, 0.0, " NI ", " NI ", " NI "], [0.0, 0.0, 0.0, " NI ", " NI "],"
    "  [0.0, 0.0, 0.0, 0.0, " NI "], [0.0, 0.0, 0.0, 0.0, " NI "]]]";

Test(maskcheck, masks_written_by_hand)
{
    expect(combined_additive, "additive", MASK_CORRECT, NULL);
    /* the causal matrix alone, broadcast over the batch: right-padded, so correct */
    expect("[[0, \"-inf\", \"-inf\"" ", \"-inf\", \"-inf\"], [0, 0, \"-inf\", \"-inf\", \"-inf\"], [0, 0, 0, \"-inf\", "
           "\"-inf\"], [0, 0, 0, 0, \"-inf\"], [0, 0, 0, 0, 0]]", "additive", MASK_CORRECT, NULL);
    /* torch.tril(torch.full((5, 5), -inf), diagonal=-1) */
    expect("[[0, 0, 0, 0, 0], [" NI ", 0, 0, 0, 0], [" NI ", " NI ", 0, 0, 0], [" NI ", " NI ", " NI ", 0, 0], [" NI
           ", " NI ", " NI ", " NI ", 0]]", "additive", MASK_BUG, "tril-for-triu");
    /* torch.triu(…, diagonal=0) */
    expect("[[" NI ", " NI ", " NI ", " NI ", " NI "], [0, " NI ", " NI ", " NI ", " NI "], [0, 0, " NI ", " NI ", " NI
           "], [0, 0, 0, " NI ", " NI "], [0, 0, 0, 0, " NI "]]", "additive", MASK_BUG, "diagonal-0");
    /* the tokenizer's attention_mask, and the same with 1 and 0 swapped */
    expect("[[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]", "hf", MASK_CORRECT, NULL);
    expect("[[0, 0, 0, 1, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]", "hf", MASK_BUG, "inverted-bool");
    /* key_padding_mask: True = [PAD] */
    expect("[[false, false, false, true, true], [false, false, false, false, false], [false, false, false, false, true]]",
           "mha", MASK_CORRECT, NULL);
    /* torch.tril(torch.ones(5, 5)).bool(): right for SDPA, inverted for nn.MultiheadAttention */
    const char *tril_keep = "[[true, false, false, false, false], [true, true, false, false, false], [true, true, true, "
                            "false, false], [true, true, true, true, false], [true, true, true, true, true]]";
    expect(tril_keep, "sdpa", MASK_CORRECT, NULL);
    expect(tril_keep, "mha", MASK_BUG, "inverted-bool");
    /* the same causal keep mask as 0/1 floats, multiplied into the weights */
    expect("[[1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 0.0], "
           "[1.0, 1.0, 1.0, 1.0, 1.0]]", "additive", MASK_BUG, "mask-after-softmax");
    /* a window that reads every other key is no mode's and no bug's */
    expect("[[0, " NI ", 0, " NI ", 0], [" NI ", 0, " NI ", 0, " NI "], [0, " NI ", 0, " NI ", 0], [" NI
           ", 0, " NI ", 0, " NI "], [0, " NI ", 0, " NI ", 0]]", "additive", MASK_UNKNOWN, NULL);
    /* labels: -100 at every [PAD], or 0 (the [PAD] class) */
    expect("[[1, 2, 3, -100, -100], [1, 2, 3, 4, 5], [1, 2, 3, 4, -100]]", "labels", MASK_CORRECT, NULL);
    expect("[[1, 2, 3, 0, 0], [1, 2, 3, 4, 5], [1, 2, 3, 4, 0]]", "labels", MASK_BUG, "no-ignore-index");
    /* MLM labels: the word at each [MASK], -100 elsewhere */
    expect("[[-100, 2, -100, -100, 5], [1, -100, 3, -100, -100], [-100, -100, -100, 4, -100]]", "labels",
           MASK_CORRECT, NULL);
    /* loss masks */
    expect("[[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]", "loss", MASK_CORRECT, NULL);
    expect("[[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]", "loss", MASK_BUG, "loss-over-padding");
    expect("[[0.5, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0.25, 1, 0]]", "loss", MASK_CORRECT, NULL);
}

Test(maskcheck, a_sliding_window_is_recognised_by_its_mode)
{
    /* a window of W = 3, one matrix for the batch: mode sliding's mask without its padding term, which no
     * real token misses while the padding is on the right */
    const char *window = "[[0, " NI ", " NI ", " NI ", " NI "], [0, 0, " NI ", " NI ", " NI "], [0, 0, 0, " NI ", " NI
                         "], [" NI ", 0, 0, 0, " NI "], [" NI ", " NI ", 0, 0, 0]]";
    Scenario *sc = scenario_default();
    MaskCheck *c = judge(window, "additive", sc);
    char *report = maskcheck_report(c);
    cr_assert_eq(maskcheck_verdict(c), MASK_CORRECT, "%s", report);
    cr_assert(strstr(report, "Verdict: correct, the mask of mode sliding without its padding term"), "%s", report);
    free(report);
    maskcheck_free(c);
    /* padded on the left, real tokens read the [PAD]s in front: the no-padding-left bug */
    sc->padding = SCENARIO_PAD_LEFT;
    c = judge(window, "additive", sc);
    cr_assert_eq(maskcheck_verdict(c), MASK_BUG);
    cr_assert_str_eq(maskcheck_bug(c)->slug, "no-padding-left");
    maskcheck_free(c);
    scenario_free(sc);
}

/* a tensor as the nested list json.dump(t.tolist()) writes */
static void nested(Strbuf *sb, const Tensor *t, size_t *at, int d, int format)
{
    strbuf_puts(sb, "[");
    for (int i = 0; i < t->shape[d]; i++) {
        if (i) strbuf_puts(sb, ", ");
        if (d + 1 < t->ndim) {
            nested(sb, t, at, d + 1, format);
            continue;
        }
        double v = t->data[(*at)++];
        if (t->dtype == TENSOR_BOOL) strbuf_puts(sb, v != 0 ? "true" : "false");
        else if (isinf(v)) strbuf_puts(sb, v < 0 ? "-Infinity" : "Infinity");
        else if (t->dtype == TENSOR_INT) strbuf_printf(sb, "%.0f", v);
        else strbuf_printf(sb, "%.17g", v);
    }
    strbuf_puts(sb, "]");
    (void)format;
}

static char *json_of(const Tensor *t)
{
    Strbuf sb = {0};
    size_t at = 0;
    nested(&sb, t, &at, 0, 0);
    return strbuf_take(&sb);
}

static MaskVerdict verdict_of(const Tensor *t, const char *as, const Scenario *sc, const char **bug, const Mode **mode)
{
    char *json = json_of(t);
    MaskCheck *c = judge(json, as, sc);
    free(json);
    MaskVerdict v = maskcheck_verdict(c);
    *bug = maskcheck_bug(c) ? maskcheck_bug(c)->slug : NULL;
    char *report = maskcheck_report(c);
    if (mode) {
        const char *at = strstr(report, "the mask of mode ");
        *mode = at ? mode_find(strtok(strchr(at, 'e') + strlen("e mask of mode "), " ")) : NULL;
    }
    free(report);
    maskcheck_free(c);
    return v;
}

Test(maskcheck, every_mode_s_mask_in_every_convention_is_correct)
{
    Scenario *sc = scenario_default();
    int checked = 0;
    for (int m = 0; m < mode_count(); m++) {
        const Mode *mode = mode_at(m);
        if (!mode_has_tensors(mode) || mode->batch != MODE_BATCH_MAIN) continue;
        Engine *e = compute(sc, mode->name);
        for (int f = 0; f < CONV_COUNT; f++) {
            ConvLayout lay;
            char err[256];
            Tensor *t = conv_to((ConvFormat)f, engine_tensor(e, T_MASK), false, &lay, err, sizeof err);
            if (!t) continue; /* hf holds only padding (and padding + causal) */
            if (f == CONV_HF && lay.how == CONV_DECODER && mode->terms[0] != &mask_term_padding) {
                /* causal alone: an attention_mask of all ones, which says no token is padding */
                tensor_free(t);
                continue;
            }
            const char *bug;
            const Mode *found = NULL;
            MaskVerdict v = verdict_of(t, conv_info((ConvFormat)f)->name, sc, &bug, &found);
            cr_assert_eq(v, MASK_CORRECT, "%s --as %s: %s", mode->name, conv_info((ConvFormat)f)->name,
                         bug ? bug : "unknown");
            /* hf's attention_mask is padding alone for an encoder: judged as padding */
            if (lay.how != CONV_DECODER)
                cr_assert_eq(found, lay.how == CONV_ENCODER ? mode_find("padding") : mode, "%s --as %s",
                             mode->name, conv_info((ConvFormat)f)->name);
            checked++;
            tensor_free(t);
        }
        engine_free(e);
    }
    cr_assert_gt(checked, 40);
    scenario_free(sc);
}

Test(maskcheck, every_bug_s_own_tensor_is_that_bug_and_the_right_one_is_correct)
{
    Scenario *sc = scenario_default();
    for (int i = 0; i < bugs_count(); i++) {
        const Bug *b = bugs_at(i);
        char err[256];
        BugRun *r = bugs_run(b, sc, err, sizeof err);
        cr_assert_not_null(r, "%s", err);
        const Scenario *rsc = engine_scenario(bugs_engine(r));
        Tensor *wrong = NULL, *right = NULL;
        const char *as = "additive", *right_as = "additive";
        if (b->kind == BUG_LOSS) {
            if (!strcmp(b->slug, "no-ignore-index")) {
                /* torch.where(mlm_batch == MASK_IDX, batch, 0) and with -100 */
                const Engine *e = bugs_engine(r);
                int B = engine_sentences(e), L = engine_length(e);
                wrong = tensor_new2(TENSOR_INT, B, L);
                right = tensor_new2(TENSOR_INT, B, L);
                for (int s = 0; s < B; s++)
                    for (int p = 0; p < L; p++) {
                        bool masked = engine_id(e, s, p) == engine_mask_id(e);
                        int word = rsc->mlm_source.ids[s][p];
                        wrong->data[s * L + p] = masked ? word : 0;
                        right->data[s * L + p] = masked ? word : -100;
                    }
                as = right_as = "labels";
            } else {
                wrong = tensor_copy(bugs_counted(r, true));
                right = tensor_copy(bugs_counted(r, false));
                as = right_as = "loss";
            }
        } else if (!strcmp(b->slug, "inverted-bool") || !strcmp(b->slug, "mask-after-softmax")) {
            /* the keep mask (True = attend): given to MHA, or multiplied in as 0/1 floats */
            ConvLayout lay;
            right = conv_to(CONV_SDPA, bugs_mask(r, false), false, &lay, err, sizeof err);
            wrong = tensor_copy(right);
            if (!strcmp(b->slug, "mask-after-softmax")) {
                wrong->dtype = TENSOR_FLOAT;
                as = "additive";
            } else {
                as = "mha";
            }
            right_as = "sdpa";
        } else {
            wrong = tensor_copy(bugs_mask(r, true));
            right = tensor_copy(bugs_mask(r, false));
            bool finfo_right = !isinf(b->right_fill);
            as = !strcmp(b->slug, "finfo-min-then-add") ? "finfo" : "additive";
            right_as = finfo_right ? "finfo" : "additive";
        }
        const char *bug;
        MaskVerdict v = verdict_of(wrong, as, rsc, &bug, NULL);
        cr_assert_eq(v, MASK_BUG, "%s: the buggy tensor --as %s is not judged a bug", b->slug, as);
        cr_assert_str_eq(bug, b->slug, "%s --as %s", b->slug, as);
        v = verdict_of(right, right_as, rsc, &bug, NULL);
        cr_assert_eq(v, MASK_CORRECT, "%s: the right tensor --as %s: %s", b->slug, right_as, bug ? bug : "unknown");
        tensor_free(wrong);
        tensor_free(right);
        bugs_run_free(r);
    }
    scenario_free(sc);
}

Test(maskcheck, bad_files_are_one_line_with_their_place)
{
    expect_error("[[0, 0], [0", "additive", "m.json:1:12: json: unexpected end of file; the JSON is incomplete");
    expect_error("[[0, 0.5, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]", "additive",
                 "m.json:1:6: mask[0][1]: 0.5 is not a value of --as additive (float32, 0 = attend, -inf = blocked): "
                 "0. attends, -inf blocks");
    expect_error("[[0, 0, 0], [0, 0]]", "additive",
                 "m.json:1:13: mask[1]: has 2 elements where the first has 3; every row of a tensor has the same length");
    expect_error("[[1, 1, 1], [1, 1, 1]]", "sdpa",
                 "m.json:1:1: mask: shape [2, 3] does not fit the batch of 3 sentences of 5 tokens; --as sdpa takes "
                 "[L, L], [B, L, L], [B, 1, L, L] or [B, 1, 1, L]");
    expect_error("[[1, 1, 1, 1, NaN]]", "hf", "m.json:1:15: mask[0][4]: NaN is not a mask value");
    expect_error("7", "hf", "m.json:1:1: mask: must be a nested list ([L, L], [B, L, L], [B, 1, L, L] or [B, L]), as "
                            "mask.tolist() writes it");
    expect_error("[[1, 2, 3, -7, 0], [1, 2, 3, 4, 5], [1, 2, 3, 4, 0]]", "labels",
                 "m.json:1:12: mask[0][3]: -7 is not a label; labels are token ids from 0, or -100 (ignored)");
    /* a string that merely contains -Infinity stays a string */
    expect_error("[[\"-Infinity!\"]]", "additive", "m.json:1:3: mask[0][0]: must be a number or true/false, as "
                                                  "tensor.tolist() writes a mask");
}
