/* libFuzzer target for the lesson loader: any bytes go to lesson_parse,
 * with the same one-line error contract as the scenario target; an
 * accepted lesson must give a scenario for every one of its steps, and,
 * when its batch is small, every step must build and be in range: the
 * loader checks steps against the storyboard without computing them,
 * and the window and decks rely on that check.
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
    Lesson *l = lesson_parse((const char *)data, size, "fuzz.json", err, sizeof err);
    if (!l) {
        if (strncmp(err, "fuzz.json:", 10) != 0 || strchr(err, '\n') || strlen(err) < 16)
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
            if (!st || f.step < 0 || f.step >= steps_count(st) || f.highlight_row >= L || f.highlight_col >= Lk)
                abort();
            steps_free(st);
            engine_free(e);
        }
        lesson_frame_free(&f);
    }
    lesson_free(l);
    return 0;
}
