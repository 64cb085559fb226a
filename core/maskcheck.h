#pragma once
/* check-mask: a user's mask, read from JSON the way tensor.tolist() and
 * json.dump write it, in one of the conventions (convention.h) or as a
 * loss mask or labels, and judged against a scenario's batch: which keys
 * each query sees, whether it is causal, whether it blocks [PAD], which
 * rows are fully masked, and whether it is a correct mask of the mode
 * table or matches a bug of the gallery (bugs.h).
 * Ownership: maskcheck_parse returns a MaskCheck the caller frees with
 * maskcheck_free; maskcheck_report returns a string the caller frees. */
#include <stdbool.h>
#include <stddef.h>

#include "bugs.h"
#include "scenario.h"

typedef enum MaskVerdict {
    MASK_CORRECT, /* the mask of a mode of the table, or a right loss mask / labels */
    MASK_BUG,     /* matches a bug of the gallery */
    MASK_UNKNOWN, /* neither: a mask maskscope does not recognise */
} MaskVerdict;

typedef struct MaskCheck MaskCheck;

/* The formats check-mask reads: the six conventions, then "loss" (a [B,L]
 * loss mask of weights in [0,1]) and "labels" ([B,L] class ids, -100 =
 * ignored). */
const char *maskcheck_formats(void);
/* Whether name is one of them. */
bool maskcheck_format_known(const char *name);

/* Reads text (len bytes, named name in messages) as a mask in format
 * `as` for scenario sc. -Infinity and Infinity as Python's json writes
 * them are read as -inf and inf, and so are the strings "-inf", "inf".
 * NULL and one line "name:line:column: mask[0][3]: problem" on bad input
 * (a value the format does not have, a shape the batch does not fit). */
MaskCheck *maskcheck_parse(const char *text, size_t len, const char *name, const char *as, const Scenario *sc,
                           char *err, size_t errlen);
/* Frees; maskcheck_free(NULL) is a no-op. */
void maskcheck_free(MaskCheck *c);

MaskVerdict maskcheck_verdict(const MaskCheck *c);
/* The bug it matches (MASK_BUG), else NULL. */
const Bug *maskcheck_bug(const MaskCheck *c);
/* What the mask does, in words: lines separated by '\n'. */
char *maskcheck_report(const MaskCheck *c);
