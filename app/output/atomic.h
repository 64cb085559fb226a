#pragma once
/* Files that appear whole or not at all: written to a temporary file in
 * the target's directory, flushed and fsynced, then renamed over the
 * target (and the directory fsynced). A failure at any point removes the
 * temporary file and leaves an existing target byte for byte as it was.
 * Replacing a file keeps its permission bits (and, as root, its owner);
 * a symbolic link is written through to its target, not replaced; a
 * device or FIFO (-o /dev/stdout) is written directly, never replaced;
 * a directory or socket is refused. A hard link's other names keep the
 * old content (the name written gets a new file, as editors' safe saves
 * do). Errors read "PATH: cannot write: reason". */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct AtomicFile {
    FILE *fp;             /* write here between atomic_open and atomic_commit */
    char path[PATH_MAX];  /* the name asked for (messages) */
    char target[PATH_MAX];/* where it lands: path, or what its symbolic link points at */
    char tmp[PATH_MAX];   /* the temporary file, "" when writing directly */
    bool direct;          /* a device or FIFO: written in place */
} AtomicFile;

/* Opens PATH for writing as described above. */
bool atomic_open(AtomicFile *af, const char *path, char *err, size_t errlen);
/* Flushes, fsyncs, closes and renames the file into place; on failure
 * (or when cancel_signal() asks to stop) removes it. */
bool atomic_commit(AtomicFile *af, char *err, size_t errlen);
/* Closes and removes the temporary file; safe after a failed open. */
void atomic_abort(AtomicFile *af);
/* The whole dance for len bytes of data. */
bool atomic_write(const char *path, const void *data, size_t len, char *err, size_t errlen);
