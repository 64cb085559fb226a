/* `maskscope dump`: every tensor of a mode as JSON, for anyone who wants
 * to recompute it elsewhere. The keys are the registry's names (the
 * notebook's); the older keys scores, masked_scores, weights and
 * last_index are written too, for one release. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic.h"
#include "cancel.h"
#include "cmd.h"
#include "engine.h"
#include "registry.h"
#include "xmalloc.h"

static const char usage[] = "usage: maskscope dump [--scenario FILE] [--mode MODE] [-o FILE]\n";

static cJSON *json_number(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateString(isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
}

static cJSON *json_tensor(const Tensor *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *shape = cJSON_AddArrayToObject(o, "shape");
    for (int i = 0; i < t->ndim; i++)
        cJSON_AddItemToArray(shape, cJSON_CreateNumber(t->shape[i]));
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    for (size_t i = 0; i < t->size; i++)
        cJSON_AddItemToArray(data, json_number(t->data[i]));
    return o;
}

static char *dump_text(const Engine *e)
{
    const Scenario *sc = engine_scenario(e);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", sc->name);
    cJSON_AddStringToObject(root, "mode", engine_mode(e)->name);
    cJSON_AddNumberToObject(root, "d_model", engine_d(e));
    cJSON_AddNumberToObject(root, "seed", (double)sc->seed);
    cJSON_AddStringToObject(root, "scale", "1/sqrt(d_k)");
    cJSON_AddStringToObject(root, "fully_masked_rows", sc->nan_policy == SCENARIO_ROWS_NAN ? "nan" : "zero");
    cJSON *labels = cJSON_AddArrayToObject(root, "tokens");
    for (int s = 0; s < engine_sentences(e); s++) {
        cJSON *row = cJSON_CreateArray();
        for (int p = 0; p < engine_length(e); p++)
            cJSON_AddItemToArray(row, cJSON_CreateString(engine_label(e, s, p)));
        cJSON_AddItemToArray(labels, row);
    }
    const Mode *m = engine_mode(e);
    for (int i = 0; i < registry_count(); i++) {
        const RegEntry *r = registry_at(i);
        if (!r->dumped) continue;
        if (r->kind == REG_SCALAR) {
            cJSON_AddItemToObject(root, r->name, json_number(registry_scalar(r, e)));
            continue;
        }
        char err[256];
        if (registry_mode(r, m, err, sizeof err) != m) continue; /* a mask term of another mode */
        const Tensor *t = registry_tensor(r, e);
        cJSON_AddItemToObject(root, r->name, json_tensor(t));
        if (r->dump_alias) cJSON_AddItemToObject(root, r->dump_alias, json_tensor(t));
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

int cmd_dump(int argc, char **argv)
{
    Options o;
    if (!cmd_options("dump", argc, argv, OPT_SCENARIO | OPT_MODE | OPT_SENTENCE | OPT_OUT, 0, &o)) return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        printf("MODE is %s.\n", cmd_mode_names());
        return cmd_flush_stdout("dump");
    }
    if (o.given & OPT_SENTENCE)
        return cmd_fail("dump", CMD_USAGE, "dump writes the whole batch; --sentence does not apply");
    const Mode *m = o.mode ? o.mode : mode_default();
    int status = CMD_OK;
    Scenario *sc = cmd_load_scenario(&o, &status);
    if (!sc) return status;
    /* refuse before computing: the JSON would not fit in memory */
    const Sentences *ss = mode_sentences(m, sc);
    size_t L = (size_t)scenario_longest(ss), cells = (size_t)ss->count * L * L;
    if (cells > MS_MAX_DUMP_CELLS) {
        cmd_fail("dump", CMD_USAGE,
                 "%s: %d sentences of up to %zu tokens make %zu attention cells; dump writes at most %u (use print "
                 "for single tensors)",
                 o.scenario ? o.scenario : sc->name, ss->count, L, cells, (unsigned)MS_MAX_DUMP_CELLS);
        scenario_free(sc);
        return CMD_USAGE;
    }
    char err[512];
    Engine *e = engine_new(sc, m, err, sizeof err);
    EXPECT(e); /* a loaded scenario is within the attention limit */
    char *text = dump_text(e);
    engine_free(e);
    scenario_free(sc);
    if (!text) return cmd_fail("dump", CMD_IO, "out of memory");
    if (o.out) {
        cancel_on_signals(); /* a signal now removes the temporary file instead of leaving it */
        size_t len = strlen(text);
        text[len] = '\n';
        bool ok = atomic_write(o.out, text, len + 1, err, sizeof err);
        cJSON_free(text);
        if (!ok && cancel_signal()) return cmd_fail("dump", 128 + cancel_signal(), "stopped by signal %d", cancel_signal());
        return ok ? CMD_OK : cmd_fail("dump", CMD_IO, "%s", err);
    }
    puts(text);
    cJSON_free(text);
    return cmd_flush_stdout("dump");
}
