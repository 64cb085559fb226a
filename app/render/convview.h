#pragma once
/* The convention translator screen: one mask (a sentence's, from the
 * engine) written in the six conventions side by side (convention.h),
 * each as a grid with the words on its axes, its cells coloured by what
 * they mean and labelled with what the library writes, the API call
 * that takes it and what it does to a fully masked row. It reads the
 * mask from the engine; it computes nothing and allocates nothing. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "convention.h"
#include "draw.h"
#include "engine.h"
#include "wordgrid.h"

typedef struct ConvViewInput {
    const Engine *e;
    int sentence;             /* the batch row shown */
    const char *where;        /* "Padding + causal mask · sentence 0: The cat ate" */
    const Tensor *hf;         /* conv_to(CONV_HF) of the sentence's mask, or NULL when it cannot hold it */
    ConvHow hf_how;           /* CONV_ENCODER or CONV_DECODER */
    const char *hf_error;     /* why not, when hf is NULL */
} ConvViewInput;

typedef struct ConvViewLayout {
    SDL_Rect cards[CONV_COUNT];
    WordGrid grids[CONV_COUNT];
    bool shown[CONV_COUNT];   /* the card has a grid */
} ConvViewLayout;

/* Draws the screen into frame (background included). */
void convview_draw(Painter *p, const DrawOptions *o, const ConvViewInput *in, SDL_Rect frame, ConvViewLayout *out);
/* The format, row and column of the cell under (x, y); false if none. */
bool convview_hit(const ConvViewLayout *l, int x, int y, int *format, int *row, int *col);
/* A cell's tooltip: its value in that convention and what it means. */
void convview_explain(const ConvViewInput *in, int format, int row, int col, char *buf, size_t n);
