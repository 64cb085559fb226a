#pragma once
/* A set of files that lands in a folder together or not at all (a deck,
 * export --all). The files are written into a private folder first; only
 * when every one of them is complete do they replace the old ones, by
 * renames that are undone if one fails. A new folder appears whole by a
 * single rename. On failure, interruption or abort the folder is as it
 * was before, byte for byte, and no temporary file is left. Files of the
 * folder that the set does not name are left alone.
 * Ownership: stage_begin returns a Stage that stage_commit or
 * stage_abort frees. */
#include <stdbool.h>
#include <stddef.h>

typedef struct Stage Stage;

/* Starts a set of files for folder dir (which may not exist yet, but
 * whose parent must). NULL and err ("DIR: cannot write: reason") on
 * failure. */
Stage *stage_begin(const char *dir, char *err, size_t errlen);
/* Where to write the file called name (a plain name, no '/'), into buf. */
const char *stage_path(const Stage *st, const char *name, char *buf, size_t n);
/* Moves the n files named into dir, replacing what was there under those
 * names, and frees st. False and err if any move failed or a signal asked
 * to stop; the folder is then as before. */
bool stage_commit(Stage *st, const char *const *names, int n, char *err, size_t errlen);
/* Removes everything staged and frees st; stage_abort(NULL) is a no-op. */
void stage_abort(Stage *st);
