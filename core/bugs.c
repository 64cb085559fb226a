/* Ten classic ways to get a mask wrong, each beside the line that gets it
 * right, computed on the same batch:
 *
 *     tril-for-triu       tril(−∞, diagonal=−1): the past blocked, the future open
 *     diagonal-0          triu(−∞, diagonal=0): no token sees itself; row 0 sees nothing
 *     rows-not-columns    the padding mask on query rows instead of key columns
 *     inverted-bool       an SDPA mask (True = attend) given to nn.MultiheadAttention (True = blocked)
 *     no-padding-left     causal alone on a batch padded on the left
 *     loss-over-padding   batch_losses.mean(), [PAD] positions counted
 *     no-ignore-index     labels 0 instead of −100: every position a target
 *     fp16-neg-inf        −inf in float16 with a fully masked row: NaN
 *     finfo-min-then-add  two finfo.min masks added: −inf where both block
 *     mask-after-softmax  weights zeroed after the softmax: rows sum below 1
 *
 * Every line is computed as PyTorch computes it: a row of only −inf is
 * NaN (torch.softmax), float16 rounds, float32 overflows. The right line
 * of the three left-padded bugs fills blocked cells with finfo.min, as
 * Hugging Face does, so that it has no NaN rows of its own. */
#include "bugs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaks.h"
#include "loss.h"
#include "steps.h"
#include "text.h"
#include "xmalloc.h"

/* ---- which cells each wrong line blocks ---- */

static bool pad(const Engine *e, int s, int k)
{
    return !engine_is_real(e, s, k);
}

static bool qpad(const Engine *e, int s, int q)
{
    return !engine_query_is_real(e, s, q);
}

/* variant 0 with the padding term, 1 without */
static bool tril_blocks(const Engine *e, int v, int s, int q, int k)
{
    return (v == 0 && pad(e, s, k)) || k < q;
}

static bool diagonal0_blocks(const Engine *e, int v, int s, int q, int k)
{
    return (v == 0 && pad(e, s, k)) || k >= q;
}

/* variant 0 alone (the padding mode's mistake), 1 with causal */
static bool rows_blocks(const Engine *e, int v, int s, int q, int k)
{
    return qpad(e, s, q) || (v == 1 && k > q);
}

/* the complement of padding + causal (0), of causal (1), of padding (2) */
static bool inverted_blocks(const Engine *e, int v, int s, int q, int k)
{
    bool right = v == 0 ? pad(e, s, k) || k > q : v == 1 ? k > q : pad(e, s, k);
    return !right;
}

static bool causal_blocks(const Engine *e, int v, int s, int q, int k)
{
    (void)e, (void)v, (void)s;
    return k > q;
}

static const Bug table[] = {
    {
        .slug = "tril-for-triu", .title = "tril where triu was meant",
        .wrong_code = "mask = torch.tril(torch.full((L, L), float(\"-inf\")), diagonal=-1)",
        .right_code = "mask = torch.triu(torch.full((L, L), float(\"-inf\")), diagonal=1)",
        .why = "tril keeps the lower triangle: the past is blocked and the future is open, the mirror image of a "
               "causal mask.",
        .symptom = "Each token reads the words after it: the training loss falls suspiciously fast, and generation, "
                   "which has no future to read, is gibberish.",
        .mode = "combined", .kind = BUG_ATTENTION, .wrong_fill = -INFINITY, .right_fill = -INFINITY,
        .blocks = tril_blocks, .variants = 2, .shows = BUG_SHOWS_OUTPUT,
    },
    {
        .slug = "diagonal-0", .title = "diagonal=0: no token sees itself",
        .wrong_code = "mask = torch.triu(torch.full((L, L), float(\"-inf\")), diagonal=0)",
        .right_code = "mask = torch.triu(torch.full((L, L), float(\"-inf\")), diagonal=1)",
        .why = "diagonal=0 blocks the diagonal too: a token may not attend to itself, and the first token may attend "
               "to nothing at all.",
        .symptom = "The first token's row is fully masked, so its output is NaN and so is the loss; every other token "
                   "ignores its own value.",
        .mode = "combined", .kind = BUG_ATTENTION, .wrong_fill = -INFINITY, .right_fill = -INFINITY,
        .blocks = diagonal0_blocks, .variants = 2, .shows = BUG_SHOWS_OUTPUT,
    },
    {
        .slug = "rows-not-columns", .title = "Masking rows instead of key columns",
        .wrong_code = "A_pad = padding_mask[:, :, None].expand(B, L, L)  # rows",
        .right_code = "A_pad = padding_mask[:, None, :].expand(B, L, L)  # key columns",
        .why = "The padding mask broadcast along the wrong axis blocks the [PAD] queries and leaves the [PAD] keys "
               "open to every real token.",
        .symptom = "Real tokens attend to [PAD]: their outputs change with the amount of padding in the batch, and "
                   "the padded rows turn NaN.",
        .mode = "padding", .kind = BUG_ATTENTION, .wrong_fill = -INFINITY, .right_fill = -INFINITY,
        .blocks = rows_blocks, .variants = 2, .shows = BUG_SHOWS_OUTPUT,
    },
    {
        .slug = "inverted-bool", .title = "An SDPA mask given to nn.MultiheadAttention",
        .wrong_code = "mha(x, x, x, attn_mask=keep)  # keep: True = attend, as SDPA takes it",
        .right_code = "mha(x, x, x, attn_mask=~keep)  # nn.MultiheadAttention: True = blocked",
        .why = "The two PyTorch APIs read a bool mask the opposite ways, so every cell flips: what should be seen is "
               "blocked and what should be blocked is seen.",
        .symptom = "Attention goes exactly where it must not, to the future and to [PAD], and a row that should see "
                   "everything sees nothing: NaN.",
        .mode = "combined", .kind = BUG_ATTENTION, .wrong_fill = -INFINITY, .right_fill = -INFINITY,
        .blocks = inverted_blocks, .variants = 3, .shows = BUG_SHOWS_OUTPUT,
    },
    {
        .slug = "no-padding-left", .title = "Left padding without a padding mask",
        .wrong_code = "scores = scores + causal  # a left-padded batch, no padding mask",
        .right_code = "scores = scores.masked_fill(~keep, torch.finfo(scores.dtype).min)  # keep: causal and real keys",
        .why = "With the [PAD]s in front, the causal mask lets every real token see them: they come before it.",
        .symptom = "Batched generation differs from one prompt at a time: real tokens read the [PAD]s in front of "
                   "them.",
        .mode = "combined", .left_padding = true, .kind = BUG_ATTENTION, .wrong_fill = -INFINITY,
        .right_fill = -3.4028234663852886e38, .blocks = causal_blocks, .variants = 1, .shows = BUG_SHOWS_OUTPUT,
    },
    {
        .slug = "loss-over-padding", .title = "Averaging the loss over padding",
        .wrong_code = "loss = batch_losses.mean()",
        .right_code = "loss = (batch_losses * padding_loss_mask).sum() / padding_loss_mask.sum()",
        .why = "mean() divides by every cell of the batch, [PAD] positions included, whose losses mean nothing.",
        .symptom = "The loss moves with the amount of padding in a batch, and the model is trained on positions that "
                   "hold no word.",
        .mode = "padding", .kind = BUG_LOSS,
    },
    {
        .slug = "no-ignore-index", .title = "Labels without \u2212100",
        .wrong_code = "labels = torch.where(mlm_batch == MASK_IDX, batch, 0)",
        .right_code = "labels = torch.where(mlm_batch == MASK_IDX, batch, -100)",
        .why = "nn.CrossEntropyLoss skips only targets equal to ignore_index (\u2212100); a 0 is the [PAD] class, so "
               "every position becomes a target.",
        .symptom = "The model is also trained to predict [PAD] at every visible word, and the easy positions dilute "
                   "the loss of the masked ones.",
        .mode = "mlm", .kind = BUG_LOSS,
    },
    {
        .slug = "fp16-neg-inf", .title = "\u2212inf in float16 with a fully masked row",
        .wrong_code = "scores = scores.half().masked_fill(~keep, float(\"-inf\"))",
        .right_code = "scores = scores.half().masked_fill(~keep, torch.finfo(torch.float16).min)",
        .why = "Left padding and causal together block every key of a [PAD] row; softmax of a row of only \u2212inf "
               "is 0/0. finfo.min (\u221265504) keeps it finite: uniform weights.",
        .symptom = "A fully masked row is NaN; in the next layer 0 \u00d7 NaN spreads it to every token, and the loss "
                   "is NaN.",
        .mode = "combined", .left_padding = true, .kind = BUG_ATTENTION, .wrong_fill = -INFINITY,
        .right_fill = BUGS_F16_MIN, .precision = FORWARD_F16, .shows = BUG_SHOWS_OUTPUT,
    },
    {
        .slug = "finfo-min-then-add", .title = "Two finfo.min masks added",
        .wrong_code = "mask = padding_4d + causal_4d  # both hold torch.finfo(dtype).min",
        .right_code = "mask = causal_4d.masked_fill(padding_4d != 0, torch.finfo(dtype).min)",
        .why = "finfo.min + finfo.min is beyond float32: the cells both masks block become \u2212inf, and finfo.min's "
               "promise of no NaN is gone.",
        .symptom = "Padded rows stop being uniform, outputs differ between attention implementations, and a row "
                   "blocked twice everywhere is NaN (Hugging Face, PR #27114).",
        .mode = "combined", .left_padding = true, .kind = BUG_ATTENTION, .wrong_fill = -3.4028234663852886e38,
        .right_fill = -3.4028234663852886e38, .wrong_adds_two = true, .shows = BUG_SHOWS_WEIGHTS,
    },
    {
        .slug = "mask-after-softmax", .title = "Masking after the softmax",
        .wrong_code = "weights = torch.softmax(scores, -1).masked_fill(~keep, 0.0)",
        .right_code = "weights = torch.softmax(scores.masked_fill(~keep, float(\"-inf\")), -1)",
        .why = "Zeroing weights after the softmax leaves the denominator that the blocked keys made: rows no longer "
               "sum to 1.",
        .symptom = "Rows no longer sum to 1, and the future still leaks in through the softmax's denominator though "
                   "its weights read 0.",
        .mode = "combined", .kind = BUG_ATTENTION, .wrong_fill = -INFINITY, .right_fill = -INFINITY,
        .wrong_at = FORWARD_AFTER_SOFTMAX, .shows = BUG_SHOWS_ROW_SUM,
    },
};

enum { NBUGS = sizeof table / sizeof table[0] };

int bugs_count(void) { return NBUGS; }

const Bug *bugs_at(int i)
{
    EXPECT(i >= 0 && i < NBUGS);
    return &table[i];
}

const Bug *bugs_find(const char *slug)
{
    for (int i = 0; slug && i < NBUGS; i++)
        if (strcmp(table[i].slug, slug) == 0)
            return &table[i];
    return NULL;
}

static const char *slug_at(int i)
{
    return table[i].slug;
}

const char *bugs_names(void)
{
    static char names[320];
    return text_join(names, sizeof names, NBUGS, slug_at);
}

/* ---- both lines on one scenario ---- */

typedef struct Side {
    const BugRun *run;
    bool wrong;
} Side;

struct BugRun {
    const Bug *bug;
    Scenario *sc;
    Engine *e;
    Side side[2];               /* [0] wrong, [1] right */
    Forward fw[2];
    Tensor *mask[2], *weights[2], *output[2], *softmax;
    Tensor *counted[2], *share[2];
    double loss[2];
};

/* the mask row one line applies: 0 keeps; −inf or a finfo minimum blocks */
static void side_row(const void *ctx, int s, int q, double *row)
{
    const Side *side = ctx;
    const BugRun *r = side->run;
    const Bug *b = r->bug;
    const Engine *e = r->e;
    int Lq = engine_query_length(e), Lk = engine_length(e);
    const double *right = engine_tensor(e, T_MASK)->data + ((size_t)s * Lq + q) * Lk;
    for (int k = 0; k < Lk; k++) {
        if (side->wrong && b->wrong_adds_two) {
            /* HF's padding mask plus its causal mask, each 0 or finfo.min, summed in float32 */
            double p = pad(e, s, k) ? b->wrong_fill : 0, c = k > q ? b->wrong_fill : 0;
            row[k] = forward_f32(p + c);
            continue;
        }
        bool blk = side->wrong && b->blocks ? b->blocks(e, 0, s, q, k) : isinf(right[k]);
        row[k] = blk ? (side->wrong ? b->wrong_fill : b->right_fill) : 0.0;
    }
}

static void no_mask(const void *ctx, int s, int q, double *row)
{
    const Engine *e = ctx;
    (void)s, (void)q;
    for (int k = 0; k < engine_length(e); k++)
        row[k] = 0;
}

/* weights and outputs of forward f for every query of e's batch */
static void run_forward(const Engine *e, const Forward *f, Tensor **weights, Tensor **output)
{
    int B = engine_sentences(e), Lq = engine_query_length(e), Lk = engine_length(e), d = engine_d(e);
    *weights = tensor_new3(TENSOR_FLOAT, B, Lq, Lk);
    if (output)
        *output = tensor_new3(TENSOR_FLOAT, B, Lq, d);
    double *scratch = xmalloc(2 * (size_t)Lk * sizeof *scratch), *out = xmalloc((size_t)d * sizeof *out);
    const Tensor *Q = engine_tensor(e, T_Q), *K = engine_tensor(e, T_K), *V = engine_tensor(e, T_V);
    for (int s = 0; s < B; s++)
        for (int q = 0; q < Lq; q++) {
            double *o = output ? (*output)->data + ((size_t)s * Lq + q) * d : out;
            forward_row(f, s, q, Q->data + ((size_t)s * Lq + q) * d, K->data + (size_t)s * Lk * d,
                        V->data + (size_t)s * Lk * d, Lk, d, scratch, (*weights)->data + ((size_t)s * Lq + q) * Lk, o);
        }
    free(scratch);
    free(out);
}

static double counted_mean(const double *losses, int n, const void *ctx)
{
    const Tensor *counted = ctx;
    double num = 0, den = 0;
    for (int i = 0; i < n; i++) {
        num += losses[i] * counted->data[i];
        den += counted->data[i];
    }
    return num / den;
}

BugRun *bugs_run(const Bug *b, const Scenario *sc, char *err, size_t errlen)
{
    BugRun *r = xcalloc(1, sizeof *r);
    r->bug = b;
    r->sc = scenario_copy(sc);
    if (b->left_padding)
        r->sc->padding = SCENARIO_PAD_LEFT;
    const Mode *m = mode_find(b->mode);
    EXPECT(m);
    r->e = engine_new(r->sc, m, err, errlen);
    if (!r->e) {
        bugs_run_free(r);
        return NULL;
    }
    const Engine *e = r->e;
    for (int w = 0; w < 2; w++) {
        r->side[w] = (Side){.run = r, .wrong = w == 0};
        r->fw[w] = (Forward){.mask_row = side_row, .ctx = &r->side[w], .at = w == 0 ? b->wrong_at : FORWARD_ADD,
                             .precision = b->precision, .policy = SCENARIO_ROWS_NAN};
    }
    if (b->kind == BUG_ATTENTION) {
        int B = engine_sentences(e), Lq = engine_query_length(e), Lk = engine_length(e);
        for (int w = 0; w < 2; w++) {
            r->mask[w] = tensor_new3(TENSOR_FLOAT, B, Lq, Lk);
            for (int s = 0; s < B; s++)
                for (int q = 0; q < Lq; q++)
                    side_row(&r->side[w], s, q, r->mask[w]->data + ((size_t)s * Lq + q) * Lk);
            run_forward(e, &r->fw[w], &r->weights[w], &r->output[w]);
        }
        if (b->wrong_at == FORWARD_AFTER_SOFTMAX) {
            Forward plain = {.mask_row = no_mask, .ctx = e, .at = FORWARD_ADD, .precision = b->precision,
                             .policy = SCENARIO_ROWS_NAN};
            run_forward(e, &plain, &r->softmax, NULL);
        }
    } else {
        const Tensor *right = engine_tensor(e, T_LOSS_MASK), *losses = engine_tensor(e, T_LOSSES);
        r->counted[1] = tensor_copy(right);
        r->counted[0] = tensor_copy(right);
        for (size_t i = 0; i < r->counted[0]->size; i++)
            r->counted[0]->data[i] = 1; /* mean(), or labels that are never −100: every position */
        for (int w = 0; w < 2; w++) {
            r->loss[w] = loss_masked_mean(losses, r->counted[w]);
            r->share[w] = tensor_copy(r->counted[w]);
            double sum = 0;
            for (size_t i = 0; i < r->counted[w]->size; i++)
                sum += r->counted[w]->data[i];
            for (size_t i = 0; i < r->share[w]->size; i++)
                r->share[w]->data[i] = sum > 0 ? r->counted[w]->data[i] / sum : NAN;
        }
    }
    return r;
}

void bugs_run_free(BugRun *r)
{
    if (!r)
        return;
    for (int w = 0; w < 2; w++) {
        tensor_free(r->mask[w]);
        tensor_free(r->weights[w]);
        tensor_free(r->output[w]);
        tensor_free(r->counted[w]);
        tensor_free(r->share[w]);
    }
    tensor_free(r->softmax);
    engine_free(r->e);
    scenario_free(r->sc);
    free(r);
}

const Bug *bugs_bug(const BugRun *r) { return r->bug; }
const Engine *bugs_engine(const BugRun *r) { return r->e; }
const Forward *bugs_forward(const BugRun *r, bool wrong) { return &r->fw[wrong ? 0 : 1]; }
const Tensor *bugs_mask(const BugRun *r, bool wrong) { return r->mask[wrong ? 0 : 1]; }
const Tensor *bugs_weights(const BugRun *r, bool wrong) { return r->weights[wrong ? 0 : 1]; }
const Tensor *bugs_output(const BugRun *r, bool wrong) { return r->output[wrong ? 0 : 1]; }
const Tensor *bugs_softmax(const BugRun *r) { return r->softmax; }
const Tensor *bugs_counted(const BugRun *r, bool wrong) { return r->counted[wrong ? 0 : 1]; }
const Tensor *bugs_share(const BugRun *r, bool wrong) { return r->share[wrong ? 0 : 1]; }
double bugs_loss(const BugRun *r, bool wrong) { return r->loss[wrong ? 0 : 1]; }

void bugs_loss_reads(const BugRun *r, bool wrong, bool *out)
{
    EXPECT(r->bug->kind == BUG_LOSS);
    const Tensor *losses = engine_tensor(r->e, T_LOSSES);
    leaks_loss(counted_mean, r->counted[wrong ? 0 : 1], losses->data, (int)losses->size, out);
}

/* ---- the wrong number ---- */

static bool rows_differ(const BugRun *r, int s, int q)
{
    int Lq = engine_query_length(r->e), d = engine_d(r->e);
    size_t at = ((size_t)s * Lq + q) * d;
    return memcmp(r->output[0]->data + at, r->output[1]->data + at, (size_t)d * sizeof(double)) != 0;
}

/* the first row of sentence s whose output differs, real rows first; -1: none */
static int telling_row(const BugRun *r, int s)
{
    int Lq = engine_query_length(r->e);
    for (int pass = 0; pass < 2; pass++)
        for (int q = 0; q < Lq; q++)
            if (engine_query_is_real(r->e, s, q) == (pass == 0) && rows_differ(r, s, q))
                return q;
    return -1;
}

int bugs_telling_sentence(const BugRun *r)
{
    if (r->bug->kind == BUG_LOSS)
        return r->loss[0] != r->loss[1] ? 0 : -1;
    for (int s = 0; s < engine_sentences(r->e); s++)
        if (telling_row(r, s) >= 0)
            return s;
    return -1;
}

/* "[0.12, −0.40, …]": n values, at most 6 shown */
static void vector(char *buf, size_t n, const double *v, int count)
{
    bool all_nan = count > 0;
    for (int i = 0; i < count; i++)
        all_nan = all_nan && isnan(v[i]);
    if (all_nan) {
        snprintf(buf, n, "NaN");
        return;
    }
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < count && i < 6 && k < n; i++) {
        char num[32];
        steps_format_value(v[i], false, 2, num, sizeof num);
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", num);
    }
    if (k < n)
        snprintf(buf + k, n - k, "%s]", count > 6 ? ", \u2026" : "");
}

void bugs_wrong_number(const BugRun *r, int s, char *buf, size_t n)
{
    const Bug *b = r->bug;
    if (b->kind == BUG_LOSS) {
        double cw = 0, cr = 0;
        for (size_t i = 0; i < r->counted[0]->size; i++) {
            cw += r->counted[0]->data[i];
            cr += r->counted[1]->data[i];
        }
        snprintf(buf, n, "loss = %.3f, should be %.3f: %g positions counted instead of %g", r->loss[0], r->loss[1], cw,
                 cr);
        return;
    }
    int shown = s;
    if (s < 0 || telling_row(r, s) < 0) {
        int t = bugs_telling_sentence(r);
        if (t < 0) {
            snprintf(buf, n, "no output of this batch changes: the bug needs %s", b->left_padding || b->kind == BUG_LOSS
                     ? "a padded sentence" : "a sentence it can show");
            return;
        }
        if (s >= 0) {
            snprintf(buf, n, "sentence %d shows no difference; sentence %d does", s, t);
            return;
        }
        shown = t;
    }
    const Engine *e = r->e;
    int q = telling_row(r, shown), Lq = engine_query_length(e), Lk = engine_length(e), d = engine_d(e);
    const char *word = engine_query_labels(e, shown)[q];
    char a[200], c[200];
    const double *w0 = r->weights[0]->data + ((size_t)shown * Lq + q) * Lk;
    const double *w1 = r->weights[1]->data + ((size_t)shown * Lq + q) * Lk;
    const double *o0 = r->output[0]->data + ((size_t)shown * Lq + q) * d;
    const double *o1 = r->output[1]->data + ((size_t)shown * Lq + q) * d;
    char where[32] = "";
    if (s < 0)
        snprintf(where, sizeof where, " of sentence %d", shown);
    switch (b->shows) {
    case BUG_SHOWS_WEIGHTS:
        vector(a, sizeof a, w0, Lk);
        vector(c, sizeof c, w1, Lk);
        snprintf(buf, n, "A_weights[%d] \u201c%s\u201d%s = %s, should be %s", q, word, where, a, c);
        return;
    case BUG_SHOWS_ROW_SUM: {
        double sum = 0;
        for (int k = 0; k < Lk; k++)
            sum += w0[k];
        char num[32];
        steps_format_value(sum, false, 2, num, sizeof num);
        snprintf(buf, n, "A_weights[%d] \u201c%s\u201d%s sums to %s, not 1: so does every row with a blocked key", q,
                 word, where, num);
        (void)o0, (void)o1;
        return;
    }
    default:
        vector(a, sizeof a, o0, d);
        vector(c, sizeof c, o1, d);
        snprintf(buf, n, "output[%d] \u201c%s\u201d%s = %s, should be %s", q, word, where, a, c);
        return;
    }
}

bool bugs_blocks_match(const Bug *b, const Engine *e, const bool *blocked)
{
    if (!b->blocks)
        return false;
    int B = engine_sentences(e), Lq = engine_query_length(e), Lk = engine_length(e);
    for (int v = 0; v < b->variants; v++) {
        bool same = true;
        for (int s = 0; s < B && same; s++)
            for (int q = 0; q < Lq && same; q++)
                for (int k = 0; k < Lk && same; k++)
                    same = blocked[((size_t)s * Lq + q) * Lk + k] == b->blocks(e, v, s, q, k);
        if (same)
            return true;
    }
    return false;
}
