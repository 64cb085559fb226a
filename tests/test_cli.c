/* The command line as a user meets it: the exact text of `print`, the
 * JSON of `dump`, exit statuses and one-line errors. Runs the real
 * binary (MASKSCOPE_BIN). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mode.h"
#include "run.h"

static void expect_print(const char *args, const char *want)
{
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s: %s", args, r.err);
    cr_assert_str_eq(r.out, want, "maskscope %s", args);
    cr_assert_str_eq(r.err, "");
    done(&r);
}

Test(cli, prints_the_notebook_byte_for_byte)
{
    expect_print("print batch", "tensor([[1, 2, 3, 0, 0],\n        [1, 2, 3, 4, 5],\n        [1, 2, 3, 4, 0]])\n");
    expect_print("print batch_nonzero_indicies", "tensor([2, 4, 3])\n");
    expect_print("print batch_loss", "0.650\n");
    expect_print("print mlm_batch_loss", "0.505\n");
    expect_print("print mlm_batch", "tensor([[  1, 999,   3,   4, 999],\n        [999,   2, 999,   4,   5],\n"
                                    "        [  1,   2,   3, 999,   5]])\n");
    expect_print("print A_causal", "tensor([[0., -inf, -inf, -inf, -inf],\n        [0., 0., -inf, -inf, -inf],\n"
                                   "        [0., 0., 0., -inf, -inf],\n        [0., 0., 0., 0., -inf],\n"
                                   "        [0., 0., 0., 0., 0.]])\n");
    expect_print("print padding_mask", "tensor([[0., 0., 0., -inf, -inf],\n        [0., 0., 0., 0., 0.],\n"
                                       "        [0., 0., 0., 0., -inf]])\n");
}

Test(cli, terms_build_the_mask)
{
    /* sentence 0 ("The cat ate", two [PAD]s), causal, a window of 2 */
    expect_print("print mask --terms padding,causal,window=2 --sentence 0",
                 "tensor([[0., -inf, -inf, -inf, -inf],\n        [0., 0., -inf, -inf, -inf],\n"
                 "        [-inf, 0., 0., -inf, -inf],\n        [-inf, -inf, 0., -inf, -inf],\n"
                 "        [-inf, -inf, -inf, -inf, -inf]])\n");
    /* padding and causal are the combined mode: the same weights, digit for digit */
    Run a = run("print A_weights --terms padding,causal --sentence all");
    Run b = run("print A_weights --mode combined --sentence all");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_str_eq(a.out, b.out);
    done(&a);
    done(&b);
}

Test(cli, list_names_every_notebook_variable)
{
    Run r = run("print --list");
    cr_assert_eq(r.status, 0);
    const char *names[] = {"batch", "batch_nonzero_indicies", "padding_loss_mask", "batch_losses", "batch_loss",
                           "mlm_batch", "mlm_loss_mask", "mlm_batch_loss", "padding_mask", "A0_pad", "A_causal",
                           "Q", "K", "V", "A_scores", "A_masked", "A_weights", "output"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "\n  %s ", names[i]);
        cr_assert(strstr(r.out, needle), "--list lacks %s", names[i]);
    }
    done(&r);
}

Test(cli, causal_weights_of_the_first_query_are_one_then_zeros)
{
    Run r = run("print A_weights --mode causal --sentence 1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *first = "tensor([[1.0000, 0.0000, 0.0000, 0.0000, 0.0000],\n";
    cr_assert(strncmp(r.out, first, strlen(first)) == 0, "%s", r.out);
    done(&r);
}

Test(cli, bad_usage_exits_2_with_one_line)
{
    const char *cases[][2] = {
        {"print nosuch", "maskscope print: unknown name 'nosuch'; maskscope print --list shows the names\n"},
        {"print A_scores --mode sideways",
         "maskscope print: --mode: 'sideways' is not a mode; use padding, causal, combined, mlm, sliding, prefix, packed, global, sink, strided, cross, bert, t5, decode or bugs\n"},
        {"print A_scores --sentence 7", "maskscope print: sentence: 7 is out of range; the batch has sentences 0 to 2 (or all)\n"},
        {"print batch --sentence 1", "maskscope print: batch does not take --sentence\n"},
        {"frobnicate", "maskscope: unknown command 'frobnicate'; try maskscope --help\n"},
        {"dump --sentence 1", "maskscope dump: dump writes the whole batch; --sentence does not apply\n"},
        {"print mask --mode causal --terms causal", "maskscope print: --mode and --terms both choose the mask; give one\n"},
        {"dump --terms padding,fish", "maskscope dump: --terms: 'fish' is not a mask term; use padding, causal, window, "
                                      "prefix, sinks, global, strided, document\n"},
        {"print A_window --terms padding,causal",
         "maskscope print: A_window is not a mask of mode custom; the modes with it: sliding\n"},
        {"export --mode padding --decimals 7 -o /tmp/x.png", "maskscope export: --decimals 7: must be a whole number from 0 to 6\n"},
        {"export --all --out-dir /tmp --terms causal",
         "maskscope export: --all exports every mode and step: drop -o, --mode, --terms and --step\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        Run r = run(cases[i][0]);
        cr_assert_eq(r.status, 2, "%s", cases[i][0]);
        cr_assert_str_eq(r.err, cases[i][1]);
        cr_assert_str_eq(r.out, "");
        done(&r);
    }
}

Test(cli, a_missing_scenario_file_is_an_io_error)
{
    Run r = run("print batch --scenario /nonexistent/s.json");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "/nonexistent/s.json: cannot open: No such file or directory\n");
    done(&r);
}

Test(cli, an_invalid_scenario_names_file_line_column)
{
    char path[] = "/tmp/ms-scn-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "{\n  \"sentences\": [\"a b\"],\n  \"seed\": -1\n}\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char args[256];
    snprintf(args, sizeof args, "dump --scenario %s", path);
    Run r = run(args);
    char want[256];
    snprintf(want, sizeof want, "%s:3:11: seed: must be a whole number from 0 to 9007199254740991\n", path);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, want);
    cr_assert_str_eq(r.out, "");
    done(&r);
    unlink(path);
}

Test(cli, dump_has_every_tensor_with_its_shape)
{
    Run r = run("dump --mode combined");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *j = cJSON_Parse(r.out);
    cr_assert_not_null(j);
    struct {
        const char *name;
        int ndim, shape[3];
    } want[] = {{"batch", 2, {3, 5}},      {"embeddings", 3, {3, 5, 4}}, {"W_q", 2, {4, 4}},
                {"Q", 3, {3, 5, 4}},       {"scores", 3, {3, 5, 5}},     {"mask", 3, {3, 5, 5}},
                {"masked_scores", 3, {3, 5, 5}}, {"weights", 3, {3, 5, 5}}, {"output", 3, {3, 5, 4}},
                {"loss_mask", 2, {3, 5}},  {"losses", 2, {3, 5}}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(j, want[i].name);
        cr_assert_not_null(t, "%s missing", want[i].name);
        cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
        cr_assert_eq(cJSON_GetArraySize(shape), want[i].ndim, "%s", want[i].name);
        int size = 1;
        for (int k = 0; k < want[i].ndim; k++) {
            cr_assert_eq(cJSON_GetArrayItem(shape, k)->valueint, want[i].shape[k]);
            size *= want[i].shape[k];
        }
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "data")), size);
    }
    /* -inf is a string; sentence 0, query 0, key 1 is blocked by the causal mask */
    cJSON *mask = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "mask"), "data");
    cr_assert_str_eq(cJSON_GetArrayItem(mask, 1)->valuestring, "-inf");
    /* a decoder's loss is next-token: the notebook's batch_losses at the positions whose next token is real
     * (2, 4 and 3 of them), as it prints them to 4 decimals */
    double next = (0.5135 + 0.5513 + 0.4215 + 0.5581 + 0.8376 + 0.8771 + 0.2851 + 0.7234 + 0.5639) / 9;
    cr_assert_float_eq(cJSON_GetObjectItemCaseSensitive(j, "loss")->valuedouble, next, 1e-4);
    cJSON *targets = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "targets"), "data");
    const int want_targets[15] = {2, 3, -100, -100, -100, 2, 3, 4, 5, -100, 2, 3, 4, -100, -100};
    for (int i = 0; i < 15; i++) cr_assert_eq(cJSON_GetArrayItem(targets, i)->valueint, want_targets[i], "targets[%d]", i);
    cJSON_Delete(j);
    done(&r);
}

Test(cli, dump_to_a_file_is_atomic)
{
    Run r = run("dump -o /nonexistent-dir/d.json");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "/nonexistent-dir/d.json: cannot write"), "%s", r.err);
    done(&r);
    char dir[] = "/tmp/ms-dump-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char args[256], path[200];
    snprintf(path, sizeof path, "%s/d.json", dir);
    snprintf(args, sizeof args, "dump --mode mlm -o %s", path);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *text = slurp(path);
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "mode")->valuestring, "mlm");
    cJSON_Delete(j);
    free(text);
    done(&r);
    unlink(path);
    rmdir(dir);
}

Test(cli, help_and_version)
{
    Run r = run("--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "maskscope print NAME"));
    done(&r);
    r = run("--version");
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "maskscope ", 10) == 0);
    done(&r);
}

/* A full disk on standard output is an I/O failure: exit 1 and one line. */
Test(cli, a_failed_write_to_stdout_exits_1_with_one_line)
{
    const char *bin = getenv("MASKSCOPE_BIN");
    cr_assert_not_null(bin, "MASKSCOPE_BIN is not set");
    const char *cmds[] = {"print batch", "dump"};
    for (size_t i = 0; i < 2; i++) {
        char err[] = "/tmp/ms-err-XXXXXX";
        close(mkstemp(err));
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "'%s' %s >/dev/full 2>%s </dev/null", bin, cmds[i], err);
        int st = system(cmd);
        char *e = slurp(err);
        unlink(err);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "%s: status %d", cmds[i], st);
        cr_assert(strstr(e, "cannot write to standard output"), "%s: stderr '%s'", cmds[i], e);
        cr_assert(strchr(e, '\n') == e + strlen(e) - 1, "%s: not one line: '%s'", cmds[i], e);
        free(e);
    }
}

/* the reliability issue's smaller findings, each as a user would meet it */

Test(cli, a_full_stdout_is_an_io_error_for_every_command)
{
    const char *cmds[] = {"--help", "--version", "print --list", "print batch", "dump"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char cmd[1024], err[] = "/tmp/ms-full-XXXXXX";
        close(mkstemp(err));
        snprintf(cmd, sizeof cmd, "'%s' %s >/dev/full 2>%s", getenv("MASKSCOPE_BIN"), cmds[i], err);
        int st = system(cmd);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "%s: exit %d", cmds[i], WEXITSTATUS(st));
        char *e = slurp(err);
        cr_assert(strstr(e, "cannot write to standard output"), "%s: %s", cmds[i], e);
        char *nl = strchr(e, '\n');
        cr_assert(nl && nl[1] == '\0', "%s: one line: %s", cmds[i], e);
        free(e);
        unlink(err);
    }
    /* check, too, with a file to check */
    char cmd[1024], err[] = "/tmp/ms-full-XXXXXX";
    close(mkstemp(err));
    snprintf(cmd, sizeof cmd, "'%s' check '%s/lessons/01-padding-and-loss-masking.json' >/dev/full 2>%s",
             getenv("MASKSCOPE_BIN"), getenv("MASKSCOPE_SOURCE_ROOT"), err);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    unlink(err);
}

Test(cli, missing_fonts_are_an_io_error)
{
    const char *cmds[] = {"export --mode padding -o /tmp/ms-nofont.png", "export --all --out-dir /tmp/ms-nofont-dir",
                          "export --lesson lessons/05-causal-masking.json --out-dir /tmp/ms-nofont-deck"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char prefix[600];
        snprintf(prefix, sizeof prefix, "cd '%s' && MASKSCOPE_DATA_DIR=/nonexistent SDL_VIDEODRIVER=dummy",
                 getenv("MASKSCOPE_SOURCE_ROOT"));
        Run r = run_after(prefix, cmds[i]);
        cr_assert_eq(r.status, 1, "%s: %s", cmds[i], r.err);
        cr_assert(strstr(r.err, "MASKSCOPE_DATA_DIR=/nonexistent has no fonts"), "%s", r.err);
        done(&r);
    }
    cr_assert_neq(access("/tmp/ms-nofont.png", F_OK), 0);
    cr_assert_neq(access("/tmp/ms-nofont-dir", F_OK), 0);
    cr_assert_neq(access("/tmp/ms-nofont-deck", F_OK), 0);
}

/* the sentences of a mode are its own batch's: the README's example has one MLM sentence */
Test(cli, a_modes_sentences_are_its_own_batchs)
{
    char args[1024];
    const char *root = getenv("MASKSCOPE_SOURCE_ROOT");
    snprintf(args, sizeof args,
             "export --scenario %s/tests/scenarios/readme-example.json --mode mlm --sentence 0 -o /tmp/ms-mlm0.png "
             "--size 320x200",
             root);
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    unlink("/tmp/ms-mlm0.png");
    snprintf(args, sizeof args,
             "export --scenario %s/tests/scenarios/readme-example.json --mode mlm --sentence 1 -o /tmp/ms-mlm1.png",
             root);
    r = run(args);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "maskscope export: --sentence 1: mode mlm has sentences 0..0\n");
    done(&r);
    /* and a bigger MLM batch than the batch: sentence 3 of 4 is there for print and export alike */
    char path[] = "/tmp/ms-mlm4-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "{\"sentences\": [\"a b\", \"c d e\"], \"mlm\": {\"sentences\": [\"a\", \"b c\", \"d\", \"e f g\"],"
                       " \"masked\": [[0], [1], [0], [2]]}}";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(args, sizeof args, "print A_weights --mode mlm --sentence 3 --scenario %s", path);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    snprintf(args, sizeof args, "export --mode mlm --sentence 3 --scenario %s -o /tmp/ms-mlm3.png --size 320x200",
             path);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    unlink("/tmp/ms-mlm3.png");
    unlink(path);
}

/* padding_loss_mask is (batch != PAD).float(), as its help says, with or without loss_weights */
Test(cli, padding_loss_mask_is_the_unweighted_mask)
{
    char args[512];
    snprintf(args, sizeof args, "print padding_loss_mask --scenario %s/tests/scenarios/weighted.json",
             getenv("MASKSCOPE_SOURCE_ROOT"));
    expect_print(args, "tensor([[1., 1., 1., 0., 0.],\n        [1., 1., 1., 1., 1.],\n        [1., 1., 1., 1., 0.]])\n");
    /* the weights are in the mode's loss mask */
    snprintf(args, sizeof args, "print loss_mask --scenario %s/tests/scenarios/weighted.json",
             getenv("MASKSCOPE_SOURCE_ROOT"));
    Run r = run(args);
    cr_assert(strstr(r.out, "0.5000"), "%s", r.out);
    done(&r);
}

/* untrusted text in a message is spelled out: no escape code reaches the terminal, one line */
Test(cli, control_characters_in_arguments_are_spelled_out)
{
    const char *cases[] = {"print \"$(printf 'x\\033]0;PWNED\\007\\033[2J\\nsecond line')\"",
                           "print batch --scenario \"$(printf '/tmp/no\\nsuch\\302\\233file')\"",
                           "\"$(printf 'frob\\033[2Jnicate')\"",
                           "export --mode \"$(printf 'side\\nways')\" -o /tmp/ms-x.png"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        Run r = run(cases[i]);
        cr_assert_geq(r.status, 1, "%s", cases[i]);
        cr_assert_null(strchr(r.err, '\033'), "no ESC byte: %s", r.err);
        cr_assert_null(strstr(r.err, "\302\233"), "no C1 CSI: %s", r.err);
        cr_assert_null(strchr(r.err, '\007'), "no BEL: %s", r.err);
        char *nl = strchr(r.err, '\n');
        cr_assert(nl && nl[1] == '\0', "one line: %s", r.err);
        cr_assert(strstr(r.err, "\\x1b") || strstr(r.err, "\\n") || strstr(r.err, "\\u009b"), "spelled out: %s",
                  r.err);
        done(&r);
    }
}

/* export names each file it wrote on stdout, one a line, escaped like any untrusted text; --quiet names none */
Test(cli, export_prints_the_path_of_each_file_it_wrote)
{
    char dir[] = "/tmp/ms-cli-export-XXXXXX", args[1024], want[1024];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof args, "export --mode causal --size 320x200 -o %s/one.png", dir);
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof want, "%s/one.png\n", dir);
    cr_assert_str_eq(r.out, want);
    want[strlen(want) - 1] = '\0';
    cr_assert_eq(access(want, F_OK), 0, "%s was written", want);
    done(&r);
    /* a name with an escape code in it is spelled out, so the terminal is never told anything */
    snprintf(args, sizeof args, "export --mode causal --size 320x200 -o \"%s/$(printf 'a\\033]0;x\\007b').png\"", dir);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof want, "%s/a\\x1b]0;x\\x07b.png\n", dir);
    cr_assert_str_eq(r.out, want);
    done(&r);
    /* every frame of --all, in order, each a file that is there */
    snprintf(args, sizeof args, "export --all --out-dir %s/all --size 320x200", dir);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    int lines = 0;
    for (char *save = NULL, *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++) {
        cr_assert(strncmp(line, dir, strlen(dir)) == 0 && strstr(line, "/all/"), "%s", line);
        cr_assert_eq(access(line, F_OK), 0, "%s was written", line);
    }
    /* as many lines as files in the folder, and at least one per mode */
    int files = 0;
    snprintf(want, sizeof want, "%s/all", dir);
    DIR *d = opendir(want);
    cr_assert(d, "%s", want);
    for (struct dirent *ent; (ent = readdir(d));)
        files += ent->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(lines, files, "one line per frame written");
    cr_assert_geq(lines, mode_count() * 6, "every mode's frames");
    done(&r);
    snprintf(args, sizeof args, "export --quiet --all --out-dir %s/all --size 320x200", dir);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    done(&r);
    snprintf(args, sizeof args, "export -q --mode mlm --size 320x200 -o %s/one.png", dir);
    r = run(args);
    cr_assert_str_eq(r.out, "");
    done(&r);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* -o /dev/stdout: the PNG is the output, and no path line follows its last chunk (stdout is a FIFO
 * here, which export writes directly, so a line printed after the PNG would land in the same stream) */
Test(cli, export_to_stdout_is_the_png_alone)
{
    char dir[] = "/tmp/ms-cli-stdout-XXXXXX", args[1024];
    cr_assert_not_null(mkdtemp(dir));
    /* (run() redirects the last command only, its stdin from /dev/null: od reads a file) */
    snprintf(args, sizeof args, "export --mode padding --size 320x200 -o /dev/stdout >%s/fifo & cat %s/fifo >%s/png; "
             "wait; tail -c 8 %s/png >%s/end; od -An -tx1 %s/end", dir, dir, dir, dir, dir, dir);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, " 49 45 4e 44 ae 42 60 82\n", "the stream ends with IEND and its CRC: %s", r.out);
    cr_assert_str_eq(r.err, "");
    done(&r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- debugging masks: print --as, leaks, check-mask, export --bugs and --screen ---- */

Test(cli, print_as_writes_each_library_s_form_as_it_prints_it)
{
    /* the texts pasted from torch 1.13: print(A_causal == 0) and the finfo form of HF's 4-D mask */
    expect_print("print A_causal --as sdpa",
                 "# F.scaled_dot_product_attention(q, k, v, attn_mask=m): bool [5, 5], True = attend\n"
                 "tensor([[ True, False, False, False, False],\n"
                 "        [ True,  True, False, False, False],\n"
                 "        [ True,  True,  True, False, False],\n"
                 "        [ True,  True,  True,  True, False],\n"
                 "        [ True,  True,  True,  True,  True]])\n");
    expect_print("print A_causal --as finfo",
                 "# Hugging Face's 4-D mask, softmax(scores + m): float32 [1, 1, 5, 5], 0 = attend, "
                 "torch.finfo(torch.float32).min = blocked\n"
                 "tensor([[[[ 0.0000e+00, -3.4028e+38, -3.4028e+38, -3.4028e+38, -3.4028e+38],\n"
                 "          [ 0.0000e+00,  0.0000e+00, -3.4028e+38, -3.4028e+38, -3.4028e+38],\n"
                 "          [ 0.0000e+00,  0.0000e+00,  0.0000e+00, -3.4028e+38, -3.4028e+38],\n"
                 "          [ 0.0000e+00,  0.0000e+00,  0.0000e+00,  0.0000e+00, -3.4028e+38],\n"
                 "          [ 0.0000e+00,  0.0000e+00,  0.0000e+00,  0.0000e+00,  0.0000e+00]]]])\n");
    /* the tokenizer's attention_mask of "The cat ate" */
    expect_print("print mask --mode combined --sentence 0 --as hf",
                 "# model(input_ids, attention_mask=m): int64 [1, 5], 1 = a real token, 0 = [PAD]; a decoder "
                 "(GPT-2, Llama) adds the causal mask itself\ntensor([[1, 1, 1, 0, 0]])\n");
}

Test(cli, leaks_exit_0_without_a_leak_and_3_with_one)
{
    Run r = run("leaks --mode combined --json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *j = cJSON_Parse(r.out);
    cr_assert_not_null(j, "%s", r.out);
    const cJSON *inf = cJSON_GetObjectItem(j, "influence");
    const cJSON *shape = cJSON_GetObjectItem(inf, "shape"), *data = cJSON_GetObjectItem(inf, "data");
    cr_assert_eq(cJSON_GetArraySize(shape), 3);
    cr_assert_eq(cJSON_GetArrayItem(shape, 0)->valueint, 3);
    cr_assert_eq(cJSON_GetArraySize(data), 75);
    /* "The cat ate fish pie" (sentence 1): a lower triangle, written by hand */
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 5; k++)
            cr_assert_eq(cJSON_GetArrayItem(data, 25 + i * 5 + k)->valueint, k <= i, "output %d input %d", i, k);
    cr_assert_eq(cJSON_GetObjectItem(j, "leak_count")->valueint, 0);
    cJSON_Delete(j);
    done(&r);
    r = run("leaks --bug tril-for-triu --sentence 1");
    cr_assert_eq(r.status, 3, "%s", r.err);
    cr_assert(strstr(r.out, "leak: sentence 1, output 0 \u201cThe\u201d depends on input 1 \u201ccat\u201d: \u201ccat\u201d (1) "
                            "comes after \u201cThe\u201d (0): the future"), "%s", r.out);
    done(&r);
    r = run("leaks --bug loss-over-padding");
    cr_assert_eq(r.status, 3);
    cr_assert(strstr(r.out, "3 positions leak into the loss: loss = 0.613, should be 0.650"), "%s", r.out);
    done(&r);
}

static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/ms-mask-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

Test(cli, check_mask_exits_0_3_or_4)
{
    struct { const char *text, *as; int status; const char *verdict; } cases[] = {
        {"[[true, false, false, false, false], [true, true, false, false, false], [true, true, true, false, false], "
         "[true, true, true, true, false], [true, true, true, true, true]]", "sdpa", 0,
         "Verdict: correct, the mask of mode causal (Causal mask)."},
        {"[[true, false, false, false, false], [true, true, false, false, false], [true, true, true, false, false], "
         "[true, true, true, true, false], [true, true, true, true, true]]", "mha", 3,
         "Verdict: the known bug inverted-bool, An SDPA mask given to nn.MultiheadAttention."},
        {"[[1, 0, 1, 0, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1]]", "sdpa", 4,
         "Verdict: not a mask of any mode (maskscope --help lists them) and no known bug."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = temp_file(cases[i].text), args[256];
        snprintf(args, sizeof args, "check-mask %s --as %s", path, cases[i].as);
        Run r = run(args);
        cr_assert_eq(r.status, cases[i].status, "%s: %s", args, r.out);
        cr_assert(strstr(r.out, cases[i].verdict), "%s", r.out);
        cr_assert_str_eq(r.err, "");
        done(&r);
        unlink(path);
        free(path);
    }
}

Test(cli, export_bugs_writes_a_slide_per_bug_and_screen_writes_one_frame)
{
    char dir[] = "/tmp/ms-bugs-XXXXXX", args[512];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof args, "export --bugs --out-dir %s/deck --size 640x360", dir);
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    const char *slides[] = {"01-tril-where-triu-was-meant", "02-diagonal-0-no-token-sees-itself",
                            "10-masking-after-the-softmax", "index"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/deck/%s.%s", dir, slides[i], i == 3 ? "html" : "png");
        cr_assert_eq(access(path, R_OK), 0, "%s", path);
    }
    snprintf(args, sizeof args, "export --mode combined --screen leaks --size 640x360 -o %s/leaks.png", dir);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    snprintf(args, sizeof args, "%s/leaks.png", dir);
    cr_assert_eq(access(args, R_OK), 0);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    cr_assert_eq(system(args), 0);
}

/* generation: the decode mode's names, its steps up to "generate", and the alignment masks with --queries */
Test(cli, decode_prints_and_dumps_every_step_it_took)
{
    Run r = run("print --list");
    cr_assert_eq(r.status, 0);
    const char *names[] = {"sequences", "generated", "attention_mask", "q_t", "k_cache_t", "v_cache_t", "scores_t",
                           "mask_t", "weights_t", "output_t", "A_weights_full", "output_full", "A_causal_topleft",
                           "A_causal_bottomright"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "\n  %s ", names[i]);
        cr_assert(strstr(r.out, needle), "--list lacks %s", names[i]);
    }
    cr_assert_null(strstr(r.out, "\n  q_2 "), "one line stands for q_1, q_2, …");
    done(&r);
    /* SDPA's is_causal for one query against 8 keys keeps key 0 alone; the bottom-right one keeps them all */
    r = run("print A_causal_topleft --queries 1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "tensor([[0., -inf, -inf, -inf, -inf, -inf, -inf, -inf]])\n");
    done(&r);
    r = run("print A_causal_bottomright --queries 1");
    cr_assert_str_eq(r.out, "tensor([[0., 0., 0., 0., 0., 0., 0., 0.]])\n");
    done(&r);
    /* the running example, padded on the left, generates "pie pie cat" after "The cat ate" */
    r = run("print generated");
    cr_assert_str_eq(r.out, "tensor([[5, 5, 2],\n        [5, 2, 2],\n        [5, 5, 2]])\n");
    done(&r);
    r = run("dump --mode decode");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *j = cJSON_Parse(r.out);
    cr_assert_not_null(j);
    const struct { const char *name; int ndim, shape[3]; } want[] = {
        {"batch", 2, {3, 5}}, {"sequences", 2, {3, 8}}, {"generated", 2, {3, 3}}, {"position_ids", 2, {3, 8}},
        {"q_1", 3, {3, 1, 4}}, {"k_cache_1", 3, {3, 6, 4}}, {"v_cache_3", 3, {3, 8, 4}}, {"scores_2", 3, {3, 1, 7}},
        {"mask_3", 3, {3, 1, 8}}, {"weights_3", 3, {3, 1, 8}}, {"output_3", 3, {3, 1, 4}}, {"output", 3, {3, 8, 4}},
        {"A_weights", 3, {3, 5, 5}}, {"logits", 3, {3, 4, 5}}, {"A_causal_topleft", 2, {3, 8}},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        cJSON *shape = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, want[i].name), "shape");
        cr_assert_eq(cJSON_GetArraySize(shape), want[i].ndim, "%s", want[i].name);
        for (int k = 0; k < want[i].ndim; k++)
            cr_assert_eq(cJSON_GetArrayItem(shape, k)->valueint, want[i].shape[k], "%s", want[i].name);
    }
    cr_assert_null(cJSON_GetObjectItemCaseSensitive(j, "q_4"), "three steps, no fourth");
    cJSON *words = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "generated_tokens"), 0);
    cr_assert_str_eq(cJSON_GetArrayItem(words, 0)->valuestring, "pie");
    cJSON_Delete(j);
    done(&r);
}
