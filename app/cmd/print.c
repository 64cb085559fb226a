/* `maskscope print NAME`: one of the notebook's variables, exactly as
 * PyTorch's print() shows it, so the two can be put side by side. The
 * names, their docs and which mode each is computed in come from the
 * core's registry; nothing here computes a number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "convention.h"
#include "engine.h"
#include "registry.h"

static const char usage[] =
    "usage: maskscope print NAME [--scenario FILE] [--mode MODE | --terms LIST] [--sentence N|all]\n"
    "                            [--as FORMAT] [--queries Q]\n"
    "       maskscope print --list\n";

static void print_list(void)
{
    printf("Names maskscope print knows (the notebook's first):\n");
    for (int i = 0; i < registry_count(); i++) {
        const RegEntry *r = registry_at(i);
        if (r->step > 1) continue; /* q_t stands for q_1, q_2, … */
        char where[64] = "";
        if (r->mode)
            snprintf(where, sizeof where, "  (the %s mode's)", r->mode);
        else if (r->per_sentence)
            snprintf(where, sizeof where, "  (--mode, --sentence)");
        else
            snprintf(where, sizeof where, "  (--mode)");
        printf("  %-24s %s%s\n", r->step ? r->pattern : r->name, r->doc, where);
    }
    printf("MODE is %s.\n", cmd_mode_names());
}

int cmd_print(int argc, char **argv)
{
    Options o;
    if (!cmd_options("print", argc, argv,
                     OPT_SCENARIO | OPT_MODE | OPT_TERMS | OPT_SENTENCE | OPT_LIST | OPT_AS | OPT_QUERIES, 1, &o))
        return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        printf("MODE is %s. maskscope print --list shows the names.\n", cmd_mode_names());
        cmd_terms_help();
        printf("FORMAT writes a mask in another library's convention: %s.\n", conv_names());
        printf("Q is how many new queries A_causal_topleft and A_causal_bottomright check at once (decode's "
               "\"generate\" by default).\n");
        return cmd_flush_stdout("print");
    }
    if (o.given & OPT_LIST) {
        print_list();
        return cmd_flush_stdout("print");
    }
    if (o.nargs == 0)
        return cmd_fail("print", CMD_USAGE, "which tensor? e.g. maskscope print A_causal; see --list");
    const char *name = o.args[0];
    const RegEntry *r = registry_find(name);
    if (!r)
        return cmd_fail("print", CMD_USAGE, "unknown name '%s'; maskscope print --list shows the names", name);
    char err[512];
    if (!r->per_sentence && (o.given & OPT_SENTENCE))
        return cmd_fail("print", CMD_USAGE, "%s does not take --sentence", name);
    if ((o.given & OPT_QUERIES) && !(r->kind == REG_TENSOR && (r->id == T_CAUSAL_TOPLEFT || r->id == T_CAUSAL_BOTTOMRIGHT)))
        return cmd_fail("print", CMD_USAGE, "--queries sets the new queries of A_causal_topleft and "
                        "A_causal_bottomright; %s does not take it", name);
    ConvFormat as = CONV_ADDITIVE;
    bool keys = false;
    if (o.as && !conv_parse(o.as, &as))
        return cmd_fail("print", CMD_USAGE, "--as: '%s' is not a mask format; use %s", o.as, conv_names());
    if (o.as && !registry_is_mask(r, &keys))
        return cmd_fail("print", CMD_USAGE, "--as translates masks; %s is not one (use padding_mask, A0_pad, mask or "
                        "a mask term such as A_pad or A_causal)", name);
    int status = CMD_OK;
    Scenario *sc = cmd_load_scenario("print", &o, &status);
    if (!sc) return status;
    const Mode *m = o.mode && !mode_has_tensors(o.mode) ? NULL : registry_mode(r, o.mode, err, sizeof err);
    if (o.mode && !mode_has_tensors(o.mode))
        snprintf(err, sizeof err, "mode %s is the gallery of classic bugs, not a mask: it has no %s (see maskscope leaks "
                 "--bug NAME, or the window)", o.mode->name, name);
    if (!m) {
        scenario_free(sc);
        return cmd_fail("print", CMD_USAGE, "%s", err);
    }
    int sentence = (o.given & OPT_SENTENCE) ? o.sentence : mode_default_sentence(m, sc);
    Engine *e = engine_new(sc, m, err, sizeof err);
    if (e && sentence >= engine_sentences(e)) {
        snprintf(err, sizeof err, "sentence: %d is out of range; the %sbatch has sentences 0 to %d (or all)", sentence,
                 m->batch == MODE_BATCH_MLM ? "MLM " : "", engine_sentences(e) - 1);
        engine_free(e);
        e = NULL;
    }
    if (e && !registry_held(r, e)) {
        snprintf(err, sizeof err, "%s: this scenario generates %d token%s, so its decode steps end at step %d; "
                 "\"generate\": %d would make step %d", name, engine_decode(e)->N, engine_decode(e)->N == 1 ? "" : "s",
                 engine_decode(e)->N, r->step, r->step);
        engine_free(e);
        e = NULL;
    }
    if (!e) {
        scenario_free(sc);
        return cmd_fail("print", CMD_USAGE, "%s", err);
    }
    if (o.as) {
        Tensor *m = registry_copy(r, e, sentence);
        char *text = conv_text(as, m, keys, name, err, sizeof err);
        tensor_free(m);
        if (!text) {
            engine_free(e);
            scenario_free(sc);
            return cmd_fail("print", CMD_USAGE, "%s", err);
        }
        fputs(text, stdout);
        free(text);
    } else {
        char *text = registry_format(r, e, sentence);
        printf("%s\n", text);
        free(text);
    }
    engine_free(e);
    scenario_free(sc);
    return cmd_flush_stdout("print");
}
