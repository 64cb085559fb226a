/* JSON with positions. cJSON parses, but it forgets where each value
 * stood; a teacher with a typo in line 40 of a lesson needs to be told
 * "line 40". So after cJSON has accepted the text we walk the text and
 * the tree together, in document order, and note the byte offset of
 * every value (and of its key). The same walk rejects what cJSON lets
 * through: nesting deeper than we allow, duplicate keys, keys with
 * control characters and numbers JSON does not have (01, 1., -.5, which
 * strtod takes). Before any of that a leading byte order mark is skipped,
 * the bytes must be UTF-8 without NULs, and a lexical pass turns away
 * what cJSON would quietly accept (see lex_bad). Names, keys and words
 * in messages go through text_escape, so a message stays one line. */
#include "doc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "text.h"
#include "xmalloc.h"

/* a file name in a message: escaped, and long paths shortened */
enum { NAME_SHOWN = 256 };

typedef struct Spot {
    const cJSON *node;
    size_t key, value; /* byte offsets; key == value for non-members */
} Spot;

struct Doc {
    char *name;
    char *copy; /* the text, kept for position lookups */
    size_t len;
    cJSON *root;
    Spot *spots; /* every value in document order */
    size_t nspots, cap;
};

static void position(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void say_at(char *err, size_t errlen, const char *name, const char *text, size_t off,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void say_at(char *err, size_t errlen, const char *name, const char *text, size_t off,
                   const char *fmt, ...)
{
    int line, col;
    position(text, off, &line, &col);
    int n = snprintf(err, errlen, "%s:%d:%d: ", name, line, col);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* milliseconds left until deadline (CLOCK_MONOTONIC), for poll */
static int ms_left(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

char *doc_read_file(const char *path, size_t *len, bool *io_error, char *err, size_t errlen)
{
    *io_error = false;
    *len = 0;
    char *buf = NULL;
    char shown[NAME_SHOWN];
    text_escape(path, shown, sizeof shown);
    /* without O_NONBLOCK, opening a FIFO that nothing writes to would wait
     * forever; regular files ignore the flag */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *io_error = true;
        snprintf(err, errlen, "%s: cannot open: %s", shown, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *io_error = true;
        snprintf(err, errlen, "%s: cannot read: %s", shown, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        *io_error = true;
        snprintf(err, errlen, "%s: cannot read: is a directory", shown);
        goto fail;
    }
    bool regular = S_ISREG(st.st_mode);
    if (regular && st.st_size > (off_t)MS_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s:1:1: file: %lld bytes is too large; the limit is %u bytes",
                 shown, (long long)st.st_size, (unsigned)MS_MAX_FILE_BYTES);
        goto fail;
    }
    /* anything else (a pipe, a FIFO, a terminal, a device) is read as it
     * comes, but must reach its end within MS_READ_TIMEOUT_S: a FIFO with
     * no writer, or a writer that never closes it, must not hang check */
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += MS_READ_TIMEOUT_S;
    /* read what stat promised, growing if the file grew, up to one byte
     * past the limit (pipes and /proc files report size 0) */
    size_t cap = regular ? (size_t)st.st_size + 1 : 0, n = 0;
    if (cap < 4096)
        cap = 4096;
    buf = xmalloc(cap + 1);
    for (;;) {
        if (!regular) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int ready = poll(&p, 1, ms_left(&deadline));
            if (ready < 0 && errno != EINTR) {
                *io_error = true;
                snprintf(err, errlen, "%s: cannot read: %s", shown, strerror(errno));
                goto fail;
            }
            if (ready == 0) {
                *io_error = true;
                snprintf(err, errlen, "%s: cannot read: not a regular file, and it did not end within %d s; "
                         "is anything writing to it?", shown, MS_READ_TIMEOUT_S);
                goto fail;
            }
            if (ready < 0)
                continue;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            *io_error = true;
            snprintf(err, errlen, "%s: cannot read: %s", shown, strerror(errno));
            goto fail;
        }
        if (got == 0)
            break; /* the end */
        n += (size_t)got;
        if (n > MS_MAX_FILE_BYTES)
            break;
        if (n == cap) {
            cap = cap * 2 > (size_t)MS_MAX_FILE_BYTES + 1 ? (size_t)MS_MAX_FILE_BYTES + 1 : cap * 2;
            buf = xrealloc(buf, cap + 1);
        }
    }
    if (n > MS_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s:1:1: file: too large; the limit is %u bytes", shown,
                 (unsigned)MS_MAX_FILE_BYTES);
        goto fail;
    }
    buf[n] = '\0';
    close(fd);
    *len = n;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* the offset of the first byte that is not valid UTF-8 (or is NUL), or len */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t need;
        unsigned min;
        unsigned cp;
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return i;
        }
        if (i + need >= len)
            return i;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += need + 1;
    }
    return len;
}

/* what cJSON lets through but a maskscope file must not hold: control
 * characters other than tab and newlines (cJSON skips any byte below
 * 0x20 as white space, and our walk would lose its place), "\u0000"
 * (it would cut a string short without a word) and brackets nested
 * deeper than we allow (cJSON stops at 1000 with a bare syntax error).
 * Returns the offset of the first offence, or len, with a message that
 * names its byte offset in the file (s starts base bytes into it). */
static size_t lex_bad(const char *s, size_t len, size_t base, char *msg, size_t msglen)
{
    bool in_string = false;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            snprintf(msg, msglen, "text: control character 0x%02X at byte offset %zu; only tab and "
                     "newlines may appear besides printable text", (unsigned)c, base + i);
            return i;
        }
        if (in_string) {
            if (c == '"') {
                in_string = false;
            } else if (c == '\\' && i + 1 < len) {
                if (s[i + 1] == 'u' && i + 5 < len && strncmp(s + i + 2, "0000", 4) == 0) {
                    snprintf(msg, msglen, "text: \\u0000 (NUL) in a string; strings may not contain NUL");
                    return i;
                }
                i++;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > MS_MAX_JSON_DEPTH) {
                snprintf(msg, msglen, "nesting: deeper than %d levels; maskscope files are flat",
                         MS_MAX_JSON_DEPTH);
                return i;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return len;
}

/* the length of the JSON number at s, RFC 8259's
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or 0 if none starts there */
static size_t json_number_len(const char *s)
{
    size_t i = s[0] == '-';
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        i += strspn(s + i, "0123456789");
    else
        return 0;
    if (s[i] == '.') {
        size_t d = strspn(s + i + 1, "0123456789");
        if (d == 0)
            return i; /* "1." is 1 and a stray point */
        i += 1 + d;
    }
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1 + (s[i + 1] == '+' || s[i + 1] == '-');
        size_t d = strspn(s + j, "0123456789");
        if (d > 0)
            i = j + d;
    }
    return i;
}

/* "json: 01 is not a JSON number; …" for the len bytes at s */
static void number_trouble(char *msg, size_t n, const char *s, size_t len)
{
    char token[32], shown[24];
    snprintf(token, sizeof token, "%.*s", len < sizeof token ? (int)len : (int)sizeof token - 1, s);
    snprintf(msg, n, "json: %s is not a JSON number; write numbers like 7, -3, 0.25 or 1e-3 (no leading "
             "zeros, no leading + or point, digits on both sides of a point)",
             text_escape(token, shown, sizeof shown));
}

typedef struct Walk {
    Doc *doc;
    const char *s;
    size_t pos;
    char *err;
    size_t errlen;
} Walk;

static void ws(Walk *w)
{
    while (w->s[w->pos] == ' ' || w->s[w->pos] == '\t' || w->s[w->pos] == '\n' ||
           w->s[w->pos] == '\r')
        w->pos++;
}

static void skip_string(Walk *w)
{
    EXPECT(w->s[w->pos] == '"');
    w->pos++;
    while (w->s[w->pos] && w->s[w->pos] != '"') {
        if (w->s[w->pos] == '\\' && w->s[w->pos + 1])
            w->pos++;
        w->pos++;
    }
    if (w->s[w->pos] == '"')
        w->pos++;
}

static void note(Walk *w, const cJSON *node, size_t key, size_t value)
{
    Doc *d = w->doc;
    if (d->nspots == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->spots = xrealloc(d->spots, d->cap * sizeof *d->spots);
    }
    d->spots[d->nspots++] = (Spot){node, key, value};
}

typedef struct KeyAt {
    const char *key;
    size_t off;
} KeyAt;

static int keyat_cmp(const void *a, const void *b)
{
    const KeyAt *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return (x->off > y->off) - (x->off < y->off);
}

static bool walk_value(Walk *w, const cJSON *node, size_t key, int depth);

static bool walk_members(Walk *w, const cJSON *node, bool object, int depth)
{
    w->pos++; /* '{' or '[' */
    size_t count = 0;
    for (const cJSON *c = node->child; c; c = c->next)
        count++;
    KeyAt *keys = object ? xcalloc(count, sizeof *keys) : NULL;
    size_t k = 0;
    bool ok = true;
    for (const cJSON *c = node->child; c; c = c->next) {
        ws(w);
        size_t key = w->pos;
        if (object) {
            skip_string(w);
            ws(w);
            w->pos++; /* ':' */
            keys[k++] = (KeyAt){c->string ? c->string : "", key};
            for (const char *q = c->string; q && *q; q++) {
                if ((unsigned char)*q < 0x20) {
                    say_at(w->err, w->errlen, w->doc->name, w->s, key,
                           "key: contains control character 0x%02X; keys are printable text",
                           (unsigned)(unsigned char)*q);
                    ok = false;
                    break;
                }
            }
            if (!ok)
                break;
        }
        if (!walk_value(w, c, key, depth + 1)) {
            ok = false;
            break;
        }
        ws(w);
        if (w->s[w->pos] == ',')
            w->pos++;
    }
    if (ok) {
        ws(w);
        w->pos++; /* '}' or ']' */
    }
    if (ok && object && k > 1) {
        qsort(keys, k, sizeof *keys, keyat_cmp);
        for (size_t i = 1; i < k; i++) {
            if (strcmp(keys[i - 1].key, keys[i].key) == 0) {
                int line, col;
                position(w->s, keys[i - 1].off, &line, &col);
                char key[TEXT_QUOTE_BYTES];
                say_at(w->err, w->errlen, w->doc->name, w->s, keys[i].off,
                       "%s: duplicate key (first at line %d, column %d); each key may appear once",
                       text_escape(keys[i].key, key, sizeof key), line, col);
                ok = false;
                break;
            }
        }
    }
    free(keys);
    return ok;
}

static bool walk_value(Walk *w, const cJSON *node, size_t key, int depth)
{
    ws(w);
    size_t at = w->pos;
    if (depth > MS_MAX_JSON_DEPTH) {
        say_at(w->err, w->errlen, w->doc->name, w->s, at,
               "nesting: deeper than %d levels; maskscope files are flat", MS_MAX_JSON_DEPTH);
        return false;
    }
    note(w, node, key, at);
    char c = w->s[w->pos];
    if (c == '{' || c == '[')
        return walk_members(w, node, c == '{', depth);
    if (c == '"') {
        skip_string(w);
        return true;
    }
    if (cJSON_IsNumber(node)) {
        /* cJSON hands the characters below to strtod, which also takes
         * 01, 1., 1.e1 and -.5: the whole token must be a JSON number */
        size_t span = strspn(w->s + at, "+-0123456789.eE");
        if (json_number_len(w->s + at) != span) {
            char why[240];
            number_trouble(why, sizeof why, w->s + at, span);
            say_at(w->err, w->errlen, w->doc->name, w->s, at, "%s", why);
            return false;
        }
        w->pos += span;
        return true;
    }
    while (w->s[w->pos] && strchr("truefalsn", w->s[w->pos]))
        w->pos++;
    return true;
}

static const char syntax_error[] = "json: syntax error; expected a JSON value, ',' or a closing bracket";

/* json_trouble's first answer, from the brackets and strings alone */
static const char *json_trouble_words(const char *s, size_t len, size_t *off)
{
    size_t i = 0;
    while (i < len && strchr(" \t\n\r", s[i]))
        i++;
    if (i == len)
        return "json: the file is empty; expected a JSON object";
    if (*off >= len)
        return "json: unexpected end of file; the JSON is incomplete";
    /* replay the strings and brackets up to where cJSON stopped */
    bool in_string = false;
    size_t start = 0;
    int depth = 0;
    for (i = 0; i < *off; i++) {
        if (in_string && s[i] == '\\' && i + 1 < len) {
            i++;
        } else if (s[i] == '"') {
            in_string = !in_string;
            start = i;
        } else if (!in_string && (s[i] == '{' || s[i] == '[')) {
            depth++;
        } else if (!in_string && (s[i] == '}' || s[i] == ']') && depth > 0) {
            depth--;
        }
    }
    if (in_string) {
        for (i = *off; i < len && s[i] != '"'; i++)
            if (s[i] == '\\')
                i++;
        if (i >= len) {
            *off = start;
            return "json: this string is never closed; the JSON is incomplete";
        }
        return "json: invalid escape in a string; use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX (surrogates in pairs)";
    }
    if (depth == 0 && *off > 0)
        return "json: text after the end of the document; a file holds one JSON object";
    return syntax_error;
}

/* why cJSON stopped at *off, in words a teacher can act on, into msg;
 * may move *off to the start of an unclosed string or a bad number */
static void json_trouble(const char *s, size_t len, size_t *off, char *msg, size_t n)
{
    const char *words = json_trouble_words(s, len, off);
    snprintf(msg, n, "%s", words);
    if (words != syntax_error)
        return;
    /* a number cJSON turned away (.5, +1, 1e, 0x10, -Infinity): its
     * token runs back over number characters and on over letters */
    size_t start = *off;
    while (start > 0 && s[start - 1] && strchr("+-0123456789.eE", s[start - 1]))
        start--;
    size_t end = start;
    while (end < len && s[end] && (isalnum((unsigned char)s[end]) || strchr("+-.", s[end])))
        end++;
    bool numeric = end > start && strchr("+-.0123456789", s[start]);
    bool named = (end - start == 3 && strncmp(s + start, "NaN", 3) == 0) ||
                 (end - start == 8 && strncmp(s + start, "Infinity", 8) == 0);
    if ((numeric || named) && json_number_len(s + start) != end - start) {
        number_trouble(msg, n, s + start, end - start);
        *off = start;
    }
}

Doc *doc_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    Doc *doc = NULL;
    char shown[NAME_SHOWN];
    name = text_escape(name, shown, sizeof shown);
    /* a UTF-8 byte order mark is no part of the JSON (RFC 8259 lets a
     * parser ignore it). Skipped here, the one place every scenario and
     * lesson passes, so cJSON, the position walk and every check see the
     * same text, and columns count from the first character an editor
     * shows; byte offsets in messages still count it. */
    size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    text += bom;
    len -= bom;
    if (bom && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* cJSON would skip this one too */
        say_at(err, errlen, name, text, 0, "text: a second byte order mark; a file may start with one at most");
        return NULL;
    }
    size_t bad = utf8_bad((const unsigned char *)text, len);
    if (bad < len) {
        say_at(err, errlen, name, text, bad,
               text[bad] ? "text: invalid UTF-8 at byte offset %zu; files must be UTF-8"
                         : "text: NUL byte at offset %zu; files must be UTF-8 text",
               bom + bad);
        return NULL;
    }
    char why[160];
    bad = lex_bad(text, len, bom, why, sizeof why);
    if (bad < len) {
        say_at(err, errlen, name, text, bad, "%s", why);
        return NULL;
    }
    doc = xcalloc(1, sizeof *doc);
    doc->name = xstrdup(name);
    doc->copy = xstrndup(text, len);
    doc->len = len;
    const char *end = NULL;
    doc->root = cJSON_ParseWithOpts(doc->copy, &end, 1);
    if (!doc->root) {
        size_t off = end ? (size_t)(end - doc->copy) : 0;
        if (off > len)
            off = len;
        char why[240];
        json_trouble(doc->copy, len, &off, why, sizeof why);
        say_at(err, errlen, name, doc->copy, off, "%s", why);
        goto fail;
    }
    Walk w = {.doc = doc, .s = doc->copy, .err = err, .errlen = errlen};
    if (!walk_value(&w, doc->root, 0, 1))
        goto fail;
    return doc;
fail:
    doc_free(doc);
    return NULL;
}

void doc_free(Doc *doc)
{
    if (!doc)
        return;
    cJSON_Delete(doc->root);
    free(doc->spots);
    free(doc->copy);
    free(doc->name);
    free(doc);
}

const cJSON *doc_root(const Doc *doc)
{
    return doc->root;
}

static const Spot *find_spot(const Doc *doc, const cJSON *node)
{
    for (size_t i = 0; i < doc->nspots; i++)
        if (doc->spots[i].node == node)
            return &doc->spots[i];
    return NULL;
}

static bool vfail(const Doc *doc, size_t off, char *err, size_t errlen, const char *field,
                  const char *fmt, va_list ap)
{
    int line, col;
    position(doc->copy, off, &line, &col);
    int n = field ? snprintf(err, errlen, "%s:%d:%d: %s: ", doc->name, line, col, field)
                  : snprintf(err, errlen, "%s:%d:%d: ", doc->name, line, col);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    return false;
}

bool doc_fail(const Doc *doc, const cJSON *node, char *err, size_t errlen, const char *field,
              const char *fmt, ...)
{
    const Spot *s = node ? find_spot(doc, node) : NULL;
    va_list ap;
    va_start(ap, fmt);
    vfail(doc, s ? s->value : 0, err, errlen, field, fmt, ap);
    va_end(ap);
    return false;
}

static bool key_fail(const Doc *doc, const cJSON *node, char *err, size_t errlen,
                     const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static bool key_fail(const Doc *doc, const cJSON *node, char *err, size_t errlen,
                     const char *field, const char *fmt, ...)
{
    const Spot *s = find_spot(doc, node);
    va_list ap;
    va_start(ap, fmt);
    vfail(doc, s ? s->key : 0, err, errlen, field, fmt, ap);
    va_end(ap);
    return false;
}

const cJSON *doc_member(const cJSON *obj, const char *key)
{
    for (const cJSON *c = obj->child; c; c = c->next)
        if (c->string && strcmp(c->string, key) == 0)
            return c;
    return NULL;
}

bool doc_get_int(const Doc *doc, const cJSON *node, const char *field, long long min, long long max,
                 long long *out, char *err, size_t errlen)
{
    /* range first: converting 1e300 to an integer is undefined */
    double v = cJSON_IsNumber(node) ? node->valuedouble : NAN;
    if (!(v >= (double)min && v <= (double)max) || v != floor(v))
        return doc_fail(doc, node, err, errlen, field, "must be a whole number from %lld to %lld", min, max);
    *out = (long long)v;
    return true;
}

void doc_prefix_field(const Doc *doc, const char *prefix, char *err, size_t errlen)
{
    size_t n = strlen(doc->name);
    if (strncmp(err, doc->name, n) != 0)
        return;
    /* past "name:line:column: " */
    char *p = err + n;
    for (int colons = 0; *p && colons < 3; p++)
        if (*p == ':')
            colons++;
    if (*p != ' ')
        return;
    p++;
    size_t used = strlen(err), add = strlen(prefix);
    if (used + add + 1 > errlen)
        return;
    memmove(p + add, p, strlen(p) + 1);
    memcpy(p, prefix, add);
}

bool doc_check_keys(const Doc *doc, const cJSON *obj, const char *prefix,
                    const char *const *allowed, char *err, size_t errlen)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (c->string && strcmp(c->string, *a) == 0)
                known = true;
        if (known)
            continue;
        char list[512] = "";
        size_t used = 0;
        for (const char *const *a = allowed; *a && used < sizeof list; a++) {
            int n = snprintf(list + used, sizeof list - used, "%s%s", a == allowed ? "" : ", ", *a);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        char field[160], key[TEXT_QUOTE_BYTES];
        snprintf(field, sizeof field, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "",
                 text_escape(c->string ? c->string : "", key, sizeof key));
        return key_fail(doc, c, err, errlen, field, "unknown key; allowed keys are %s", list);
    }
    return true;
}
