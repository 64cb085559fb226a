#pragma once
/* The leak detector. It changes one input token at a time (its embedding)
 * and records which outputs change: influence[s][i][j] is true when
 * output i of sentence s depends on input j. A masked key gets a weight
 * of exactly 0, so an output either changes or stays the same to the
 * last bit, and no tolerance is needed. The mask of the engine's mode
 * says what is allowed; a real output that depends on an input the mask
 * blocks (a future token, a [PAD], another document) is a leak, and so
 * is a real output that reads a [PAD] under any mask. Padded outputs are
 * not checked: the loss mask discards them.
 * Ownership: leaks_run returns Leaks the caller frees with leaks_free; it
 * points into the engine, which must outlive it. */
#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "forward.h"

/* Work one run may do: perturbed inputs × the forward pass each costs
 * (sentences · Lk · Lq · Lk · d multiply-adds, about a second at 2^28). */
#ifndef MS_MAX_LEAK_WORK
#define MS_MAX_LEAK_WORK (1u << 28)
#endif

/* Why an output may not depend on an input. */
typedef enum LeakWhy {
    LEAK_ALLOWED,  /* it may */
    LEAK_PADDING,  /* the input is [PAD] */
    LEAK_FUTURE,   /* the input comes after the output's token */
    LEAK_DOCUMENT, /* the input belongs to another packed document */
    LEAK_MASK,     /* the mask blocks it for another reason (a window, a stride) */
} LeakWhy;

typedef struct Leaks Leaks;

/* Perturbs every input of sentence (-1: every sentence) of e and runs fw
 * (NULL: the engine's own computation) on each. NULL and err when the
 * work is beyond MS_MAX_LEAK_WORK or the sentence is out of range. */
Leaks *leaks_run(const Engine *e, const Forward *fw, int sentence, char *err, size_t errlen);
/* Frees; leaks_free(NULL) is a no-op. */
void leaks_free(Leaks *l);

const Engine *leaks_engine(const Leaks *l);
/* The sentences run: first to last (one, or all). */
int leaks_first(const Leaks *l);
int leaks_last(const Leaks *l);
/* Outputs (query positions) and inputs (key positions) per sentence. */
int leaks_rows(const Leaks *l);
int leaks_cols(const Leaks *l);

/* Output i of sentence s changes when input j changes. */
bool leaks_depends(const Leaks *l, int s, int i, int j);
/* Output i is a real token's: its dependencies are checked. */
bool leaks_checked(const Leaks *l, int s, int i);
/* Output i is NaN. */
bool leaks_nan(const Leaks *l, int s, int i);
/* Output i depends on no input at all (a fully masked row). */
bool leaks_dead(const Leaks *l, int s, int i);
/* Why output i may not depend on input j (LEAK_ALLOWED: it may), with the
 * reason in words into buf (may be NULL). */
LeakWhy leaks_why(const Leaks *l, int s, int i, int j, char *buf, size_t n);
/* A checked output depends on an input it may not: a leak. */
bool leaks_is_leak(const Leaks *l, int s, int i, int j);
/* How many leaks the run found. */
int leaks_count(const Leaks *l);

/* The influence matrix as a [S, Lq, Lk] tensor of 0 and 1 (S sentences run), owned by l. */
const Tensor *leaks_influence(const Leaks *l);

/* Which of n per-token losses a loss formula reads: perturbs each in
 * turn and marks (out[i] = 1) those that change loss(losses, ctx). */
void leaks_loss(double (*loss)(const double *losses, int n, const void *ctx), const void *ctx, const double *losses,
                int n, bool *out);
