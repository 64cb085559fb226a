/* `maskscope check FILE…`: validates lessons and scenarios without
 * opening a window, one line per file. */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "doc.h"
#include "lesson.h"

static const char usage[] = "usage: maskscope check LESSON.json|SCENARIO.json ...\n";

/* a file with "sentences" at the top is a scenario, anything else a lesson */
static bool looks_like_scenario(const char *text)
{
    cJSON *root = cJSON_Parse(text);
    bool yes = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "sentences") &&
               !cJSON_GetObjectItemCaseSensitive(root, "steps");
    cJSON_Delete(root);
    return yes;
}

int cmd_check(int argc, char **argv)
{
    Options o;
    if (!cmd_options("check", argc, argv, 0, CMD_MAX_ARGS, &o)) return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        return cmd_flush_stdout("check");
    }
    if (o.nargs == 0)
        return cmd_fail("check", CMD_USAGE, "which file? usage: maskscope check LESSON.json|SCENARIO.json ...");
    int status = CMD_OK;
    for (int i = 0; i < o.nargs; i++) {
        const char *path = o.args[i];
        char err[512];
        bool io = false;
        size_t len;
        /* read once: the file may be a pipe */
        char *text = doc_read_file(path, &len, &io, err, sizeof err);
        if (text && looks_like_scenario(text)) {
            Scenario *sc = scenario_parse(text, len, path, err, sizeof err);
            free(text);
            if (sc) {
                cmd_line(stdout, "%s: ok: scenario \"%s\", %d sentences", path, sc->name, sc->sentences.count);
                scenario_free(sc);
                continue;
            }
        } else if (text) {
            Lesson *l = lesson_parse(text, len, path, &io, err, sizeof err);
            free(text);
            if (l) {
                cmd_line(stdout, "%s: ok: lesson \"%s\", %d steps", path, l->title, l->nsteps);
                lesson_free(l);
                continue;
            }
        }
        cmd_line(stderr, "%s", err);
        if (status != CMD_IO) status = io ? CMD_IO : CMD_USAGE;
    }
    int flushed = cmd_flush_stdout("check");
    return status != CMD_OK ? status : flushed;
}
