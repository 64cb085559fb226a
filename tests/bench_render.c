/* Renderer and export speed, printed for the README (not a timed test):
 * deck export frames/s at 1920×1080, ms per frame drawing the running
 * example and L=512 / L=1024 heatmaps, the PNG save alone on the same
 * frame for comparison (the ratio draw / save), the deck against the same
 * frames drawn and saved one after another, and, if MASKSCOPE_BIN
 * names the executable, one `maskscope export` as a whole process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "cmd.h"
#include "export.h"
#include "scenario.h"
#include "steps.h"
#define SUPPORT_NO_CRITERION
#include "support.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static Scenario *long_sentence(int L)
{
    static char text[16384];
    size_t k = 0;
    for (int i = 0; i < L; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%sw%d", i ? " " : "", i % 50);
    const char *sentences[] = { text };
    char err[256];
    Scenario *sc = scenario_from_sentences(sentences, 1, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    return sc;
}

/* ms per frame drawing step `slug` of (sc, mode) n times, and ms per
 * save of that frame as a PNG (export_save_surface) */
static void draw_bench(Exporter *ex, Scenario *sc, const char *mode, const char *slug, const char *what,
                       int n, const char *tmp)
{
    Steps *st = shown(sc, mode, 0);
    int step = steps_find(st, slug);
    export_draw(ex, st, step, NULL, NULL); /* warm the glyph atlases and buffers */
    double t0 = now_ms();
    for (int i = 0; i < n; i++) export_draw(ex, st, step, NULL, NULL);
    double draw = (now_ms() - t0) / n;
    t0 = now_ms();
    char err[256];
    for (int i = 0; i < n; i++)
        if (!export_save_surface(export_surface(ex), tmp, err, sizeof err)) {
            fprintf(stderr, "bench: %s\n", err);
            exit(1);
        }
    double save = (now_ms() - t0) / n;
    printf("%-34s draw %7.2f ms/frame   PNG save alone %7.2f ms   ratio %.2f\n", what, draw, save,
           draw / save);
    shown_free(st);
}

int main(void)
{
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    char dir[] = "/tmp/maskscope-bench-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char err[256], path[512], tmp[512];
    snprintf(tmp, sizeof tmp, "%s/save.png", dir);

    /* deck: `maskscope export --all` at 1920×1080, every mode × step */
    char *argv[] = { "export", "--all", "--out-dir", dir, "--size", "1920x1080", NULL };
    double t0 = now_ms();
    if (cmd_export(6, argv) != 0) return 1;
    double ms = now_ms() - t0;
    Scenario *sc = scenario_default();
    int frames = 0;
    for (int m = 0; m < mode_count(); m++) {
        Steps *st = shown(sc, mode_at(m)->name, mode_default_sentence(mode_at(m), sc));
        frames += st ? steps_count(st) : 0;
        shown_free(st);
    }
    printf("deck export 1920x1080 (%d CPUs): %d frames in %.0f ms = %.1f frames/s (%.1f ms/frame)\n",
           SDL_GetCPUCount(), frames, ms, frames * 1000.0 / ms, ms / frames);

    Exporter *ex = export_new(1920, 1080, err, sizeof err);
    if (!ex) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    draw_bench(ex, sc, "padding", "masked", "running example (masked scores)", 30, tmp);
    draw_bench(ex, sc, "padding", "output", "running example (weighted values)", 30, tmp);
    Scenario *l512 = long_sentence(512), *l1024 = long_sentence(1024);
    draw_bench(ex, l512, "causal", "masked", "L=512 heatmaps (3 panels)", 10, tmp);
    draw_bench(ex, l1024, "causal", "masked", "L=1024 heatmaps (3 panels)", 5, tmp);
    draw_bench(ex, l1024, "causal", "weights", "L=1024 heatmaps (2 panels)", 5, tmp);
    /* the baseline of the deck: the same frames drawn and saved one after
     * the other on this thread, each save as a single export does it (the
     * bands on every core), no worker pool */
    t0 = now_ms();
    int done = 0;
    for (int m = 0; m < mode_count(); m++) {
        Steps *st = shown(sc, mode_at(m)->name, mode_default_sentence(mode_at(m), sc));
        for (int i = 0; st && i < steps_count(st); i++, done++)
            if (!export_draw(ex, st, i, NULL, NULL) || !export_save_surface(export_surface(ex), tmp, err, sizeof err)) {
                fprintf(stderr, "bench: %s\n", err);
                return 1;
            }
        shown_free(st);
    }
    double turn = now_ms() - t0;
    export_free(ex);
    printf("deck export against the same %d frames drawn and saved in turn: %.2f (%.1f against %.1f ms a frame)\n",
           done, ms / turn, ms / frames, turn / done);

    /* one frame as a whole process, as a user would run it */
    const char *bin = getenv("MASKSCOPE_BIN");
    if (bin && access(bin, X_OK) == 0) {
        snprintf(path, sizeof path, "%s/one.png", dir);
        int n = 10, ok = 0;
        t0 = now_ms();
        for (int i = 0; i < n; i++) {
            pid_t pid = fork();
            if (pid == 0) {
                freopen("/dev/null", "w", stderr);
                execl(bin, bin, "export", "--mode", "padding", "--step", "masked", "-o", path, (char *)NULL);
                _exit(127);
            }
            int status = 0;
            waitpid(pid, &status, 0);
            ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        ms = (now_ms() - t0) / n;
        if (ok == n) printf("one frame, whole process (maskscope export): %.1f ms\n", ms);
        else printf("one frame, whole process: `%s export` failed (%d/%d ok)\n", bin, ok, n);
    }
    scenario_free(l512);
    scenario_free(l1024);
    scenario_free(sc);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return 0;
}
