/* `maskscope check-mask FILE --as FORMAT`: reads a user's mask (a JSON
 * nested list, as tensor.tolist() writes it) and says in words what it
 * does and whether it is right (exit 0), a known bug of the gallery
 * (exit 3) or neither (exit 4); bad input is one line and exit 2. The
 * judging is the core's (maskcheck.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "doc.h"
#include "maskcheck.h"

static const char usage[] = "usage: maskscope check-mask FILE.json --as FORMAT [--scenario FILE]\n";

enum { CMD_UNKNOWN = 4 };

int cmd_check_mask(int argc, char **argv)
{
    Options o;
    if (!cmd_options("check-mask", argc, argv, OPT_AS | OPT_SCENARIO, 1, &o)) return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        printf("FORMAT is %s.\n"
               "Reads the mask as json.dump(mask.tolist(), f) writes it (-Infinity for -inf) and judges it against\n"
               "the scenario's batch (the running example by default). Exit status: 0 a correct mask, 3 a known\n"
               "bug of the gallery, 4 neither, 2 bad input.\n", maskcheck_formats());
        return cmd_flush_stdout("check-mask");
    }
    if (o.nargs == 0) return cmd_fail("check-mask", CMD_USAGE, "which file? usage: maskscope check-mask FILE.json --as FORMAT");
    if (!o.as) return cmd_fail("check-mask", CMD_USAGE, "--as FORMAT is required: %s", maskcheck_formats());
    if (!maskcheck_format_known(o.as))
        return cmd_fail("check-mask", CMD_USAGE, "--as: '%s' is not a format; use %s", o.as, maskcheck_formats());
    int status = CMD_OK;
    Scenario *sc = cmd_load_scenario("check-mask", &o, &status);
    if (!sc) return status;
    char err[512];
    bool io = false;
    size_t len;
    char *text = doc_read_file(o.args[0], &len, &io, err, sizeof err);
    MaskCheck *c = text ? maskcheck_parse(text, len, o.args[0], o.as, sc, err, sizeof err) : NULL;
    free(text);
    scenario_free(sc);
    if (!c) {
        cmd_line(stderr, "%s", err);
        return io ? CMD_IO : CMD_USAGE;
    }
    char *report = maskcheck_report(c);
    /* line by line: the words come from the scenario, and cmd_line spells out their control characters */
    for (char *line = report, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        else next = line + strlen(line);
        cmd_line(stdout, "%s", line);
    }
    free(report);
    MaskVerdict v = maskcheck_verdict(c);
    maskcheck_free(c);
    int flushed = cmd_flush_stdout("check-mask");
    if (flushed != CMD_OK) return flushed;
    return v == MASK_CORRECT ? CMD_OK : v == MASK_BUG ? CMD_FOUND : CMD_UNKNOWN;
}
