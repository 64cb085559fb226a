/* How fast the window is, under Xvfb with SDL's software renderer (no
 * GPU: the slowest case a classroom machine could give):
 *   - start-up to the first frame (SDL_Init, window, fonts, steps, draw);
 *   - milliseconds per redraw at 1280×800 for the running example, every
 *     step of every mode, and for a sentence of 1024 tokens, whose L×L
 *     matrices are heatmaps;
 *   - mouse moves over an L = 1024 heatmap, each handled and redrawn as
 *     the window does (a redraw when the highlighted token changes);
 *   - how long a mode switch takes at L = 1024 (the steps are rebuilt).
 * Each is also given as a ratio to a baseline measured in the same run,
 * since absolute times on a shared machine vary: an empty frame (clear and
 * present only) for the renderer's floor, and the running example's mean
 * redraw for what a long sentence adds.
 * Targets (issues 4 and 15): ≤ 4 ms at L = 5, ≤ 8 ms at L = 1024, a mode
 * switch at L = 1024 ≤ 60 ms, first frame < 200 ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "scenario.h"
#include "view.h"

static double ms_since(Uint64 t0)
{
    return (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 / (double)SDL_GetPerformanceFrequency();
}

static void press(View *v, SDL_Keycode k)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = SDL_GetWindowID(view_window(v));
    e.key.keysym.sym = k;
    view_handle_event(v, &e);
}

static void move_to(View *v, int x, int y)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEMOTION;
    e.motion.windowID = SDL_GetWindowID(view_window(v));
    e.motion.x = x;
    e.motion.y = y;
    view_handle_event(v, &e);
}

/* mean ms per frame with nothing drawn: the renderer's clear and present */
static double empty_ms(View *v, int n)
{
    SDL_Renderer *r = view_renderer(v);
    Uint64 t0 = SDL_GetPerformanceCounter();
    for (int i = 0; i < n; i++) {
        SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
        SDL_RenderClear(r);
        SDL_RenderPresent(r);
    }
    return ms_since(t0) / n;
}

/* mean ms per full redraw of the current step */
static double redraw_ms(View *v, int n)
{
    view_invalidate(v);
    view_render(v); /* warm: glyphs and heatmap buffers */
    Uint64 t0 = SDL_GetPerformanceCounter();
    for (int i = 0; i < n; i++) {
        view_invalidate(v);
        view_render(v);
    }
    return ms_since(t0) / n;
}

static Scenario *long_sentence(int L)
{
    size_t cap = (size_t)L * 8 + 1;
    char *text = malloc(cap);
    size_t k = 0;
    static const char *const words[] = { "the", "cat", "ate", "fish", "pie", "and", "a", "dog", "saw", "it" };
    for (int i = 0; i < L; i++)
        k += (size_t)snprintf(text + k, cap - k, "%s%s", i ? " " : "", words[i % 10]);
    const char *sentences[1] = { text };
    char err[256];
    Scenario *sc = scenario_from_sentences(sentences, 1, err, sizeof err);
    if (!sc) fprintf(stderr, "bench_window: %s\n", err);
    free(text);
    return sc;
}

int main(void)
{
    Uint64 start = SDL_GetPerformanceCounter();
    if (!getenv("SDL_RENDER_DRIVER")) SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    /* the window presents with vsync, which SDL simulates for the software
     * renderer (one frame per refresh): measure the drawing, not the wait */
    SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        fprintf(stderr, "bench_window: no display: %s\n", SDL_GetError());
        return 77;
    }
    Scenario *sc = scenario_default();
    ViewConfig cfg = view_config_default();
    cfg.w = 1280;
    cfg.h = 800;
    char err[512];
    double t_init = ms_since(start);
    Uint64 t_open = SDL_GetPerformanceCounter();
    View *v = view_open(sc, &cfg, NULL, err, sizeof err);
    if (!v) {
        fprintf(stderr, "bench_window: %s\n", err);
        return 1;
    }
    double open_ms = ms_since(t_open);
    Uint64 t_draw = SDL_GetPerformanceCounter();
    view_render(v);
    double draw_ms = ms_since(t_draw);
    double first = ms_since(start);
    int w, h;
    SDL_GetRendererOutputSize(view_renderer(v), &w, &h);
    SDL_RendererInfo info;
    SDL_GetRendererInfo(view_renderer(v), &info);
    printf("window benchmark: %dx%d drawable, renderer %s, video driver %s\n", w, h, info.name,
           SDL_GetCurrentVideoDriver());
    printf("start-up to first frame (in process): %.1f ms   (target < 200 ms)\n", first);
    printf("  of which SDL_Init %.1f ms, window + fonts + steps %.1f ms, first draw %.1f ms\n", t_init, open_ms,
           draw_ms);

    /* the running example: every step of every mode */
    double sum = 0, worst = 0;
    int count = 0;
    char worst_name[64] = "";
    const SDL_Keycode modes[] = { SDLK_1, SDLK_2, SDLK_3, SDLK_4 };
    for (int m = 0; m < 4; m++) {
        press(v, modes[m]);
        press(v, SDLK_HOME);
        for (int s = 0; s < steps_count(view_steps(v)); s++) {
            double t = redraw_ms(v, 40);
            sum += t;
            count++;
            if (t > worst) {
                worst = t;
                snprintf(worst_name, sizeof worst_name, "%s/%s", view_state(v)->mode->name,
                         steps_at(view_steps(v), view_state(v)->step)->slug);
            }
            press(v, SDLK_RIGHT);
        }
    }
    double base = empty_ms(v, 40), example = sum / count;
    printf("empty frame (clear + present only): %.2f ms   (the baseline of the ratios below)\n", base);
    printf("redraw, running example (L=5): mean %.2f ms (%.1fx the empty frame), worst %.2f ms (%s)   "
           "(target <= 4 ms)\n", example, example / base, worst, worst_name);
    press(v, SDLK_a);
    press(v, SDLK_3);
    press(v, SDLK_HOME);
    for (int i = 0; i < 5; i++) press(v, SDLK_RIGHT);
    printf("redraw, running example, whole batch, weights: %.2f ms\n", redraw_ms(v, 40));
    view_close(v);
    scenario_free(sc);

    /* L = 1024: heatmaps */
    sc = long_sentence(1024);
    if (!sc) return 1;
    Uint64 t0 = SDL_GetPerformanceCounter();
    v = view_open(sc, &cfg, NULL, err, sizeof err);
    if (!v) {
        fprintf(stderr, "bench_window: %s\n", err);
        return 1;
    }
    view_render(v);
    printf("L=1024: open to first frame %.1f ms\n", ms_since(t0));
    sum = worst = 0;
    count = 0;
    for (int s = 0; s < steps_count(view_steps(v)); s++) {
        double t = redraw_ms(v, 10);
        sum += t;
        count++;
        if (t > worst) {
            worst = t;
            snprintf(worst_name, sizeof worst_name, "%s", steps_at(view_steps(v), view_state(v)->step)->slug);
        }
        if (strcmp(steps_at(view_steps(v), view_state(v)->step)->slug, "weights") == 0)
            printf("redraw, L=1024, weights heatmap: %.2f ms, %.2fx the running example's   (target <= 8 ms)\n", t,
                   t / example);
        press(v, SDLK_RIGHT);
    }
    printf("redraw, L=1024: mean %.2f ms over the steps (%.2fx the running example's), worst %.2f ms (%s)   "
           "(target <= 8 ms)\n", sum / count, sum / count / example, worst, worst_name);
    /* the mouse over the masked scores: every frame highlights another token */
    press(v, SDLK_HOME);
    while (strcmp(steps_at(view_steps(v), view_state(v)->step)->slug, "masked") != 0) press(v, SDLK_RIGHT);
    view_render(v);
    /* no forced redraw: the view redraws when the highlighted token changes */
    int hovers = 60, drawn = 0;
    t0 = SDL_GetPerformanceCounter();
    for (int i = 0; i < hovers; i++) {
        move_to(v, 120 + (i * 37) % (w / 2), 300 + (i * 23) % (h / 3));
        drawn += view_render(v);
    }
    double hover = ms_since(t0) / hovers;
    printf("L=1024, mouse moving over the masked scores: %.2f ms a move, %d of %d moves redrawn "
           "(%.2fx the running example's redraw)   (target <= 8 ms)\n", hover, drawn, hovers, hover / example);
    t0 = SDL_GetPerformanceCounter();
    press(v, SDLK_3);
    view_render(v);
    double sw = ms_since(t0);
    printf("L=1024: mode switch (rebuild steps + redraw) %.1f ms (%.1fx a redraw of the running example)   "
           "(target <= 60 ms)\n", sw, sw / example);
    view_close(v);
    scenario_free(sc);
    SDL_Quit();
    return 0;
}
