/* libFuzzer target for the path that once aborted the window: a fuzzed
 * scenario, if the loader takes it, is computed in every mode of the
 * table and every step of every sentence (and of the whole batch) is
 * drawn into a small headless frame, exactly as the window and export
 * draw it. Nothing may crash, leak or misbehave. Needs the fonts
 * (MASKSCOPE_DATA_DIR; tests/fuzz/run.sh sets it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "engine.h"
#include "export.h"
#include "scenario.h"
#include "steps.h"

/* keep each run fast: small batches only, a few sentences each */
enum { RENDER_MAX_CELLS = 2048, RENDER_MAX_SENTENCES = 4 };

static Exporter *ex;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ex) {
        char err[256];
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
        SDL_Init(SDL_INIT_VIDEO);
        ex = export_new(320, 200, err, sizeof err);
        if (!ex) abort(); /* the fonts must be there */
    }
    char err[512] = "";
    Scenario *sc = scenario_parse((const char *)data, size, "fuzz.json", err, sizeof err);
    if (!sc) return 0;
    DrawOptions o = draw_options_default();
    for (int m = 0; m < mode_count(); m++) {
        if (mode_cells(mode_at(m), sc) > RENDER_MAX_CELLS) continue;
        Engine *e = engine_new(sc, mode_at(m), err, sizeof err);
        if (!e) abort();
        for (int s = -1; s < engine_sentences(e) && s < RENDER_MAX_SENTENCES; s++) {
            Steps *st = steps_build(e, s, err, sizeof err);
            if (!st) abort();
            for (int k = 0; k < steps_count(st); k++) {
                o.highlight_row = (int)(size % 3) - 1;
                o.highlight_col = (int)(size % 5) - 1;
                if (!export_draw(ex, st, k, &o, NULL)) abort();
                char tip[1024];
                const Step *sp = steps_at(st, k);
                for (int p = 0; p < sp->npanels; p++)
                    if (!steps_explain(st, k, p, sp->panels[p].view.shape[0] - 1, sp->panels[p].view.shape[1] - 1,
                                       tip, sizeof tip))
                        abort();
            }
            steps_free(st);
        }
        engine_free(e);
    }
    scenario_free(sc);
    return 0;
}
