#pragma once
/* Stopping a long write cleanly. Headless commands route SIGINT, SIGTERM
 * and SIGHUP here instead of dying mid-file (or, as SDL would, turning
 * them into events nobody reads): the writers check cancel_signal()
 * between frames and before committing a file, remove what they staged,
 * and the command exits 128 + the signal. */
#include <stdbool.h>

/* Installs the handlers (SA_RESTART off, so a blocked write returns). */
void cancel_on_signals(void);
/* The signal that asked to stop, or 0. */
int cancel_signal(void);
