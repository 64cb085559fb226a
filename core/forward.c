/* A forward pass, row by row, as a piece of code computes it. The engine
 * computes one query row as
 *
 *     scores = q · Kᵀ / √d;  masked = scores + mask;  w = softmax(masked);  out = w · V
 *
 * and forward_row does exactly that, operation for operation, when asked
 * for FORWARD_ADD in doubles, so the leak detector's unperturbed outputs
 * are the engine's to the last bit. The other settings are the classic
 * mistakes: the mask multiplied in after the softmax, and float16, where
 * -inf and torch.finfo(torch.float16).min = -65504 behave differently. */
#include "forward.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "attn.h"

double forward_f16(double v)
{
    if (isnan(v) || isinf(v) || v == 0)
        return v;
    double a = fabs(v);
    if (a >= 65520.0) /* 65504 plus half a step: ties go to the even neighbour, 2^16, which is inf */
        return copysign(INFINITY, v);
    int e;
    frexp(a, &e);
    int low = e - 1 < -14 ? -14 : e - 1; /* below 2^-14 the spacing stays 2^-24 (subnormals) */
    double step = ldexp(1.0, low - 10);  /* 10 mantissa bits */
    return copysign(nearbyint(a / step) * step, v);
}

double forward_f32(double v)
{
    if (isnan(v) || isinf(v))
        return v;
    if (fabs(v) > FLT_MAX) /* 2^128 - 2^103 and beyond round to inf; below it, to FLT_MAX */
        return fabs(v) >= 0x1.ffffffp127 ? copysign(INFINITY, v) : copysign(FLT_MAX, v);
    return (double)(float)v;
}

static void engine_mask_row(const void *ctx, int s, int q, double *row)
{
    const ForwardEngine *fe = ctx;
    const Mode *m = engine_mode(fe->e);
    mask_terms_row(m->terms, mode_nterms(m), &fe->in, s, q, row);
}

Forward forward_of_engine(const Engine *e, ForwardEngine *ctx)
{
    ctx->e = e;
    ctx->in = engine_mask_input(e);
    return (Forward){.mask_row = engine_mask_row, .ctx = ctx, .at = FORWARD_ADD, .precision = FORWARD_F64,
                     .policy = engine_scenario(e)->nan_policy};
}

void forward_row(const Forward *f, int s, int q, const double *qrow, const double *K, const double *V, int Lk, int d,
                 double *scratch, double *weights, double *out)
{
    double *w = scratch, *m = scratch + Lk;
    bool half = f->precision == FORWARD_F16;
    attn_scores_row(qrow, K, Lk, d, 1.0 / sqrt((double)d), w);
    f->mask_row(f->ctx, s, q, m);
    if (half)
        for (int k = 0; k < Lk; k++)
            w[k] = forward_f16(w[k]);
    if (f->at == FORWARD_ADD) {
        for (int k = 0; k < Lk; k++)
            w[k] = half ? forward_f16(w[k] + m[k]) : w[k] + m[k];
        attn_softmax_row(w, Lk, f->policy);
    } else {
        /* softmax over every key, then the blocked weights zeroed: the row keeps the
         * denominator the blocked keys made */
        attn_softmax_row(w, Lk, f->policy);
        for (int k = 0; k < Lk; k++)
            if (m[k] != 0)
                w[k] = 0;
    }
    if (half)
        for (int k = 0; k < Lk; k++)
            w[k] = forward_f16(w[k]);
    attn_output_row(w, V, Lk, d, out);
    if (half)
        for (int j = 0; j < d; j++)
            out[j] = forward_f16(out[j]);
    if (weights)
        memcpy(weights, w, (size_t)Lk * sizeof *w);
}
