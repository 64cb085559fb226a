/* The sentence editor: a few lines of text and a caret.
 *
 * The text is a list of lines, one sentence each, and the caret a line and
 * a byte offset that always sits between whole UTF-8 characters (typed
 * text is checked to be UTF-8, and every move and deletion steps over whole
 * characters). After a change the text is checked once, before it is next
 * drawn or used: its non-blank lines go to the core's
 * scenario_with_sentences with the scenario the editor opened on, which
 * gives the new scenario, or the problem and its sentence, mapped back to
 * the line that wrote it.
 *
 *   Your sentences                                         3 sentences
 *   One sentence a line; words are split on spaces. …
 *    0 │The cat ate                                                    │
 *    1 │The dog ate fish pie▏                                          │
 *        ids 1 6 3 4 5 · new word: dog = 6
 *    2 │The cat [PAD]                                                  │
 *        ⚠ sentence 2: word 3 is [PAD]; padding is added by maskscope …
 *   Enter applies · Esc cancels · Ctrl+S applies and saves · …
 *
 * The gutter numbers each line with the sentence it becomes (the numbers
 * of the sentence chips); a word the vocabulary lacks is underlined, and
 * [MASK] has the mask token's colour. The caret does not blink, so an idle
 * window draws nothing. Drawing allocates nothing but the check of a
 * changed text. */
#include "editor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xmalloc.h"

struct Editor {
    bool open;
    Scenario *base;              /* what the editor opened on */
    char *lines[EDITOR_MAX_LINES];
    int nlines;
    int line, byte;              /* the caret */
    int top;                     /* the first line shown */
    int hscroll;                 /* pixels the caret's line is moved left, so that the caret shows */
    char compose[SDL_TEXTEDITINGEVENT_TEXT_SIZE];
    char note[240];
    char message[200];           /* what the editor itself says (a full line), until the next edit */
    /* the check of the text, made once after each change */
    bool checked;
    Scenario *result;
    int sentence_of[EDITOR_MAX_LINES]; /* the sentence a line makes; -1: a blank line */
    char problem[400];
    int problem_line;            /* -1: the batch as a whole */
    /* the last frame */
    Painter *paint;
    int px, inset;
    SDL_Rect panel, caret_rc, fields[EDITOR_MAX_LINES];
};

Editor *editor_new(void)
{
    return xcalloc(1, sizeof(Editor));
}

static void clear(Editor *ed)
{
    for (int i = 0; i < ed->nlines; i++)
        free(ed->lines[i]);
    ed->nlines = 0;
    scenario_free(ed->base);
    scenario_free(ed->result);
    ed->base = ed->result = NULL;
}

void editor_free(Editor *ed)
{
    if (!ed) return;
    clear(ed);
    free(ed);
}

/* the text changed: check it again before it is next used */
static void touch(Editor *ed)
{
    ed->checked = false;
    ed->message[0] = '\0';
}

void editor_open(Editor *ed, const Scenario *sc, const char *note)
{
    clear(ed);
    ed->base = scenario_copy(sc);
    for (int s = 0; s < sc->sentences.count && s < EDITOR_MAX_LINES; s++)
        ed->lines[ed->nlines++] = scenario_sentence_text(sc, s);
    if (ed->nlines == 0) ed->lines[ed->nlines++] = xstrdup("");
    ed->line = ed->nlines - 1;
    ed->byte = (int)strlen(ed->lines[ed->line]);
    ed->top = ed->hscroll = 0;
    ed->compose[0] = '\0';
    snprintf(ed->note, sizeof ed->note, "%s", note ? note : "");
    ed->open = true;
    touch(ed);
}

void editor_close(Editor *ed)
{
    clear(ed);
    ed->open = false;
    ed->compose[0] = '\0';
}

bool editor_is_open(const Editor *ed)
{
    return ed->open;
}

/* ---- the check ---------------------------------------------------------- */

static bool blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static void check(Editor *ed)
{
    if (ed->checked || !ed->open) return;
    ed->checked = true;
    scenario_free(ed->result);
    ed->result = NULL;
    ed->problem[0] = '\0';
    ed->problem_line = -1;
    const char *text[EDITOR_MAX_LINES];
    int line_of[EDITOR_MAX_LINES], n = 0;
    for (int i = 0; i < ed->nlines; i++) {
        ed->sentence_of[i] = blank(ed->lines[i]) ? -1 : n;
        if (ed->sentence_of[i] < 0) continue;
        line_of[n] = i;
        text[n++] = ed->lines[i];
    }
    int bad = -1;
    ed->result = scenario_with_sentences(ed->base, text, n, &bad, ed->problem, sizeof ed->problem);
    if (!ed->result) ed->problem_line = bad >= 0 && bad < n ? line_of[bad] : -1;
}

const Scenario *editor_result(Editor *ed)
{
    check(ed);
    return ed->result;
}

bool editor_changed(Editor *ed)
{
    check(ed);
    if (!ed->result) return true;
    const Sentences *a = &ed->result->sentences, *b = &ed->base->sentences;
    if (a->count != b->count) return true;
    for (int s = 0; s < a->count; s++)
        if (a->lengths[s] != b->lengths[s] || memcmp(a->ids[s], b->ids[s], (size_t)a->lengths[s] * sizeof(int)) != 0)
            return true;
    return false;
}

const char *editor_problem(Editor *ed, int *line)
{
    check(ed);
    if (line) *line = ed->problem_line;
    return ed->problem[0] ? ed->problem : NULL;
}

void editor_set_problem(Editor *ed, int line, const char *msg)
{
    check(ed);
    snprintf(ed->problem, sizeof ed->problem, "%s", msg);
    ed->problem_line = line >= 0 && line < ed->nlines ? line : -1;
}

int editor_lines(const Editor *ed) { return ed->nlines; }
const char *editor_line(const Editor *ed, int i) { return i >= 0 && i < ed->nlines ? ed->lines[i] : NULL; }

void editor_caret(const Editor *ed, int *line, int *byte)
{
    *line = ed->line;
    *byte = ed->byte;
}

/* ---- editing ------------------------------------------------------------ */

static bool continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* the character boundary before and after byte b of s */
static int prev_char(const char *s, int b)
{
    if (b <= 0) return 0;
    do b--; while (b > 0 && continuation(s[b]));
    return b;
}

static int next_char(const char *s, int b)
{
    if (!s[b]) return b;
    do b++; while (s[b] && continuation(s[b]));
    return b;
}

/* characters before byte b, and the byte where character col starts (or the end) */
static int column(const char *s, int b)
{
    int col = 0;
    for (int i = 0; i < b; i++) col += !continuation(s[i]);
    return col;
}

static int byte_of(const char *s, int col)
{
    int b = 0;
    while (s[b] && col-- > 0) b = next_char(s, b);
    return b;
}

/* n bytes of s (UTF-8 without control characters) go in at the caret, as many whole characters as fit */
static void insert(Editor *ed, const char *s, size_t n)
{
    char *l = ed->lines[ed->line];
    size_t len = strlen(l), room = EDITOR_LINE_BYTES - len;
    bool full = n > room;
    if (full) {
        n = room;
        while (n > 0 && continuation(s[n])) n--;
    }
    if (n > 0) {
        l = xrealloc(l, len + n + 1);
        memmove(l + ed->byte + n, l + ed->byte, len - (size_t)ed->byte + 1);
        memcpy(l + ed->byte, s, n);
        ed->lines[ed->line] = l;
        ed->byte += (int)n;
        touch(ed);
    }
    if (full) snprintf(ed->message, sizeof ed->message, "A line holds at most %d bytes.", EDITOR_LINE_BYTES);
}

/* bytes [from, to) of the caret's line go; the caret goes to from */
static void cut(Editor *ed, int from, int to)
{
    char *l = ed->lines[ed->line];
    if (to <= from) return;
    memmove(l + from, l + to, strlen(l + to) + 1);
    ed->byte = from;
    touch(ed);
}

/* a new line after the caret's, holding what followed the caret */
static void split(Editor *ed)
{
    if (ed->nlines == EDITOR_MAX_LINES) {
        snprintf(ed->message, sizeof ed->message, "The editor holds at most %d lines (a batch, %d sentences).",
                 EDITOR_MAX_LINES, MS_MAX_SENTENCES);
        return;
    }
    char *l = ed->lines[ed->line];
    char *rest = xstrdup(l + ed->byte);
    l[ed->byte] = '\0';
    memmove(&ed->lines[ed->line + 2], &ed->lines[ed->line + 1], (size_t)(ed->nlines - ed->line - 1) * sizeof(char *));
    ed->lines[ed->line + 1] = rest;
    ed->nlines++;
    ed->line++;
    ed->byte = 0;
    touch(ed);
}

/* line i + 1 joins the end of line i; the caret goes to the join */
static void join(Editor *ed, int i)
{
    if (i < 0 || i + 1 >= ed->nlines) return;
    size_t a = strlen(ed->lines[i]), b = strlen(ed->lines[i + 1]);
    if (a + b > EDITOR_LINE_BYTES) {
        snprintf(ed->message, sizeof ed->message, "A line holds at most %d bytes.", EDITOR_LINE_BYTES);
        return;
    }
    ed->lines[i] = xrealloc(ed->lines[i], a + b + 1);
    memcpy(ed->lines[i] + a, ed->lines[i + 1], b + 1);
    free(ed->lines[i + 1]);
    memmove(&ed->lines[i + 1], &ed->lines[i + 2], (size_t)(ed->nlines - i - 2) * sizeof(char *));
    ed->nlines--;
    ed->line = i;
    ed->byte = (int)a;
    touch(ed);
}

/* Ctrl+D: the caret's line goes (the last one left is emptied) */
static void delete_line(Editor *ed)
{
    if (ed->nlines == 1) {
        ed->lines[0][0] = '\0';
        ed->byte = 0;
        touch(ed);
        return;
    }
    free(ed->lines[ed->line]);
    memmove(&ed->lines[ed->line], &ed->lines[ed->line + 1], (size_t)(ed->nlines - ed->line - 1) * sizeof(char *));
    ed->nlines--;
    if (ed->line >= ed->nlines) ed->line = ed->nlines - 1;
    ed->byte = 0;
    touch(ed);
}

static bool space(char c)
{
    return c == ' ' || c == '\t';
}

/* the start of the word before byte b, and the end of the word after it */
static int word_before(const char *s, int b)
{
    while (b > 0 && space(s[b - 1])) b--;
    while (b > 0 && !space(s[b - 1])) b--;
    return b;
}

static int word_after(const char *s, int b)
{
    int n = (int)strlen(s);
    while (b < n && space(s[b])) b++;
    while (b < n && !space(s[b])) b++;
    return b;
}

static void go_line(Editor *ed, int line)
{
    if (line < 0) line = 0;
    if (line >= ed->nlines) line = ed->nlines - 1;
    int col = column(ed->lines[ed->line], ed->byte);
    ed->line = line;
    ed->byte = byte_of(ed->lines[line], col);
}

/* lines a page moves: those the last frame showed */
static int page(const Editor *ed)
{
    int n = 0;
    for (int i = 0; i < ed->nlines; i++) n += ed->fields[i].h > 0;
    return n > 1 ? n - 1 : 1;
}

EditorAction editor_key(Editor *ed, const SDL_Keysym *k)
{
    if (!ed->open) return EDITOR_NONE;
    bool ctrl = (k->mod & KMOD_CTRL) != 0, shift = (k->mod & KMOD_SHIFT) != 0;
    const char *l = ed->lines[ed->line];
    int len = (int)strlen(l);
    switch (k->sym) {
    case SDLK_ESCAPE: return EDITOR_CANCEL;
    case SDLK_RETURN: case SDLK_KP_ENTER:
        if (!ctrl && !shift) return EDITOR_APPLY;
        split(ed);
        break;
    case SDLK_s: if (ctrl) return EDITOR_SAVE; break;
    case SDLK_d: if (ctrl) delete_line(ed); break;
    case SDLK_v:
        if (ctrl && SDL_HasClipboardText()) {
            char *t = SDL_GetClipboardText();
            if (t) editor_paste(ed, t);
            SDL_free(t);
        }
        break;
    case SDLK_BACKSPACE:
        if (ed->byte == 0) join(ed, ed->line - 1);
        else cut(ed, ctrl ? word_before(l, ed->byte) : prev_char(l, ed->byte), ed->byte);
        break;
    case SDLK_DELETE:
        if (ed->byte == len) join(ed, ed->line);
        else cut(ed, ed->byte, ctrl ? word_after(l, ed->byte) : next_char(l, ed->byte));
        break;
    case SDLK_LEFT:
        if (ed->byte == 0 && ed->line > 0) ed->line--, ed->byte = (int)strlen(ed->lines[ed->line]);
        else ed->byte = ctrl ? word_before(l, ed->byte) : prev_char(l, ed->byte);
        break;
    case SDLK_RIGHT:
        if (ed->byte == len && ed->line + 1 < ed->nlines) ed->line++, ed->byte = 0;
        else ed->byte = ctrl ? word_after(l, ed->byte) : next_char(l, ed->byte);
        break;
    case SDLK_UP: go_line(ed, ed->line - 1); break;
    case SDLK_DOWN: go_line(ed, ed->line + 1); break;
    case SDLK_PAGEUP: go_line(ed, ed->line - page(ed)); break;
    case SDLK_PAGEDOWN: go_line(ed, ed->line + page(ed)); break;
    case SDLK_HOME:
        if (ctrl) ed->line = 0;
        ed->byte = 0;
        break;
    case SDLK_END:
        if (ctrl) ed->line = ed->nlines - 1;
        ed->byte = (int)strlen(ed->lines[ed->line]);
        break;
    default: break;
    }
    return EDITOR_NONE;
}

/* inserts text up to end, leaving out control characters (a tab is a space) */
static void insert_printable(Editor *ed, const char *s, const char *end)
{
    char buf[256];
    size_t n = 0;
    for (; s < end; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\t') c = ' ';
        if (c < 0x20 || c == 0x7F) continue;
        /* flush before the buffer fills, never inside a character */
        if (n >= sizeof buf - 4 && !continuation((char)c)) {
            insert(ed, buf, n);
            n = 0;
        }
        buf[n++] = (char)c;
    }
    insert(ed, buf, n);
}

void editor_type(Editor *ed, const char *text)
{
    if (!ed->open || !text || text[text_utf8_bad(text)]) return;
    ed->compose[0] = '\0';
    insert_printable(ed, text, text + strlen(text));
}

void editor_paste(Editor *ed, const char *text)
{
    if (!ed->open || !text || text[text_utf8_bad(text)]) return;
    ed->compose[0] = '\0';
    for (const char *s = text;;) {
        const char *nl = strchr(s, '\n');
        insert_printable(ed, s, nl ? nl : s + strlen(s));
        if (!nl) break;
        split(ed);
        s = nl + 1;
    }
}

void editor_compose(Editor *ed, const char *text)
{
    if (!ed->open || !text || text[text_utf8_bad(text)]) return;
    snprintf(ed->compose, sizeof ed->compose, "%s", text);
}

static bool in_rect(SDL_Rect r, int x, int y)
{
    return r.w > 0 && r.h > 0 && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

bool editor_click(Editor *ed, int x, int y)
{
    if (!ed->open || !in_rect(ed->panel, x, y)) return false;
    for (int i = 0; i < ed->nlines && ed->paint; i++) {
        SDL_Rect f = ed->fields[i];
        if (f.h <= 0 || y < f.y || y >= f.y + f.h) continue;
        const char *l = ed->lines[i];
        int at = x - (f.x + ed->inset) + (i == ed->line ? ed->hscroll : 0);
        int b = at <= 0 ? 0 : paint_fit(ed->paint, FONT_SANS, ed->px, l, -1, at);
        /* the nearer side of the character under the mouse */
        int nb = next_char(l, b);
        if (nb > b && at - paint_width(ed->paint, FONT_SANS, ed->px, l, b) >
                          paint_width(ed->paint, FONT_SANS, ed->px, l + b, nb - b) / 2)
            b = nb;
        ed->line = i;
        ed->byte = b;
        ed->compose[0] = '\0';
        break;
    }
    return true;
}

void editor_scroll(Editor *ed, int n)
{
    if (!ed->open) return;
    ed->top += n;
    if (ed->top > ed->nlines - 1) ed->top = ed->nlines - 1;
    if (ed->top < 0) ed->top = 0;
    /* the caret follows into view, so the next frame does not scroll back */
    if (ed->line < ed->top) go_line(ed, ed->top);
    int shown = page(ed) + 1;
    if (ed->line >= ed->top + shown) go_line(ed, ed->top + shown - 1);
}

/* ---- drawing ------------------------------------------------------------ */

SDL_Rect editor_panel(const Editor *ed) { return ed->open ? ed->panel : (SDL_Rect){ 0, 0, 0, 0 }; }
SDL_Rect editor_caret_rect(const Editor *ed) { return ed->caret_rc; }

SDL_Rect editor_line_rect(const Editor *ed, int i)
{
    return ed->open && i >= 0 && i < ed->nlines ? ed->fields[i] : (SDL_Rect){ 0, 0, 0, 0 };
}

/* the caret line's ids and its new words: "ids 1 6 3 · new word: dog = 6" */
static void preview(const Editor *ed, int s, char *buf, size_t n)
{
    const Scenario *r = ed->result;
    size_t k = (size_t)snprintf(buf, n, "ids");
    for (int i = 0; i < r->sentences.lengths[s] && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, " %d", r->sentences.ids[s][i]);
    int news = 0;
    for (int i = 0; i < r->sentences.lengths[s] && k < n; i++) {
        int id = r->sentences.ids[s][i];
        const char *w = scenario_word(r, id);
        bool again = false;
        for (int j = 0; j < i; j++) again |= r->sentences.ids[s][j] == id;
        if (!w || again || id == r->mask_id || scenario_word_id(ed->base, w) >= 0) continue;
        k += (size_t)snprintf(buf + k, n - k, "%s%s = %d", news++ ? ", " : " \u00b7 new: ", w, id);
    }
}

/* a line's words, each in its colour: [MASK] as the mask token, a word the
 * vocabulary lacks underlined; spaces advance. Stops past right. */
static void draw_words(Editor *ed, Painter *p, const Theme *th, const char *s, int x, int y, int right)
{
    int lh = paint_line(p, FONT_SANS, ed->px), t = (int)fmax(2, lround(ed->px / 12.0));
    for (int i = 0; s[i] && x < right;) {
        int j = i;
        bool sp = space(s[i]);
        while (s[j] && space(s[j]) == sp) j++;
        int w = paint_width(p, FONT_SANS, ed->px, s + i, j - i);
        if (!sp && x + w > 0) {
            char word[MS_MAX_WORD_BYTES + 1] = "";
            bool known = j - i > MS_MAX_WORD_BYTES; /* too long to be a word: the problem line says so */
            if (!known) {
                memcpy(word, s + i, (size_t)(j - i));
                word[j - i] = '\0';
                known = scenario_word_id(ed->base, word) >= 0;
            }
            bool mask = strcmp(word, SCENARIO_MASK_WORD) == 0;
            paint_text(p, FONT_SANS, ed->px, x, y, s + i, j - i, mask ? th->mask_token : th->fg);
            if (!known) paint_fill(p, (SDL_Rect){ x, y + lh - t, w, t }, th->accent);
        }
        x += w;
        i = j;
    }
}

/* the height of the sub-line under line i: its problem or, for the caret's, its ids */
static bool has_sub(const Editor *ed, int i)
{
    if (ed->problem[0]) return ed->problem_line == i;
    return i == ed->line && ed->result && ed->sentence_of[i] >= 0;
}

/* the keys: no-break spaces keep each item on one line, a line breaks after a dot */
#define NB "\u00a0"
#define DOT NB "\u00b7 "
static const char HINT[] = "Enter" NB "applies" DOT "Esc" NB "cancels" DOT "Ctrl+S" NB "applies" NB "and" NB "saves" NB
                           "the" NB "scenario" NB "as" NB "JSON" DOT "Ctrl+Enter" NB "splits" NB "or" NB "adds" NB "a" NB
                           "line" DOT "Ctrl+D" NB "deletes" NB "a" NB "line" DOT "\u2191" NB "\u2193" NB "\u2190" NB
                           "\u2192" NB "Home" NB "End" NB "move" DOT "Ctrl+V" NB "pastes";
#undef DOT
#undef NB
static const char ABOUT[] = "One sentence a line; words are split on spaces. [MASK] masks a word; a word the "
                            "vocabulary lacks (underlined) gets the next free id. A blank line is no sentence.";

void editor_draw(Editor *ed, Painter *p, const Theme *th, int w, int h, int px, int small)
{
    if (!ed->open) return;
    check(ed);
    ed->paint = p;
    ed->px = px;
    memset(ed->fields, 0, sizeof ed->fields);
    int pad = (int)lround(px * 0.8), gap = (int)fmax(2, lround(px / 3.0));
    int title_px = (int)lround(px * 1.3), lh = paint_line(p, FONT_SANS, px), sl = paint_line(p, FONT_SANS, small);
    int row_h = lh + gap, sub_h = sl + gap / 2;
    Rgba veil = th->bg;
    veil.a = 225;
    paint_fill(p, (SDL_Rect){ 0, 0, w, h }, veil);

    /* the panel's width, and what goes above and below the lines */
    int bw = w - 2 * pad;
    if (bw > 52 * px) bw = 52 * px;
    int inner = bw - 2 * pad;
    int gutter = paint_width(p, FONT_SANS_BOLD, px, "00", -1) + pad;
    int field_w = inner - gutter;
    ed->inset = gap;
    int about_h = paint_paragraphs(p, FONT_SANS, small, 0, 0, ABOUT, inner, 4, th->muted, false, NULL);
    int note_h = ed->note[0] ? paint_paragraphs(p, FONT_SANS, small, 0, 0, ed->note, inner - 2 * gap, 3, th->fg, false, NULL) + 2 * gap : 0;
    int head_h = paint_line(p, FONT_SANS_BOLD, title_px) + gap + about_h + (note_h ? gap + note_h : 0) + pad;
    char batch_problem[sizeof ed->problem + 8] = "";
    if (ed->problem[0] && ed->problem_line < 0) snprintf(batch_problem, sizeof batch_problem, "\u26a0 %s", ed->problem);
    const char *said[] = { batch_problem, ed->message };
    int said_h[2], foot_h = pad / 2;
    for (int k = 0; k < 2; k++) {
        said_h[k] = said[k][0] ? paint_paragraphs(p, FONT_SANS_BOLD, small, 0, 0, said[k], inner, 3, th->fg, false, NULL) + gap : 0;
        foot_h += said_h[k];
    }
    int hint_h = paint_paragraphs(p, FONT_SANS, small, 0, 0, HINT, inner, 3, th->muted, false, NULL);
    foot_h += hint_h;

    /* as many lines as fit, from the first shown; the caret's always among them */
    int room = h - 2 * pad - 2 * pad - head_h - foot_h;
    if (room < row_h + sub_h) room = row_h + sub_h;
    if (ed->top > ed->line) ed->top = ed->line;
    if (ed->top >= ed->nlines) ed->top = ed->nlines - 1;
    for (;;) {
        int used = 0;
        for (int i = ed->top; i <= ed->line; i++) used += row_h + (has_sub(ed, i) ? sub_h : 0);
        if (used <= room || ed->top == ed->line) break;
        ed->top++;
    }
    int rows_h = 0, last = ed->top;
    for (int i = ed->top; i < ed->nlines; i++) {
        int rh = row_h + (has_sub(ed, i) ? sub_h : 0);
        if (rows_h + rh > room && i > ed->top) break;
        rows_h += rh;
        last = i;
    }
    /* no empty room under the last line while lines above are scrolled away */
    while (ed->top > 0 && last == ed->nlines - 1) {
        int rh = row_h + (has_sub(ed, ed->top - 1) ? sub_h : 0);
        if (rows_h + rh > room) break;
        rows_h += rh;
        ed->top--;
    }

    int bh = 2 * pad + head_h + rows_h + foot_h;
    SDL_Rect box = { (w - bw) / 2, (h - bh) / 2, bw, bh };
    if (box.y < 0) box.y = 0;
    ed->panel = box;
    Rgba bg = theme_mix(th->fg, th->bg, 0.03);
    paint_fill(p, box, bg);
    paint_outline(p, box, (int)fmax(2, lround(px / 8.0)), th->accent);
    int x = box.x + pad, y = box.y + pad;

    /* the title, the count, what the lines are, the view's note */
    paint_text(p, FONT_SANS_BOLD, title_px, x, y, "Your sentences", -1, th->fg);
    char count[48];
    int n = 0;
    for (int i = 0; i < ed->nlines; i++) n += ed->sentence_of[i] >= 0;
    snprintf(count, sizeof count, "%d sentence%s", n, n == 1 ? "" : "s");
    int cw = paint_width(p, FONT_SANS, small, count, -1);
    paint_text(p, FONT_SANS, small, box.x + box.w - pad - cw, y + paint_line(p, FONT_SANS_BOLD, title_px) - sl, count, -1,
               th->muted);
    y += paint_line(p, FONT_SANS_BOLD, title_px) + gap;
    y += paint_paragraphs(p, FONT_SANS, small, x, y, ABOUT, inner, 4, th->muted, true, NULL);
    if (note_h) {
        y += gap;
        paint_fill(p, (SDL_Rect){ x, y, inner, note_h }, th->note_bg);
        paint_paragraphs(p, FONT_SANS, small, x + gap, y + gap, ed->note, inner - 2 * gap, 3, th->note_fg, true, NULL);
        y += note_h;
    }
    y += pad;

    /* the lines */
    SDL_Renderer *r = paint_renderer(p);
    ed->caret_rc = (SDL_Rect){ 0, 0, 0, 0 };
    for (int i = ed->top; i <= last; i++) {
        const char *l = ed->lines[i];
        bool cur = i == ed->line;
        SDL_Rect field = { x + gutter, y, field_w, lh + gap / 2 };
        ed->fields[i] = field;
        if (ed->sentence_of[i] >= 0) {
            char num[16];
            snprintf(num, sizeof num, "%d", ed->sentence_of[i]);
            int nw = paint_width(p, FONT_SANS_BOLD, px, num, -1);
            paint_text(p, FONT_SANS_BOLD, px, x + gutter - pad / 2 - nw, y + gap / 4, num, -1,
                       cur ? th->accent : th->muted);
        }
        paint_fill(p, field, theme_mix(th->fg, th->bg, cur ? 0.10 : 0.05));
        if (cur) paint_outline(p, field, (int)fmax(1, lround(px / 14.0)), th->accent);
        if (i == ed->problem_line && ed->problem[0])
            paint_fill(p, (SDL_Rect){ field.x, field.y + field.h - 2, field.w, 2 }, th->highlight);
        /* the caret's line scrolls sideways to keep the caret in the field; the others start at their start */
        int text_w = field.w - 2 * ed->inset;
        int caret_x = paint_width(p, FONT_SANS, px, l, cur ? ed->byte : 0);
        int comp_w = cur ? paint_width(p, FONT_SANS, px, ed->compose, -1) : 0;
        int shift = 0;
        if (cur) {
            if (caret_x + comp_w - ed->hscroll > text_w - px) ed->hscroll = caret_x + comp_w - text_w + px;
            if (caret_x - ed->hscroll < px) ed->hscroll = caret_x - text_w / 3;
            if (ed->hscroll < 0 || paint_width(p, FONT_SANS, px, l, -1) + comp_w <= text_w) ed->hscroll = 0;
            shift = ed->hscroll;
        }
        SDL_Rect clip = { field.x + ed->inset / 2, field.y, field.w - ed->inset, field.h }, was;
        bool clipped = SDL_RenderIsClipEnabled(r);
        SDL_RenderGetClipRect(r, &was);
        SDL_RenderSetClipRect(r, &clip);
        int tx = field.x + ed->inset - shift, ty = field.y + gap / 4;
        if (cur && ed->compose[0]) {
            /* the composition sits at the caret, underlined, between the line's two halves */
            draw_words(ed, p, th, l, tx, ty, field.x + field.w);
            paint_fill(p, (SDL_Rect){ tx + caret_x, ty, comp_w, lh }, theme_mix(th->fg, th->bg, 0.10));
            paint_text(p, FONT_SANS, px, tx + caret_x, ty, ed->compose, -1, th->accent);
            paint_fill(p, (SDL_Rect){ tx + caret_x, ty + lh - 2, comp_w, 2 }, th->accent);
            draw_words(ed, p, th, l + ed->byte, tx + caret_x + comp_w, ty, field.x + field.w);
        } else {
            draw_words(ed, p, th, l, tx, ty, field.x + field.w);
        }
        SDL_RenderSetClipRect(r, clipped ? &was : NULL);
        if (!cur && paint_width(p, FONT_SANS, px, l, -1) > text_w) {
            /* more than the field shows: an ellipsis at its end says so */
            int ew = paint_width(p, FONT_SANS, px, "\u2026", -1) + ed->inset;
            paint_fill(p, (SDL_Rect){ field.x + field.w - ew - ed->inset / 2, field.y, ew, field.h },
                       theme_mix(th->fg, th->bg, 0.05));
            paint_text(p, FONT_SANS, px, field.x + field.w - ew, ty, "\u2026", -1, th->muted);
        }
        if (cur) {
            ed->caret_rc = (SDL_Rect){ tx + caret_x + comp_w, ty, (int)fmax(2, lround(px / 10.0)), lh };
            paint_fill(p, ed->caret_rc, th->fg);
        }
        y += row_h;
        if (has_sub(ed, i)) {
            char sub[600];
            if (ed->problem[0]) snprintf(sub, sizeof sub, "\u26a0 %s", ed->problem);
            else preview(ed, ed->sentence_of[i], sub, sizeof sub);
            paint_text_fit(p, ed->problem[0] ? FONT_SANS_BOLD : FONT_SANS, small, field.x + ed->inset, y - gap / 2, sub,
                           field.w - ed->inset, ed->problem[0] ? th->highlight : th->muted);
            y += sub_h;
        }
    }

    /* the batch's problem, the editor's message, the keys */
    y += pad / 2;
    for (int k = 0; k < 2; k++) {
        if (!said_h[k]) continue;
        paint_paragraphs(p, FONT_SANS_BOLD, small, x, y, said[k], inner, 3, k == 0 ? th->highlight : th->fg, true, NULL);
        y += said_h[k];
    }
    paint_paragraphs(p, FONT_SANS, small, x, y, HINT, inner, 3, th->muted, true, NULL);
}
