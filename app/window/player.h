#pragma once
/* Lessons in the window. A player sits on top of a view: for each lesson
 * step it gives the view the step's scenario, mode, engine step,
 * sentence and highlight and a caption panel, and it owns the keys that
 * walk the lesson (→ reveals a question's answer first, then moves on)
 * and the L lesson picker. Every other key goes to the view, so the
 * student can still explore from where the lesson stands; choosing
 * another mode, or changing the sentences with the editor (E), leaves the
 * lesson (a notice says so), and L goes back to it at the same step. While
 * the editor or the question before quitting is open, every event goes
 * to the view.
 * Ownership: player_new returns a Player the caller frees with
 * player_free before closing the view. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "lesson.h"
#include "view.h"

/* Lessons the picker lists at most. */
#ifndef PLAYER_MAX_PICKS
#define PLAYER_MAX_PICKS 32
#endif

typedef struct Player Player;

/* A player driving view v (which must outlive it). */
Player *player_new(View *v);
/* Frees; the view keeps showing the last step without a caption. */
void player_free(Player *p);

/* Loads the lesson at path and shows its first step. False and one line
 * in err (file:line:column) if the lesson is invalid; *io_error (may be
 * NULL) when it could not be read. */
bool player_open(Player *p, const char *path, bool *io_error, char *err, size_t errlen);
/* Plays lesson l (the player takes it: it frees it) from its first step.
 * False and err if it cannot be shown; l is freed then too. */
bool player_play(Player *p, Lesson *l, char *err, size_t errlen);
/* Handles one event: lesson keys and the picker first, then the view.
 * False when the user asked to quit. */
bool player_handle_event(Player *p, const SDL_Event *e);

/* Leaves the lesson where it stands: the caption goes, a notice says L
 * goes back to it. Nothing happens without a lesson or when already left. */
void player_leave(Player *p);

/* The lesson playing or left (NULL if none), whether it was left, the
 * index of its step, and whether the step's answer is shown. */
const Lesson *player_lesson(const Player *p);
bool player_left(const Player *p);
int player_step(const Player *p);
bool player_answer_shown(const Player *p);
/* Whether the lesson picker is open. */
bool player_picker_open(const Player *p);
