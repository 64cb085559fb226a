/* libFuzzer target for the lesson loader: any bytes go to lesson_parse,
 * with the same one-line error contract as the scenario target (a
 * "scenario_file" that exists is reported under its own name); an
 * accepted lesson must give a scenario for every one of its steps, and,
 * when its batch is small, every step must build, be in range and show
 * only panels it has: the window and decks rely on that check.
 * Build and run: tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "lesson.h"
#include "steps.h"

/* keep each run fast: the engine is exercised on small batches only */
enum { ENGINE_MAX_CELLS = 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    Lesson *l = lesson_parse((const char *)data, size, "fuzz.json", NULL, err, sizeof err);
    if (!l) {
        if ((strncmp(err, "fuzz.json:", 10) != 0 && !strstr(err, ":")) || strchr(err, '\n') || strlen(err) < 16)
            abort();
        return 0;
    }
    if (l->nsteps < 1 || l->nsteps > MS_MAX_LESSON_STEPS || !l->scenario)
        abort();
    for (int i = 0; i < l->nsteps; i++) {
        LessonFrame f;
        lesson_frame(l, i, &f);
        int B, L, Lk;
        mode_shape(f.mode, f.scenario, &B, &L, &Lk);
        if (mode_cells(f.mode, f.scenario) <= ENGINE_MAX_CELLS) {
            Engine *e = engine_new(f.scenario, f.mode, err, sizeof err);
            Steps *st = e ? steps_build(e, f.sentence, err, sizeof err) : NULL;
            if (!st || f.step < 0 || f.step >= steps_count(st) || f.view->highlight_row >= L ||
                f.view->highlight_col >= Lk || f.view->highlight_sentence >= B || f.reveal->highlight_row >= L)
                abort();
            /* what a step shows is a subset of its panels */
            for (int k = 0; k < f.view->show.nshow; k++)
                if (!steps_has_panel(st, f.step, f.view->show.show[k], NULL, 0))
                    abort();
            steps_free(st);
            engine_free(e);
        }
        lesson_frame_free(&f);
    }
    lesson_free(l);
    return 0;
}
