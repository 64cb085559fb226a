/* A new mask family is one MaskTerm and one mode row. This test adds a
 * toy term in the test binary — "a token may not attend to itself"
 * (A_diag, the diagonal blocked) — and a mode that uses it with the
 * padding mask, then shows the term flows to print, dump, export and the
 * tooltip arithmetic without a line of app/ knowing about it. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "registry.h"
#include "support.h"

static void diag_row(const MaskInput *in, int s, int q, double *row)
{
    (void)s;
    for (int k = 0; k < in->keys->L; k++) row[k] = q == k ? -INFINITY : 0.0;
}

static void diag_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)in, (void)s, (void)k;
    snprintf(buf, n, "query %d may not attend to itself", q);
}

static void diag_formula(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "A_diag = torch.diag(torch.full((L,), -inf))");
}

static void diag_caption(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "Every token is blocked from itself.");
}

static const MaskTerm diag = {
    .name = "A_diag", .doc = "the diagonal blocked [L,L]", .shared = true,
    .formula = diag_formula, .caption = diag_caption, .row = diag_row, .why = diag_why,
};

static const Mode nodiag = {
    .name = "nodiag", .title = "No self-attention", .tab = "No self", .key = '9',
    .summary = "padding and the diagonal blocked (a test's toy term)",
    .batch = MODE_BATCH_MAIN, .terms = {&mask_term_padding, &diag},
    .loss = MODE_LOSS_PADDING, .sentence = MODE_SENTENCE_FIRST,
};

static void setup(void)
{
    char err[256];
    if (!mode_find("nodiag")) cr_assert(mode_register(&nodiag, err, sizeof err), "%s", err);
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
}

TestSuite(toy_term, .init = setup);

static int run_cmd(int (*cmd)(int, char **), const char *const *args)
{
    char *argv[16];
    int argc = 0;
    for (; args[argc]; argc++) argv[argc] = (char *)args[argc];
    argv[argc] = NULL;
    int st = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    return st;
}

static char *read_redirected(FILE *f)
{
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

Test(toy_term, the_table_takes_the_row_and_refuses_a_second)
{
    char err[256];
    cr_assert_eq(mode_find("nodiag"), &nodiag);
    cr_assert_eq(mode_for_key('9'), &nodiag);
    cr_assert_not(mode_register(&nodiag, err, sizeof err));
    cr_assert(strstr(err, "taken"), "%s", err);
    cr_assert_not_null(registry_find("A_diag"), "the registry lists the new term");
}

Test(toy_term, print_knows_the_term_by_its_name, .init = cr_redirect_stdout)
{
    setup();
    const char *args[] = {"print", "A_diag", "--mode", "nodiag", NULL};
    cr_assert_eq(run_cmd(cmd_print, args), CMD_OK);
    /* by hand: -inf on the diagonal of a 5x5 matrix */
    cr_assert_str_eq(read_redirected(cr_get_redirected_stdout()),
                     "tensor([[-inf, 0., 0., 0., 0.],\n"
                     "        [0., -inf, 0., 0., 0.],\n"
                     "        [0., 0., -inf, 0., 0.],\n"
                     "        [0., 0., 0., -inf, 0.],\n"
                     "        [0., 0., 0., 0., -inf]])\n");
}

Test(toy_term, the_weights_of_the_diagonal_are_exactly_zero)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "nodiag");
    const Tensor *w = engine_tensor(e, T_WEIGHTS);
    for (int s = 0; s < 3; s++)
        for (int q = 0; q < 5; q++) {
            double sum = 0;
            for (int k = 0; k < 5; k++) sum += tensor_at3(w, s, q, k);
            cr_assert(tensor_at3(w, s, q, q) == 0.0, "weight [%d][%d][%d]", s, q, q);
            cr_assert_float_eq(sum, 1.0, 1e-12);
            /* and the padding term still holds: sentence 0's [PAD] keys get nothing */
            if (s == 0) cr_assert(tensor_at3(w, 0, q, 3) == 0.0 && tensor_at3(w, 0, q, 4) == 0.0);
        }
    engine_free(e);
    scenario_free(sc);
}

Test(toy_term, dump_writes_the_term_and_the_sum)
{
    char path[] = "/tmp/ms-toy-XXXXXX";
    close(mkstemp(path));
    const char *args[] = {"dump", "--mode", "nodiag", "-o", path, NULL};
    cr_assert_eq(run_cmd(cmd_dump, args), CMD_OK);
    FILE *f = fopen(path, "rb");
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(path);
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j);
    cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "A_diag");
    cr_assert_not_null(d, "dump has A_diag");
    cJSON *data = cJSON_GetObjectItemCaseSensitive(d, "data");
    cr_assert_eq(cJSON_GetArraySize(data), 3 * 5 * 5);
    cr_assert_str_eq(cJSON_GetArrayItem(data, 0)->valuestring, "-inf");  /* [0][0][0] */
    cr_assert_eq(cJSON_GetArrayItem(data, 1)->valuedouble, 0.0);         /* [0][0][1] */
    cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(j, "A_pad"), "and its other term");
    cr_assert_null(cJSON_GetObjectItemCaseSensitive(j, "A_causal"), "but no term it does not have");
    /* the mask is the sum: sentence 0, query 1, key 3 is [PAD]; key 1 is the diagonal */
    cJSON *mask = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "mask"), "data");
    cr_assert_str_eq(cJSON_GetArrayItem(mask, 1 * 5 + 3)->valuestring, "-inf");
    cr_assert_str_eq(cJSON_GetArrayItem(mask, 1 * 5 + 1)->valuestring, "-inf");
    cr_assert_eq(cJSON_GetArrayItem(mask, 1 * 5 + 0)->valuedouble, 0.0);
    cJSON_Delete(j);
}

Test(toy_term, export_draws_its_steps)
{
    char dir[] = "/tmp/ms-toy-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char out[300];
    snprintf(out, sizeof out, "%s/masked.png", dir);
    const char *args[] = {"export", "--mode", "nodiag", "--step", "masked", "--size", "640x400", "-o", out, NULL};
    cr_assert_eq(run_cmd(cmd_export, args), CMD_OK);
    cr_assert_eq(access(out, R_OK), 0);
    unlink(out);
    const char *all[] = {"export", "--all", "--out-dir", dir, "--size", "320x200", NULL};
    cr_assert_eq(run_cmd(cmd_export, all), CMD_OK);
    char frame[400];
    snprintf(frame, sizeof frame, "%s/%02d-nodiag-05-masked.png", dir, mode_index(&nodiag) + 1);
    cr_assert_eq(access(frame, R_OK), 0, "export --all wrote %s", frame);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(toy_term, the_tooltip_adds_the_term_and_gives_its_reason)
{
    Scenario *sc = scenario_default();
    Steps *st = shown(sc, "nodiag", 0);
    int masked = steps_find(st, "masked");
    const Step *sp = steps_at(st, masked);
    /* A_scores + A_pad + A_diag = A_masked */
    cr_assert_eq(sp->npanels, 4);
    cr_assert_str_eq(sp->panels[2].name, "A_diag");
    cr_assert_str_eq(sp->formula, "A_masked = A_scores + A_pad + A_diag");
    char buf[512];
    cr_assert(steps_explain(st, masked, 3, 2, 2, buf, sizeof buf));
    cr_assert(strstr(buf, "A_scores[2][2] + A_pad[2][2] + A_diag[2][2]"), "%s", buf);
    cr_assert(strstr(buf, "query 2 may not attend to itself"), "%s", buf);
    /* a cell blocked by both terms names both reasons */
    cr_assert(steps_explain(st, masked, 3, 3, 3, buf, sizeof buf));
    cr_assert(strstr(buf, "key 3 is [PAD]") && strstr(buf, "query 3 may not attend to itself"), "%s", buf);
    shown_free(st);
    scenario_free(sc);
}
