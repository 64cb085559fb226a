#pragma once
/* The conventions an attention mask is written in. One mask, six ways:
 * the notebook's additive float (0 keeps, -inf blocks), Hugging Face's
 * 4-D float with torch.finfo(float32).min, PyTorch's boolean masks with
 * opposite meanings (scaled_dot_product_attention: True = attend;
 * nn.MultiheadAttention: True = blocked), Hugging Face's [B, L]
 * attention_mask (1 = a real token) and JAX/Flax's boolean [B, 1, Lq, Lk]
 * (True = attend). conv_to translates an additive mask into a format in
 * the layout its API takes; conv_from translates back, exactly.
 * Ownership: every Tensor and string returned is new; the caller frees
 * tensors with tensor_free and strings with free. */
#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

/* torch.finfo(torch.float32).min, what Hugging Face fills blocked cells with */
#define CONV_FINFO_MIN (-3.4028234663852886e38)

typedef enum ConvFormat {
    CONV_ADDITIVE, /* float, 0 = attend, -inf = blocked: scores + m */
    CONV_FINFO,    /* float [B,1,Lq,Lk], 0 = attend, finfo.min = blocked: Hugging Face's 4-D mask */
    CONV_SDPA,     /* bool, True = attend: F.scaled_dot_product_attention's attn_mask */
    CONV_MHA,      /* bool, True = blocked: nn.MultiheadAttention's attn_mask / key_padding_mask */
    CONV_HF,       /* int64 [B,L], 1 = real token, 0 = [PAD]: Hugging Face's attention_mask */
    CONV_JAX,      /* bool [B,1,Lq,Lk], True = attend: Flax's mask */
    CONV_COUNT
} ConvFormat;

/* What a format is, for messages, the translator screen and the man page. */
typedef struct ConvInfo {
    const char *name;         /* "sdpa": --as */
    const char *library;      /* "PyTorch F.scaled_dot_product_attention" */
    const char *meaning;      /* "bool, True = attend" */
    const char *keep, *block; /* how a kept and a blocked cell are written: "True", "False" */
    const char *call;         /* the call that consumes it */
    const char *fully_masked; /* what it does to a row whose every key is blocked */
} ConvInfo;

const ConvInfo *conv_info(ConvFormat f);
/* The format named name; false if none. */
bool conv_parse(const char *name, ConvFormat *f);
/* "additive, finfo, sdpa, mha, hf, jax". */
const char *conv_names(void);

/* How conv_to laid the mask out, which conv_from needs to undo it. */
typedef enum ConvHow {
    CONV_SAME,        /* the additive mask's own shape */
    CONV_HEADS,       /* a head axis added: [B,1,Lq,Lk] ([Lq,Lk] becomes [1,1,Lq,Lk]) */
    CONV_KEYS_HEADS,  /* a [B,L] key vector as [B,1,1,L] (SDPA broadcasts it over queries) */
    CONV_KEYS_SQUARE, /* a [B,L] key vector expanded to [B,1,L,L] (HF's _expand_mask, make_attention_mask) */
    CONV_ENCODER,     /* a mask whose rows are all alike, as each sentence's [Lk] key vector: [B,Lk] */
    CONV_DECODER,     /* a key vector plus causal, as the key vector: the model adds causal itself */
} ConvHow;

typedef struct ConvLayout {
    ConvHow how;
    bool keys;     /* the additive mask was a [B,L] key vector (padding_mask) */
    int ndim;      /* its shape */
    int shape[3];
} ConvLayout;

/* A mask in format f, from an additive mask m: a [B,L] key vector when
 * keys (the notebook's padding_mask), else [Lq,Lk] or [B,Lq,Lk]. *layout
 * says how it was laid out. NULL and err when the format cannot hold m:
 * an attention_mask (hf) holds only which tokens are padding. */
Tensor *conv_to(ConvFormat f, const Tensor *m, bool keys, ConvLayout *layout, char *err, size_t errlen);
/* The additive mask back from t, in format f and laid out as layout says:
 * the very tensor conv_to started from. */
Tensor *conv_from(ConvFormat f, const Tensor *t, const ConvLayout *layout);

/* What `print NAME --as FORMAT` writes for additive mask m (keys as for
 * conv_to) named name:
 * a one-line comment naming the API and what True / 1 means, then the
 * tensor exactly as that framework prints it (PyTorch's str(), or
 * NumPy's for JAX), newline-terminated. NULL and err when conv_to fails. */
char *conv_text(ConvFormat f, const Tensor *m, bool keys, const char *name, char *err, size_t errlen);
