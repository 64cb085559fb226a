#pragma once
/* Files that appear whole or not at all: written to a temporary file in
 * the target's directory, flushed, then renamed over the target. A
 * failure at any point removes the temporary file and leaves an existing
 * target untouched. Errors read "PATH: cannot write: reason". */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct AtomicFile {
    FILE *fp;             /* write here between atomic_open and atomic_commit */
    char tmp[PATH_MAX];
    char path[PATH_MAX];
} AtomicFile;

/* Creates PATH.tmp-XXXXXX (mode 0666 less the umask) and opens it for writing. */
bool atomic_open(AtomicFile *af, const char *path, char *err, size_t errlen);
/* Flushes, closes and renames the file into place; on failure removes it. */
bool atomic_commit(AtomicFile *af, char *err, size_t errlen);
/* Closes and removes the temporary file; safe after a failed open. */
void atomic_abort(AtomicFile *af);
/* The whole dance for len bytes of data. */
bool atomic_write(const char *path, const void *data, size_t len, char *err, size_t errlen);
