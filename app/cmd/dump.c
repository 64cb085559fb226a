/* `maskscope dump`: every tensor of a mode as JSON, for anyone who wants
 * to recompute it elsewhere. The keys are the registry's names (the
 * notebook's); the older keys scores, masked_scores, weights and
 * last_index are written too, for one release. The JSON is streamed
 * straight to the file (no document tree in memory), and every number
 * is written so that it reads back exactly (text_double). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cancel.h"
#include "cmd.h"
#include "engine.h"
#include "jsonout.h"
#include "registry.h"
#include "text.h"
#include "xmalloc.h"

static const char usage[] = "usage: maskscope dump [--scenario FILE] [--mode MODE | --terms LIST] [-o FILE]\n";

/* the registry entries dump writes for engine e: scalars, tensors and the mode's own mask terms */
static bool dumped(const RegEntry *r, const Engine *e)
{
    char err[256];
    const Mode *m = engine_mode(e);
    if (!r->dumped || !registry_held(r, e)) return false;
    if (r->mode) return strcmp(r->mode, m->name) == 0; /* a notebook name of this very mode */
    return r->kind == REG_SCALAR || registry_mode(r, m, err, sizeof err) == m;
}

/* how many numbers the dump of e holds (the tensors and their old aliases) */
static size_t dump_values(const Engine *e)
{
    size_t n = 0;
    for (int i = 0; i < registry_count(); i++) {
        const RegEntry *r = registry_at(i);
        if (!dumped(r, e) || r->kind == REG_SCALAR) continue;
        n += registry_tensor(r, e)->size * (r->dump_alias ? 2 : 1);
    }
    return n;
}

/* the words of a token tensor, [B][L] strings, as "NAME_tokens" */
static void json_words(FILE *f, const RegEntry *r, const Engine *e)
{
    const Tensor *t = registry_tensor(r, e);
    fputs(",\n  ", f);
    fprintf(f, "\"%s_tokens\": [", r->name);
    for (int s = 0; s < t->shape[0]; s++) {
        const char *const *w = registry_words(r, e, s);
        fputs(s ? ",\n    [" : "\n    [", f);
        for (int p = 0; p < t->shape[1]; p++) {
            if (p) fputs(", ", f);
            json_string(f, w[p]);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

static void dump_write(FILE *f, const Engine *e)
{
    const Scenario *sc = engine_scenario(e);
    const Mode *m = engine_mode(e);
    fputs("{\n  \"scenario\": ", f);
    json_string(f, sc->name);
    fputs(",\n  \"mode\": ", f);
    json_string(f, m->name);
    fprintf(f, ",\n  \"d_model\": %d,\n  \"seed\": ", engine_d(e));
    json_number(f, (double)sc->seed);
    fprintf(f, ",\n  \"scale\": \"1/sqrt(d_k)\",\n  \"fully_masked_rows\": \"%s\",\n  \"tokens\": [",
            sc->nan_policy == SCENARIO_ROWS_NAN ? "nan" : "zero");
    for (int s = 0; s < engine_sentences(e); s++) {
        fputs(s ? ",\n    [" : "\n    [", f);
        for (int p = 0; p < engine_length(e); p++) {
            if (p) fputs(", ", f);
            json_string(f, engine_label(e, s, p));
        }
        fputc(']', f);
    }
    fputs("]", f);
    for (int i = 0; i < registry_count(); i++) {
        const RegEntry *r = registry_at(i);
        if (!dumped(r, e)) continue;
        if (r->kind == REG_SCALAR) {
            fputs(",\n  ", f);
            json_string(f, r->name);
            fputs(": ", f);
            json_number(f, registry_scalar(r, e));
            continue;
        }
        json_tensor(f, r->name, registry_tensor(r, e));
        if (r->dump_alias) json_tensor(f, r->dump_alias, registry_tensor(r, e));
        if (r->words) json_words(f, r, e);
    }
    fputs("\n}\n", f);
}

int cmd_dump(int argc, char **argv)
{
    Options o;
    if (!cmd_options("dump", argc, argv, OPT_SCENARIO | OPT_MODE | OPT_TERMS | OPT_SENTENCE | OPT_OUT, 0, &o)) return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        printf("MODE is %s.\n", cmd_mode_names());
        cmd_terms_help();
        return cmd_flush_stdout("dump");
    }
    if (o.given & OPT_SENTENCE)
        return cmd_fail("dump", CMD_USAGE, "dump writes the whole batch; --sentence does not apply");
    int status = CMD_OK;
    Scenario *sc = cmd_load_scenario("dump", &o, &status);
    if (!sc) return status;
    const Mode *m = o.mode ? o.mode : mode_default();
    if (!mode_has_tensors(m)) {
        scenario_free(sc);
        return cmd_fail("dump", CMD_USAGE, "mode %s is the gallery of classic bugs, not a mask: it has no tensors to "
                        "dump (export --bugs writes it as slides)", m->name);
    }
    const char *name = o.scenario ? o.scenario : sc->name;
    char shown[TEXT_QUOTE_BYTES];
    /* refuse before computing: the attention cells bound the engine's memory */
    int B, Lq, Lk;
    mode_shape(m, sc, &B, &Lq, &Lk);
    size_t cells = mode_cells(m, sc);
    if (cells > MS_MAX_DUMP_CELLS) {
        cmd_fail("dump", CMD_USAGE,
                 "%s: %d sentences of up to %d tokens make %zu attention cells; dump writes at most %u (use print "
                 "for single tensors)",
                 text_escape(name, shown, sizeof shown), B, Lk, cells, (unsigned)MS_MAX_DUMP_CELLS);
        scenario_free(sc);
        return CMD_USAGE;
    }
    char err[512];
    Engine *e = engine_new(sc, m, err, sizeof err);
    EXPECT(e); /* a loaded scenario is within the attention limit */
    size_t values = dump_values(e);
    if (values > MS_MAX_DUMP_VALUES) {
        cmd_fail("dump", CMD_USAGE,
                 "%s: the mode's tensors hold %zu numbers; dump writes at most %u (MS_MAX_DUMP_VALUES; use print for "
                 "single tensors)",
                 text_escape(name, shown, sizeof shown), values, (unsigned)MS_MAX_DUMP_VALUES);
        status = CMD_USAGE;
    } else if (o.out) {
        cancel_on_signals(); /* a signal now removes the temporary file instead of leaving it */
        AtomicFile af;
        bool ok = atomic_open(&af, o.out, err, sizeof err);
        if (ok) {
            dump_write(af.fp, e);
            ok = atomic_commit(&af, err, sizeof err);
        }
        if (!ok && cancel_signal())
            status = cmd_fail("dump", 128 + cancel_signal(), "stopped by signal %d", cancel_signal());
        else if (!ok)
            status = cmd_fail("dump", CMD_IO, "%s", err);
    } else {
        dump_write(stdout, e);
        status = cmd_flush_stdout("dump");
    }
    engine_free(e);
    scenario_free(sc);
    return status;
}
