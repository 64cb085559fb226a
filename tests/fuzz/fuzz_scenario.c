/* libFuzzer target for the scenario loader: any bytes go to
 * scenario_parse. Beyond "no crash, no leak, no undefined behaviour" it
 * checks the error contract: a rejection writes exactly one non-empty
 * line naming the file, and an accepted scenario survives a copy and,
 * when small, the whole step engine. Build and run: tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "mode.h"
#include "steps.h"

/* keep each run fast: the engine is exercised on small batches only */
enum { ENGINE_MAX_CELLS = 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    Scenario *sc = scenario_parse((const char *)data, size, "fuzz.json", err, sizeof err);
    if (!sc) {
        /* one line, "fuzz.json:" first, something said */
        if (strncmp(err, "fuzz.json:", 10) != 0 || strchr(err, '\n') || strlen(err) < 16)
            abort();
        return 0;
    }
    if (err[0])
        abort(); /* success leaves err alone */
    Scenario *copy = scenario_copy(sc);
    int L = scenario_longest(&sc->sentences), mL = scenario_longest(&sc->mlm_source);
    if ((long)sc->sentences.count * L * L <= ENGINE_MAX_CELLS &&
        (long)sc->mlm_source.count * mL * mL <= ENGINE_MAX_CELLS) {
        for (int m = 0; m < mode_count(); m++) {
            Engine *e = engine_new(copy, mode_at(m), err, sizeof err);
            Steps *st = e ? steps_build(e, -1, err, sizeof err) : NULL;
            if (!st)
                abort(); /* the batch view of every mode always builds */
            steps_free(st);
            engine_free(e);
        }
    }
    scenario_free(copy);
    scenario_free(sc);
    return 0;
}
