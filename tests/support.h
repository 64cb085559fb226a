#pragma once
/* Shorthands for the suites: compute a mode of a scenario, lay out a
 * sentence, with Criterion assertions on failure (benchmarks, which do
 * not link Criterion, define SUPPORT_NO_CRITERION: a failure exits). */
#ifdef SUPPORT_NO_CRITERION
#include <stdio.h>
#include <stdlib.h>
#define support_check(cond, ...) \
    do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)
#else
#include <criterion/criterion.h>
#define support_check(cond, ...) cr_assert(cond, __VA_ARGS__)
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mode.h"
#include "steps.h"

/* Engine of the mode named name; the test frees it with engine_free. */
static inline Engine *compute(const Scenario *sc, const char *name)
{
    const Mode *m = mode_find(name);
    support_check(m != NULL, "no mode %s", name);
    char err[256];
    Engine *e = engine_new(sc, m, err, sizeof err);
    support_check(e != NULL, "%s", err);
    return e;
}

/* Storyboard of sentence s (-1: all); the test frees it with steps_free. */
static inline Steps *story(const Engine *e, int s)
{
    char err[256];
    Steps *st = steps_build(e, s, err, sizeof err);
    support_check(st != NULL, "%s", err);
    return st;
}

/* A tensor of an engine, by id. */
static inline const Tensor *T(const Engine *e, TensorId id)
{
    return engine_tensor(e, id);
}

/* A storyboard that owns its engine (tests that only draw): free it with shown_free. */
static inline Steps *shown(const Scenario *sc, const char *name, int s)
{
    return story(compute(sc, name), s);
}

static inline void shown_free(Steps *st)
{
    if (!st) return;
    Engine *e = (Engine *)steps_engine(st);
    steps_free(st);
    engine_free(e);
}

/* A scenario of tests/scenarios/ by its file name (under $MASKSCOPE_SOURCE_ROOT). */
static inline Scenario *test_scenario(const char *name)
{
    char path[1024], err[512];
    bool io;
    snprintf(path, sizeof path, "%.700s/tests/scenarios/%.64s", getenv("MASKSCOPE_SOURCE_ROOT"), name);
    Scenario *sc = scenario_load(path, &io, err, sizeof err);
    support_check(sc != NULL, "%s", err);
    return sc;
}

/* The file names of tests/scenarios/, after an empty name that stands for the running example. */
static inline int test_scenario_names(char names[][64], int max)
{
    int n = 0;
    names[n++][0] = '\0';
    char dir[1024];
    snprintf(dir, sizeof dir, "%.900s/tests/scenarios", getenv("MASKSCOPE_SOURCE_ROOT"));
    DIR *d = opendir(dir);
    support_check(d != NULL, "%s", dir);
    struct dirent *ent;
    while ((ent = readdir(d)) && n < max)
        if (strstr(ent->d_name, ".json"))
            snprintf(names[n++], 64, "%.63s", ent->d_name);
    closedir(d);
    return n;
}
