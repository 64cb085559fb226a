#pragma once
/* The sentence editor (E in the window): the batch's sentences as lines of
 * text in a panel over the step, typed into through SDL's text input
 * (SDL_TEXTINPUT and SDL_TEXTEDITING events, which the browser build
 * gets from the page's keyboard too). Every change is checked with the
 * core's own tokeniser, as a scenario file's sentences are
 * (scenario_with_sentences): a problem shows in vermillion under its line,
 * and the line with the caret shows the ids its words get. A blank line is
 * no sentence. The editor only edits text; the view applies, cancels and
 * saves when editor_key asks it to.
 * Ownership: editor_new returns an Editor the caller frees with
 * editor_free; editor_result's scenario belongs to the editor. */
#include <stdbool.h>

#include <SDL.h>

#include "paint.h"
#include "scenario.h"
#include "theme.h"

/* Bytes one line holds: a sentence of 4096 one-letter words and then
 * some, far beyond what anyone types, small enough to draw every frame. */
#ifndef EDITOR_LINE_BYTES
#define EDITOR_LINE_BYTES 16384
#endif
/* Lines the editor holds: blank lines between sentences, and one sentence
 * more than a batch may have, so the core's limit can be met and shown. */
#ifndef EDITOR_MAX_LINES
#define EDITOR_MAX_LINES (2 * MS_MAX_SENTENCES)
#endif

/* What the view is asked to do after a key. */
typedef enum EditorAction {
    EDITOR_NONE,   /* the key moved or edited inside the editor, or did nothing */
    EDITOR_APPLY,  /* Enter: show the sentences */
    EDITOR_CANCEL, /* Esc: close, discarding the text */
    EDITOR_SAVE,   /* Ctrl+S: show the sentences and save the scenario */
} EditorAction;

typedef struct Editor Editor;

/* A closed editor. */
Editor *editor_new(void);
/* Frees; editor_free(NULL) is a no-op. */
void editor_free(Editor *ed);

/* Opens on the sentences of sc (copied: the text is checked against it);
 * note (may be NULL) is a line to show under the title. */
void editor_open(Editor *ed, const Scenario *sc, const char *note);
/* Closes, discarding the text. */
void editor_close(Editor *ed);
bool editor_is_open(const Editor *ed);

/* A key press (SDL_KEYDOWN): moves the caret, edits, or asks for an action. */
EditorAction editor_key(Editor *ed, const SDL_Keysym *k);
/* Typed text (SDL_TEXTINPUT) goes in at the caret. Text that is not UTF-8
 * is dropped whole, control characters are left out, and a line stops
 * growing at EDITOR_LINE_BYTES (a message says so). */
void editor_type(Editor *ed, const char *text);
/* Pasted text: as typed, each newline starting a new line. */
void editor_paste(Editor *ed, const char *text);
/* An input method's text being composed (SDL_TEXTEDITING), shown at the
 * caret until it is typed; "" ends it. */
void editor_compose(Editor *ed, const char *text);
/* A click at (x, y), in the last frame's pixels: the caret goes to the
 * character there. False when the point is outside the panel. */
bool editor_click(Editor *ed, int x, int y);
/* Scrolls the lines by n (negative: up), as the mouse wheel does. */
void editor_scroll(Editor *ed, int n);

/* The scenario the text makes, or NULL while the text has a problem. */
const Scenario *editor_result(Editor *ed);
/* Whether the text makes other sentences than the editor opened on. */
bool editor_changed(Editor *ed);
/* The problem with the text, or NULL; *line (may be NULL) is its line,
 * -1 for the batch as a whole. */
const char *editor_problem(Editor *ed, int *line);
/* A problem found outside the text (the view could not show or save its
 * result), shown like the text's own until the next edit. */
void editor_set_problem(Editor *ed, int line, const char *msg);

/* The lines, and the caret: line and byte offset in it. */
int editor_lines(const Editor *ed);
const char *editor_line(const Editor *ed, int i);
void editor_caret(const Editor *ed, int *line, int *byte);

/* Draws the panel over a w×h drawable with text of px pixels (small for
 * the notes), at least as large as the window's other text. */
void editor_draw(Editor *ed, Painter *p, const Theme *th, int w, int h, int px, int small);
/* Where the last frame put the panel, and the caret (for an input
 * method's candidate window), in drawable pixels. */
SDL_Rect editor_panel(const Editor *ed);
SDL_Rect editor_caret_rect(const Editor *ed);
/* Where the last frame drew line i's text field (empty when scrolled away). */
SDL_Rect editor_line_rect(const Editor *ed, int i);
