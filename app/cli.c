/* The text side of maskscope. `print` shows one of the notebook's
 * variables exactly as PyTorch's print() would, so the two can be put
 * side by side; `dump` writes every tensor of a mode as JSON for anyone
 * who wants to recompute it elsewhere. Both read the step engine's
 * computation; nothing here computes a number. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "atomic.h"
#include "doc.h"
#include "lesson.h"
#include "mask.h"
#include "tensor.h"
#include "xmalloc.h"

/* ---- shared option handling ---- */

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cli_common_option(CliOptions *o, const char *cmd, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    bool takes = strcmp(opt, "--scenario") == 0 || strcmp(opt, "--mode") == 0 ||
                 strcmp(opt, "--sentence") == 0;
    if (!takes)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "maskscope %s: %s needs a value\n", cmd, opt);
        return -1;
    }
    const char *val = argv[++*i];
    if (strcmp(opt, "--scenario") == 0) {
        o->scenario_path = val;
    } else if (strcmp(opt, "--mode") == 0) {
        if (!steps_mode_parse(val, &o->mode)) {
            fprintf(stderr, "maskscope %s: --mode: '%s' is not a mode; use padding, causal, combined or mlm\n",
                    cmd, val);
            return -1;
        }
        o->mode_set = true;
    } else {
        long v;
        if (strcmp(val, "all") == 0) {
            o->sentence = -1;
        } else if (parse_int(val, 0, MS_MAX_SENTENCES - 1, &v)) {
            o->sentence = (int)v;
        } else {
            fprintf(stderr, "maskscope %s: --sentence: '%s' is not a sentence; use 0 to %d or all\n", cmd, val,
                    MS_MAX_SENTENCES - 1);
            return -1;
        }
        o->sentence_set = true;
    }
    return 1;
}

Scenario *cli_load_scenario(const CliOptions *o, int *status)
{
    if (!o->scenario_path)
        return scenario_default();
    char err[512];
    bool io = false;
    Scenario *sc = scenario_load(o->scenario_path, &io, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s\n", err);
        *status = io ? CLI_IO : CLI_USAGE;
    }
    return sc;
}

int cli_sentence(const CliOptions *o, const Scenario *sc)
{
    return o->sentence_set ? o->sentence : steps_default_sentence(sc, o->mode);
}

/* stdout is a file like any other: a full disk or a closed pipe is an
 * I/O failure (exit 1) with its one line on stderr */
static int flush_stdout(const char *cmd)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return CLI_OK;
    fprintf(stderr, "maskscope %s: cannot write to standard output: %s\n", cmd, strerror(errno ? errno : EIO));
    return CLI_IO;
}

/* ---- print ---- */

typedef enum Source { SRC_BATCH, SRC_MLM, SRC_MODE } Source;

typedef struct Printable {
    const char *name;
    Source source;      /* which Steps it reads: padding, mlm, or --mode */
    bool per_sentence;  /* honours --sentence */
    const char *help;
} Printable;

static const Printable printables[] = {
    {"batch", SRC_BATCH, false, "the padded batch [B,L]"},
    {"batch_nonzero_indicies", SRC_BATCH, false, "index of each sentence's last real token [B]"},
    {"padding_loss_mask", SRC_BATCH, false, "(batch != PAD_IDX).float() [B,L]"},
    {"batch_losses", SRC_BATCH, false, "per-token losses [B,L]"},
    {"batch_loss", SRC_BATCH, false, "masked mean loss over real tokens"},
    {"mlm_batch", SRC_MLM, false, "the batch with [MASK] tokens [B,L]"},
    {"mlm_loss_mask", SRC_MLM, false, "(mlm_batch == MASK_IDX).float() [B,L]"},
    {"mlm_batch_loss", SRC_MLM, false, "masked mean loss over [MASK] positions"},
    {"padding_mask", SRC_BATCH, false, "create_padding_mask(batch): 0 / -inf [B,L]"},
    {"A0_pad", SRC_BATCH, false, "padding_mask[0].repeat(L, 1) [L,L]"},
    {"A_causal", SRC_BATCH, false, "torch.triu(torch.full((L, L), -inf), diagonal=1) [L,L]"},
    {"A_pad", SRC_MODE, true, "key padding mask of a sentence [L,L] (or [B,L,L] with --sentence all)"},
    {"mask", SRC_MODE, true, "the mode's additive attention mask"},
    {"embeddings", SRC_MODE, true, "token embeddings X [L,d]"},
    {"W_q", SRC_MODE, false, "query projection [d,d]"},
    {"W_k", SRC_MODE, false, "key projection [d,d]"},
    {"W_v", SRC_MODE, false, "value projection [d,d]"},
    {"Q", SRC_MODE, true, "queries X @ W_q [L,d]"},
    {"K", SRC_MODE, true, "keys X @ W_k [L,d]"},
    {"V", SRC_MODE, true, "values X @ W_v [L,d]"},
    {"A_scores", SRC_MODE, true, "Q @ K^T / sqrt(d_k) [L,L]"},
    {"A_masked", SRC_MODE, true, "A_scores + mask [L,L]"},
    {"A_weights", SRC_MODE, true, "softmax(A_masked, dim=-1) [L,L]"},
    {"output", SRC_MODE, true, "A_weights @ V [L,d]"},
    {"loss_mask", SRC_MODE, false, "the mode's loss mask [B,L]"},
    {"loss", SRC_MODE, false, "the mode's masked mean loss"},
};

static const Printable *find_printable(const char *name)
{
    for (size_t i = 0; i < sizeof printables / sizeof *printables; i++)
        if (strcmp(printables[i].name, name) == 0)
            return &printables[i];
    return NULL;
}

/* the text print() gives for one printable; the caller frees it */
static char *print_text(const Printable *pr, const Steps *st, int sentence)
{
    const Attention *a = st->attn;
    const char *n = pr->name;
    char buf[64];
    if (strcmp(n, "batch_loss") == 0 || strcmp(n, "mlm_batch_loss") == 0 || strcmp(n, "loss") == 0) {
        snprintf(buf, sizeof buf, "%.3f", st->loss);
        return xstrdup(buf);
    }
    const Tensor *whole = NULL;
    Tensor *owned = NULL;
    if (strcmp(n, "batch") == 0 || strcmp(n, "mlm_batch") == 0)
        whole = st->batch->ids;
    else if (strcmp(n, "batch_nonzero_indicies") == 0)
        whole = owned = batch_last_indices(st->batch);
    else if (strcmp(n, "padding_loss_mask") == 0 || strcmp(n, "mlm_loss_mask") == 0 || strcmp(n, "loss_mask") == 0)
        whole = st->loss_mask;
    else if (strcmp(n, "batch_losses") == 0)
        whole = st->losses;
    else if (strcmp(n, "padding_mask") == 0)
        whole = st->padding_mask;
    else if (strcmp(n, "A_causal") == 0)
        whole = st->A_causal;
    else if (strcmp(n, "W_q") == 0)
        whole = a->W_q;
    else if (strcmp(n, "W_k") == 0)
        whole = a->W_k;
    else if (strcmp(n, "W_v") == 0)
        whole = a->W_v;
    if (whole) {
        char *text = tensor_format(whole);
        tensor_free(owned);
        return text;
    }
    if (strcmp(n, "A0_pad") == 0) {
        /* the notebook's padding_mask[0].repeat(L, 1): key columns only,
         * even when the scenario also blocks padded query rows */
        owned = mask_padding_keys(st->batch);
        Tensor view = tensor_slice(owned, 0);
        char *text = tensor_format(&view);
        tensor_free(owned);
        return text;
    }
    const Tensor *batched = strcmp(n, "A_pad") == 0    ? st->A_pad
                            : strcmp(n, "mask") == 0     ? st->mask
                            : strcmp(n, "embeddings") == 0 ? a->embeddings
                            : strcmp(n, "Q") == 0        ? a->Q
                            : strcmp(n, "K") == 0        ? a->K
                            : strcmp(n, "V") == 0        ? a->V
                            : strcmp(n, "A_scores") == 0 ? a->scores
                            : strcmp(n, "A_masked") == 0 ? a->masked
                            : strcmp(n, "A_weights") == 0 ? a->weights
                                                          : a->output;
    if (sentence < 0)
        return tensor_format(batched);
    Tensor view = tensor_slice(batched, sentence);
    return tensor_format(&view);
}

static void print_list(void)
{
    printf("Names maskscope print knows (the notebook's first):\n");
    for (size_t i = 0; i < sizeof printables / sizeof *printables; i++)
        printf("  %-24s %s%s\n", printables[i].name, printables[i].help,
               printables[i].per_sentence ? "  (--mode, --sentence)"
               : printables[i].source == SRC_MODE ? "  (--mode)" : "");
}

int cli_print(int argc, char **argv)
{
    CliOptions o = {0};
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_common_option(&o, "print", argc, argv, &i);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--list") == 0) {
            print_list();
            return CLI_OK;
        }
        if (argv[i][0] == '-' || name) {
            fprintf(stderr, "maskscope print: unexpected argument '%s'; see maskscope print --list\n", argv[i]);
            return CLI_USAGE;
        }
        name = argv[i];
    }
    if (!name) {
        fprintf(stderr, "maskscope print: which tensor? e.g. maskscope print A_causal; see --list\n");
        return CLI_USAGE;
    }
    const Printable *pr = find_printable(name);
    if (!pr) {
        fprintf(stderr, "maskscope print: unknown name '%s'; maskscope print --list shows the names\n", name);
        return CLI_USAGE;
    }
    if (pr->source != SRC_MODE && o.mode_set) {
        fprintf(stderr, "maskscope print: %s does not depend on --mode\n", name);
        return CLI_USAGE;
    }
    if (!pr->per_sentence && o.sentence_set) {
        fprintf(stderr, "maskscope print: %s does not take --sentence\n", name);
        return CLI_USAGE;
    }
    int status = CLI_OK;
    Scenario *sc = cli_load_scenario(&o, &status);
    if (!sc)
        return status;
    StepsMode mode = pr->source == SRC_BATCH ? STEPS_PADDING : pr->source == SRC_MLM ? STEPS_MLM : o.mode;
    o.mode = mode;
    int sentence = cli_sentence(&o, sc);
    char err[256];
    Steps *st = steps_build(sc, mode, sentence, err, sizeof err);
    if (!st) {
        fprintf(stderr, "maskscope print: %s\n", err);
        scenario_free(sc);
        return CLI_USAGE;
    }
    char *text = print_text(pr, st, sentence);
    printf("%s\n", text);
    free(text);
    steps_free(st);
    scenario_free(sc);
    return flush_stdout("print");
}

/* ---- dump ---- */

static cJSON *json_tensor(const Tensor *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *shape = cJSON_AddArrayToObject(o, "shape");
    for (int i = 0; i < t->ndim; i++)
        cJSON_AddItemToArray(shape, cJSON_CreateNumber(t->shape[i]));
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    for (size_t i = 0; i < t->size; i++) {
        double v = t->data[i];
        if (isnan(v))
            cJSON_AddItemToArray(data, cJSON_CreateString("nan"));
        else if (isinf(v))
            cJSON_AddItemToArray(data, cJSON_CreateString(v < 0 ? "-inf" : "inf"));
        else
            cJSON_AddItemToArray(data, cJSON_CreateNumber(v));
    }
    return o;
}

static cJSON *json_number(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateString(isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
}

static char *dump_text(const Steps *st)
{
    const Attention *a = st->attn;
    const Batch *b = st->batch;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", st->scenario->name);
    cJSON_AddStringToObject(root, "mode", steps_mode_name(st->mode));
    cJSON_AddNumberToObject(root, "d_model", a->d);
    cJSON_AddNumberToObject(root, "seed", (double)st->scenario->seed);
    cJSON_AddStringToObject(root, "scale", "1/sqrt(d_k)");
    cJSON_AddStringToObject(root, "fully_masked_rows",
                            st->scenario->nan_policy == SCENARIO_ROWS_NAN ? "nan" : "zero");
    cJSON *labels = cJSON_AddArrayToObject(root, "tokens");
    for (int s = 0; s < b->B; s++) {
        cJSON *row = cJSON_CreateArray();
        for (int p = 0; p < b->L; p++)
            cJSON_AddItemToArray(row, cJSON_CreateString(b->labels[s * b->L + p]));
        cJSON_AddItemToArray(labels, row);
    }
    Tensor *lengths = tensor_new1(TENSOR_INT, b->B);
    for (int s = 0; s < b->B; s++)
        lengths->data[s] = b->lengths[s];
    Tensor *last = batch_last_indices(b);
    Tensor *blocked = tensor_new2(TENSOR_INT, b->B, b->L);
    for (size_t i = 0; i < blocked->size; i++)
        blocked->data[i] = a->row_blocked[i];
    struct {
        const char *name;
        const Tensor *t;
    } items[] = {
        {"batch", b->ids},           {"lengths", lengths},       {"last_index", last},
        {"padding_mask", st->padding_mask}, {"embeddings", a->embeddings}, {"W_q", a->W_q},
        {"W_k", a->W_k},             {"W_v", a->W_v},            {"Q", a->Q},
        {"K", a->K},                 {"V", a->V},                {"scores", a->scores},
        {"mask", st->mask},          {"masked_scores", a->masked}, {"weights", a->weights},
        {"fully_masked_rows_flags", blocked}, {"output", a->output}, {"losses", st->losses},
        {"loss_mask", st->loss_mask}, {"masked_losses", st->masked_losses},
    };
    for (size_t i = 0; i < sizeof items / sizeof *items; i++)
        cJSON_AddItemToObject(root, items[i].name, json_tensor(items[i].t));
    cJSON_AddItemToObject(root, "loss", json_number(st->loss));
    cJSON_AddItemToObject(root, "loss_all_positions", json_number(st->loss_all));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    tensor_free(lengths);
    tensor_free(last);
    tensor_free(blocked);
    return text;
}

int cli_dump(int argc, char **argv)
{
    CliOptions o = {0};
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_common_option(&o, "dump", argc, argv, &i);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
            continue;
        }
        fprintf(stderr, "maskscope dump: unexpected argument '%s'; usage: maskscope dump [--scenario FILE] "
                        "[--mode MODE] [-o FILE]\n", argv[i]);
        return CLI_USAGE;
    }
    if (o.sentence_set) {
        fprintf(stderr, "maskscope dump: dump writes the whole batch; --sentence does not apply\n");
        return CLI_USAGE;
    }
    int status = CLI_OK;
    Scenario *sc = cli_load_scenario(&o, &status);
    if (!sc)
        return status;
    /* refuse before computing: the JSON would not fit in memory */
    const Sentences *ss = o.mode == STEPS_MLM ? &sc->mlm_source : &sc->sentences;
    size_t L = 0;
    for (int s = 0; s < ss->count; s++)
        if ((size_t)ss->lengths[s] > L)
            L = (size_t)ss->lengths[s];
    if ((size_t)ss->count * L * L > MS_MAX_DUMP_CELLS) {
        fprintf(stderr, "maskscope dump: %s: %d sentences of up to %zu tokens make %zu attention cells; "
                        "dump writes at most %u (use print for single tensors)\n",
                o.scenario_path ? o.scenario_path : sc->name, ss->count, L, (size_t)ss->count * L * L,
                (unsigned)MS_MAX_DUMP_CELLS);
        scenario_free(sc);
        return CLI_USAGE;
    }
    char err[256];
    Steps *st = steps_build(sc, o.mode, -1, err, sizeof err);
    EXPECT(st); /* the batch view of a loaded scenario always builds */
    char *text = dump_text(st);
    steps_free(st);
    scenario_free(sc);
    if (!text) {
        fprintf(stderr, "maskscope dump: out of memory\n");
        return CLI_IO;
    }
    if (out) {
        size_t len = strlen(text);
        text[len] = '\n';
        bool ok = atomic_write(out, text, len + 1, err, sizeof err);
        cJSON_free(text);
        if (!ok)
            fprintf(stderr, "maskscope dump: %s\n", err);
        return ok ? CLI_OK : CLI_IO;
    }
    puts(text);
    cJSON_free(text);
    return flush_stdout("dump");
}

/* ---- check ---- */

/* a file with "sentences" at the top is a scenario, anything else a lesson */
static bool looks_like_scenario(const char *text)
{
    cJSON *root = cJSON_Parse(text);
    bool yes = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "sentences") &&
               !cJSON_GetObjectItemCaseSensitive(root, "steps");
    cJSON_Delete(root);
    return yes;
}

int cli_check(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "maskscope check: which file? usage: maskscope check LESSON.json|SCENARIO.json ...\n");
        return CLI_USAGE;
    }
    int status = CLI_OK;
    for (int i = 1; i < argc; i++) {
        char err[512];
        bool io = false;
        size_t len;
        /* read once: the file may be a pipe */
        char *text = doc_read_file(argv[i], &len, &io, err, sizeof err);
        if (text && looks_like_scenario(text)) {
            Scenario *sc = scenario_parse(text, len, argv[i], err, sizeof err);
            if (sc)
                printf("%s: ok: scenario \"%s\", %d sentences\n", argv[i], sc->name, sc->sentences.count);
            free(text);
            text = NULL;
            if (sc) {
                scenario_free(sc);
                continue;
            }
        } else if (text) {
            Lesson *l = lesson_parse(text, len, argv[i], err, sizeof err);
            free(text);
            text = NULL;
            if (l) {
                printf("%s: ok: lesson \"%s\", %d steps\n", argv[i], l->title, l->nsteps);
                lesson_free(l);
                continue;
            }
        }
        fprintf(stderr, "%s\n", err);
        if (status != CLI_IO)
            status = io ? CLI_IO : CLI_USAGE;
    }
    return status;
}
