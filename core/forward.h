#pragma once
/* One attention forward pass the way a piece of code computes it, right
 * or wrong: which mask values it uses (0 / -inf, torch.finfo().min, or a
 * buggy mask), where it applies them (added before the softmax, or
 * multiplied in after it) and in which precision. The engine's own
 * computation is one Forward (forward_of_engine); the bug gallery's
 * buggy and correct code are others; the leak detector runs any of them
 * on perturbed inputs. Nothing here allocates. */
#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "scenario.h"

typedef enum ForwardAt {
    FORWARD_ADD,           /* A_weights = softmax(A_scores + mask): the right place */
    FORWARD_AFTER_SOFTMAX, /* A_weights = softmax(A_scores) with blocked cells set to 0 afterwards */
} ForwardAt;

typedef enum ForwardPrecision {
    FORWARD_F64,  /* doubles, as the engine computes (float32 masks round the same way here) */
    FORWARD_F16,  /* scores, masked scores, weights and outputs rounded to float16 */
} ForwardPrecision;

typedef struct Forward {
    /* the mask row of query q of sentence s (Lk values): 0 keeps, -inf or
     * a finite minimum blocks */
    void (*mask_row)(const void *ctx, int s, int q, double *row);
    const void *ctx;
    ForwardAt at;
    ForwardPrecision precision;
    ScenarioNanPolicy policy; /* a row of only -inf: 0 or NaN */
} Forward;

/* What forward_of_engine's mask rows read: keep it alive with the Forward. */
typedef struct ForwardEngine {
    const Engine *e;
    MaskInput in;
} ForwardEngine;

/* The engine's own computation: its mode's mask terms added, its scenario's policy. */
Forward forward_of_engine(const Engine *e, ForwardEngine *ctx);

/* Query q of sentence s: its weights (Lk values, may be NULL) and output
 * (d values) from its query vector qrow [d] and the sentence's keys K and
 * values V ([Lk,d] each). scratch holds 2 * Lk values. With FORWARD_F64
 * and FORWARD_ADD this is the engine's arithmetic, operation for operation. */
void forward_row(const Forward *f, int s, int q, const double *qrow, const double *K, const double *V, int Lk, int d,
                 double *scratch, double *weights, double *out);

/* v rounded to the nearest float16 (ties to even; overflow to ±inf). */
double forward_f16(double v);
/* v rounded to the nearest float32 (ties to even; overflow to ±inf). */
double forward_f32(double v);
