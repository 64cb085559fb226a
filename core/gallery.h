#pragma once
/* The gallery of classic masking bugs as a storyboard: the mode row
 * "bugs" points at it, so the window, export, decks and lessons show one
 * step per bug (bugs.h) with the buggy and the right line side by side. */
#include "lesson.h"
#include "steps.h"

extern const StepsStory gallery_story;

/* The gallery as a lesson, one step per bug with its lines and symptom in
 * the caption, on scenario sc and sentence (-1: the whole batch), for a
 * slide deck (export --bugs). Caller frees with lesson_free. */
Lesson *gallery_lesson(const Scenario *sc, int sentence);
