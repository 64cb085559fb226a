#pragma once
/* JSON written by the commands (dump, leaks): strings with their quotes,
 * backslashes and control characters escaped, numbers that read back
 * exactly (non-finite ones as the strings "nan", "inf", "-inf"), and
 * tensors as {"shape": [...], "data": [...]}, flat and row-major. */
#include <stdio.h>

#include "tensor.h"

/* s as a JSON string. */
void json_string(FILE *f, const char *s);
/* v as a JSON number, or a string when it is not finite. */
void json_number(FILE *f, double v);
/* ",\n  "key": {"shape": [...], "data": [...]}": a member of an open object. */
void json_tensor(FILE *f, const char *key, const Tensor *t);
