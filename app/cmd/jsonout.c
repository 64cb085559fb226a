/* JSON the commands write, streamed: no document tree in memory. */
#include "jsonout.h"

#include <math.h>

#include "text.h"

/* a JSON string: quotes, backslashes and control characters escaped */
void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* a number that reads back exactly; "nan", "inf", "-inf" as strings */
void json_number(FILE *f, double v)
{
    char buf[TEXT_DOUBLE_BYTES];
    text_double(v, buf);
    if (isfinite(v))
        fputs(buf, f);
    else
        fprintf(f, "\"%s\"", buf);
}

void json_tensor(FILE *f, const char *key, const Tensor *t)
{
    fputs(",\n  ", f);
    json_string(f, key);
    fputs(": {\"shape\": [", f);
    for (int i = 0; i < t->ndim; i++) fprintf(f, "%s%d", i ? ", " : "", t->shape[i]);
    fputs("], \"data\": [", f);
    for (size_t i = 0; i < t->size; i++) {
        if (i) fputs(i % 16 ? ", " : ",\n    ", f);
        json_number(f, t->data[i]);
    }
    fputs("]}", f);
}
