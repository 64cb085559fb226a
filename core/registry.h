#pragma once
/* One registry of names: every tensor and number a student can ask for,
 * under the notebook's name, with a one-line doc. `print`, `print
 * --list`, `dump` and the man page all read it, so a tensor has one name
 * everywhere. Mask terms are listed from the mode table, so a new mask
 * family is printable by its name without touching this file.
 * Ownership: entries are static; registry_format returns a string the
 * caller frees. */
#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "mode.h"

typedef enum RegKind {
    REG_TENSOR, /* an engine tensor */
    REG_TERM,   /* a mask term of the mode */
    REG_SCALAR, /* a number: the masked mean loss, the plain mean */
    REG_A0_PAD, /* the notebook's padding_mask[0].repeat(L, 1) */
} RegKind;

typedef enum RegScalar { REG_LOSS, REG_LOSS_ALL } RegScalar;

typedef struct RegEntry {
    const char *name;     /* "A_scores" */
    const char *doc;      /* "Q @ K^T / sqrt(d_k) [L,L]" */
    RegKind kind;
    TensorId id;          /* REG_TENSOR */
    RegScalar scalar;     /* REG_SCALAR */
    const MaskTerm *term; /* REG_TERM */
    const char *mode;     /* a notebook name fixed to one mode ("mlm_batch": mlm), or NULL: --mode */
    bool per_sentence;    /* [B,…] sliced by --sentence (all: the whole batch) */
    bool dumped;          /* dump writes it */
    const char *dump_alias; /* an older dump key also written, for one release, or NULL */
    bool words;           /* token ids: dump also writes their words, as NAME_tokens */
    int step;             /* a decode step's tensor (q_1, q_2, …): its step t; 0 for the others */
    const char *pattern;  /* a decode step's name as --list shows it ("q_t"), or NULL */
} RegEntry;

/* Entries, the notebook's first, then every mask term of the table, then
 * decode's step tensors (q_t, k_cache_t, … for t up to MS_MAX_GENERATE). */
int registry_count(void);
const RegEntry *registry_at(int i);
/* The entry named name, or NULL. */
const RegEntry *registry_find(const char *name);

/* The mode an entry is computed in: its fixed mode, else asked (or,
 * when asked is NULL, the default mode or the first that computes it);
 * for a mask term, a mode that has it. NULL and err when the entry
 * cannot be computed in the asked mode (err names the modes that can). */
const Mode *registry_mode(const RegEntry *r, const Mode *asked, char *err, size_t errlen);

/* The text print() gives for r in engine e: tensors as PyTorch prints
 * them (sentence s's slice for per-sentence entries, the whole batch for
 * s = -1), numbers with 3 decimals. Caller frees. */
char *registry_format(const RegEntry *r, const Engine *e, int s);

/* What print shows for r, as a tensor the caller frees: sentence s's
 * slice of a per-sentence entry (s = -1: the whole batch), a shared
 * mask term's one [L,L] matrix, A0_pad; NULL for scalars. */
Tensor *registry_copy(const RegEntry *r, const Engine *e, int s);
/* Whether r is an attention mask (padding_mask, A0_pad, mask and every
 * mask term), which print --as translates; *keys is set when it is a
 * [B,L] key vector rather than query × key. */
bool registry_is_mask(const RegEntry *r, bool *keys);

/* Whether engine e holds r: a decode step's tensor only up to the
 * scenario's "generate"; every other entry of e's mode. */
bool registry_held(const RegEntry *r, const Engine *e);

/* The [B,…] tensor dump writes for r (NULL for scalars and A0_pad). */
const Tensor *registry_tensor(const RegEntry *r, const Engine *e);
/* For an entry with words: the word of each cell of sentence s (L of
 * them, "[PAD]" for padding), from the batch the tensor belongs to. */
const char *const *registry_words(const RegEntry *r, const Engine *e, int s);
/* The number for a REG_SCALAR entry. */
double registry_scalar(const RegEntry *r, const Engine *e);
