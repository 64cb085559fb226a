/* The mode table reaches everything that lists modes: the command line
 * (parsing, errors, --help), the man page, the window's keys and help,
 * lesson validation and `export --all`. These hold by construction (all
 * are generated from the table); the tests prove it row by row, so a
 * hand-written list that creeps back in fails here. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "mode.h"
#include "run.h"
#include "steps.h"
#include "view.h"

Test(table, every_mode_is_a_command_line_mode)
{
    for (int i = 0; i < mode_count(); i++) {
        const Mode *m = mode_at(i);
        char args[256];
        snprintf(args, sizeof args, "print loss --mode %s", m->name);
        Run r = run(args);
        if (mode_has_tensors(m)) {
            cr_assert_eq(r.status, 0, "%s: %s", args, r.err);
        } else {
            /* the bug gallery parses as a mode, and print says why it has no tensors */
            cr_assert_eq(r.status, 2, "%s", args);
            cr_assert(strstr(r.err, "is the gallery of classic bugs"), "%s", r.err);
        }
        done(&r);
    }
    /* and the error for a wrong one names every row */
    Run r = run("print loss --mode nosuch");
    cr_assert_eq(r.status, 2);
    for (int i = 0; i < mode_count(); i++) cr_assert(strstr(r.err, mode_at(i)->name), "%s", r.err);
    done(&r);
}

Test(table, help_lists_every_mode_with_its_summary)
{
    Run r = run("--help");
    cr_assert_eq(r.status, 0);
    for (int i = 0; i < mode_count(); i++) {
        cr_assert(strstr(r.out, mode_at(i)->name), "--help lacks %s", mode_at(i)->name);
        cr_assert(strstr(r.out, mode_at(i)->summary), "--help lacks the summary of %s", mode_at(i)->name);
    }
    done(&r);
}

Test(table, the_man_page_lists_every_mode_key_and_step)
{
    const char *path = getenv("MASKSCOPE_MAN");
    cr_assert_not_null(path, "MASKSCOPE_MAN is set by meson");
    char *man = slurp(path);
    cr_assert_null(strstr(man, "@MODES@"), "the template was filled");
    for (int i = 0; i < mode_count(); i++) {
        const Mode *m = mode_at(i);
        char want[256];
        snprintf(want, sizeof want, ".B %s\n%s.", m->name, m->summary);
        cr_assert(strstr(man, want), "the man page lacks mode %s", m->name);
        if (m->key) {
            snprintf(want, sizeof want, " %c \" \"", m->key);
            cr_assert(strstr(man, want), "the man page lacks key %c", m->key);
            cr_assert(strstr(man, m->tab), "the man page lacks tab %s", m->tab);
        }
    }
    /* every mode's story: the attention story, and the modes that tell their own */
    for (int m = 0; m < mode_count(); m++) {
        StepsNames names;
        int n = steps_story(mode_at(m), NULL, &names);
        for (int i = 0; i < n; i++) {
            char want[64];
            snprintf(want, sizeof want, ".BR %s ", names.slug[i]);
            cr_assert(strstr(man, want), "the man page lacks step %s of mode %s", names.slug[i], mode_at(m)->name);
        }
    }
    free(man);
}

Test(table, every_mode_with_a_key_is_in_the_window_help)
{
    const char *keys = NULL;
    for (int i = 0; i < view_help_count() && !keys; i++) {
        const char *k, *what;
        view_help_entry(i, &k, &what);
        if (k && strstr(what, "mode")) keys = k;
    }
    cr_assert_not_null(keys, "the help has a mode line");
    for (int i = 0; i < mode_count(); i++) {
        const Mode *m = mode_at(i);
        if (!m->key) continue;
        cr_assert(strchr(keys, m->key), "help line '%s' lacks key %c", keys, m->key);
        cr_assert_eq(mode_for_key(m->key), m);
    }
}

Test(table, every_mode_is_valid_in_a_lesson)
{
    for (int i = 0; i < mode_count(); i++) {
        char text[512], err[512];
        snprintf(text, sizeof text,
                 "{\"title\": \"t\", \"steps\": [{\"title\": \"a\", \"text\": \"b\", \"mode\": \"%s\", \"step\": 1}]}",
                 mode_at(i)->name);
        Lesson *l = lesson_parse(text, strlen(text), "l.json", NULL, err, sizeof err);
        cr_assert_not_null(l, "%s", err);
        cr_assert_eq(l->steps[0].mode, mode_at(i));
        lesson_free(l);
    }
    const char *bad = "{\"title\": \"t\", \"steps\": [{\"title\": \"a\", \"text\": \"b\", \"mode\": \"x\", \"step\": 1}]}";
    char err[512];
    cr_assert_null(lesson_parse(bad, strlen(bad), "l.json", NULL, err, sizeof err));
    for (int i = 0; i < mode_count(); i++) cr_assert(strstr(err, mode_at(i)->name), "%s", err);
}

Test(table, export_all_writes_every_mode_and_step)
{
    char dir[] = "/tmp/ms-table-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char args[256];
    snprintf(args, sizeof args, "export --all --out-dir %s --size 320x200", dir);
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    for (int i = 0; i < mode_count(); i++) {
        StepsNames names;
        int n = steps_story(mode_at(i), NULL, &names);
        for (int k = 0; k < n; k++) {
            char path[512];
            snprintf(path, sizeof path, "%s/%02d-%s-%02d-%s.png", dir, i + 1, mode_at(i)->name, k + 1, names.slug[k]);
            cr_assert_eq(access(path, R_OK), 0, "%s written", path);
            unlink(path);
        }
    }
    cr_assert_eq(rmdir(dir), 0, "nothing else was written");
}

/* the README's example scenario is a file the tests run (tests/scenarios/readme-example.json) */
Test(table, the_readme_example_scenario_is_tested)
{
    const char *root = getenv("MASKSCOPE_SOURCE_ROOT");
    char path[512];
    snprintf(path, sizeof path, "%s/README.md", root);
    char *readme = slurp(path);
    char *at = strstr(readme, "## Scenarios");
    cr_assert_not_null(at);
    char *open = strstr(at, "```json\n"), *close = open ? strstr(open + 8, "```") : NULL;
    cr_assert(open && close);
    *close = '\0';
    snprintf(path, sizeof path, "%s/tests/scenarios/readme-example.json", root);
    char *file = slurp(path);
    cJSON *a = cJSON_Parse(open + 8), *b = cJSON_Parse(file);
    cr_assert(a && b);
    cr_assert(cJSON_Compare(a, b, true), "README's example and tests/scenarios/readme-example.json differ");
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(file);
    free(readme);
}
