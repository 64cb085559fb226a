/* libFuzzer target for the lesson loader: any bytes go to lesson_parse,
 * with the same one-line error contract as the scenario target; an
 * accepted lesson must give a scenario for every one of its steps.
 * Build and run: tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    Lesson *l = lesson_parse((const char *)data, size, "fuzz.json", err, sizeof err);
    if (!l) {
        if (strncmp(err, "fuzz.json:", 10) != 0 || strchr(err, '\n') || strlen(err) < 16)
            abort();
        return 0;
    }
    if (l->nsteps < 1 || l->nsteps > MS_MAX_LESSON_STEPS || !l->scenario)
        abort();
    for (int i = 0; i < l->nsteps; i++)
        scenario_free(lesson_state(l, i));
    lesson_free(l);
    return 0;
}
