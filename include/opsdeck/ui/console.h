/* The console: the interactive ncurses front end of an app.
 *
 * console_run() owns the terminal from start to end: it sets up ncurses,
 * watches the terminal and SIGWINCH on the app's loop, draws the model, and
 * restores the terminal on every way out (quit, error, SIGINT/SIGTERM). */
#ifndef OPSDECK_UI_CONSOLE_H
#define OPSDECK_UI_CONSOLE_H

#include <stdbool.h>

#include "opsdeck/app.h"

typedef struct console_options {
    const char *theme;     /* a theme name or a path; NULL: "default" */
    bool read_only;        /* -r or read_only = yes: shows READ-ONLY */
    const char *start_env; /* -e: the environment shown first; NULL: the first */
} console_options;

/* Runs until the user quits. Returns the exit status: 0, 1 when the
 * terminal cannot be used, 78 when the theme cannot be read. */
int console_run(app_t *app, const console_options *opts);

#endif
