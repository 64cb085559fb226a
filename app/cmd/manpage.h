#pragma once
/* The man page, written from a template (docs/maskscope.1.in) with the
 * parts that list modes, steps and keys filled in from the mode table,
 * the storyboard and the window's help, so the page cannot fall behind
 * them. */
#include <stdbool.h>
#include <stddef.h>

/* Writes the page to out_path, replacing @MODES@, @STEPS@, @MODE_KEYS@
 * and @DATADIR@ (with datadir) in the template at in_path. False and err
 * on failure; out_path is written atomically. */
bool manpage_write(const char *in_path, const char *out_path, const char *datadir, char *err, size_t errlen);
