#pragma once
/* The gallery of classic masking bugs as a storyboard: the mode row
 * "bugs" points at it, so the window, export, decks and lessons show one
 * step per bug (bugs.h) with the buggy and the right line side by side. */
#include "steps.h"

extern const StepsStory gallery_story;
