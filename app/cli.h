#pragma once
/* The command line: argument parsing shared by every subcommand, and the
 * text commands `print`, `dump` and `check`. Exit statuses: 0 success,
 * 1 I/O failure, 2 bad usage or invalid input (one line on stderr). */
#include <stdbool.h>

#include "scenario.h"
#include "steps.h"

enum { CLI_OK = 0, CLI_IO = 1, CLI_USAGE = 2 };

/* B*L*L attention cells `dump` will write: every cell is a dozen JSON
 * tensors' worth of text, so a 1024-token sentence is already ~0.5 GB of
 * memory and a 4096-token one would be ~7 GB. print summarises instead. */
#ifndef MS_MAX_DUMP_CELLS
#define MS_MAX_DUMP_CELLS (1u << 20)
#endif

/* Options common to print, dump and export. */
typedef struct CliOptions {
    const char *scenario_path; /* --scenario FILE, or NULL for the running example */
    StepsMode mode;            /* --mode, default padding */
    bool mode_set;
    int sentence;              /* --sentence N|all: -1 for all */
    bool sentence_set;
} CliOptions;

/* Tries to consume the option at argv[*i] (and its value) into o.
 * Returns 1 if consumed, 0 if not one of the common options, -1 after
 * printing a usage error for a bad or missing value. */
int cli_common_option(CliOptions *o, const char *cmd, int argc, char **argv, int *i);

/* Loads --scenario or the running example; on failure prints the error
 * line and sets *status to 1 (I/O) or 2 (invalid). Caller frees. */
Scenario *cli_load_scenario(const CliOptions *o, int *status);

/* The sentence to show: --sentence, else the mode's default. */
int cli_sentence(const CliOptions *o, const Scenario *sc);

/* `maskscope print NAME [--scenario FILE] [--mode M] [--sentence N|all]`, `print --list`. */
int cli_print(int argc, char **argv);
/* `maskscope check FILE...`: validates lessons and scenarios without a window. */
int cli_check(int argc, char **argv);
/* `maskscope dump [--scenario FILE] [--mode M] [-o FILE]`. */
int cli_dump(int argc, char **argv);
