#pragma once
/* A JSON document that remembers where each value stood in its file, so
 * loaders can report "file:line:column: field: problem". Wraps cJSON.
 * Ownership: doc_parse returns a Doc the caller frees with doc_free; the
 * cJSON nodes it hands out belong to the Doc. */
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#ifndef MS_MAX_FILE_BYTES
#define MS_MAX_FILE_BYTES (4u << 20) /* 4 MiB of JSON is far beyond any lesson */
#endif
#ifndef MS_MAX_JSON_DEPTH
#define MS_MAX_JSON_DEPTH 32
#endif

/* a pipe, FIFO or device given as a file must reach its end within this
 * many seconds (regular files are read at once) */
#ifndef MS_READ_TIMEOUT_S
#define MS_READ_TIMEOUT_S 5
#endif

typedef struct Doc Doc;

/* Reads a whole file (at most MS_MAX_FILE_BYTES) into a NUL-terminated
 * buffer the caller frees; on failure returns NULL and writes one line
 * into err. A file that is not regular (a pipe, a FIFO, a device) must
 * end within MS_READ_TIMEOUT_S, so nothing waits forever. *io_error is
 * set when the failure is I/O (exit 1), not input. */
char *doc_read_file(const char *path, size_t *len, bool *io_error,
                    char *err, size_t errlen);

/* Parses text (len bytes, name used in messages, escaped there by
 * text_escape). A UTF-8 byte order mark at the start is skipped: lines
 * and columns count from the character after it. Rejects non-UTF-8 text,
 * bad JSON, nesting deeper than MS_MAX_JSON_DEPTH and duplicate keys,
 * naming file:line:column. Returns NULL and writes err on failure. */
Doc *doc_parse(const char *text, size_t len, const char *name,
               char *err, size_t errlen);
/* Frees the document; doc_free(NULL) is a no-op. */
void doc_free(Doc *doc);

/* The root value. */
const cJSON *doc_root(const Doc *doc);

/* Writes "name:line:column: field: message" for node (the position of
 * its value in the file) into err. Always returns false so loaders can
 * `return doc_fail(...)`. field may be NULL. */
bool doc_fail(const Doc *doc, const cJSON *node, char *err, size_t errlen,
              const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The member of object obj named key (the first, though duplicates are
 * rejected by doc_parse), or NULL. */
const cJSON *doc_member(const cJSON *obj, const char *key);

/* A whole number in [min, max] (integral, finite) into *out; otherwise
 * an error naming field and the range. */
bool doc_get_int(const Doc *doc, const cJSON *node, const char *field, long long min, long long max,
                 long long *out, char *err, size_t errlen);

/* Turns "name:line:column: field: …" (a message doc_fail wrote) into
 * "name:line:column: PREFIXfield: …", for objects nested in another
 * file's document (a lesson's inline scenario). */
void doc_prefix_field(const Doc *doc, const char *prefix, char *err, size_t errlen);

/* Checks that every key of object obj is one of the NULL-terminated list
 * allowed; on an unknown key writes an error naming it (with prefix
 * before the key, e.g. "steps[3]") and the allowed keys. */
bool doc_check_keys(const Doc *doc, const cJSON *obj, const char *prefix,
                    const char *const *allowed, char *err, size_t errlen);
