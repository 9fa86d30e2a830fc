/* Themes: which colours and attributes each role of the screen gets.
 *
 * A theme file is key = value lines:
 *
 *     # comment
 *     header     = white on blue bold
 *     production = white on red bold
 *     selected   = reverse
 *
 * A value is an optional foreground colour, an optional `on BACKGROUND`,
 * and attributes (bold, dim, reverse, underline, standout, normal). Colours
 * are the eight curses names, `bright-NAME`, `default`, or a number 0..255.
 * Parsing is pure (no curses); applying a theme is in style.c. */
#ifndef OPSDECK_UI_THEME_H
#define OPSDECK_UI_THEME_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    THEME_NORMAL,
    THEME_HEADER,     /* the top line */
    THEME_TAB,        /* an environment tab */
    THEME_TAB_ACTIVE, /* the selected environment tab */
    THEME_PRODUCTION, /* a production environment, wherever its name is shown */
    THEME_READONLY,   /* the READ-ONLY mark */
    THEME_TITLE,      /* table headings, panel titles */
    THEME_SELECTED,   /* the selected row */
    THEME_OK,
    THEME_WARN,
    THEME_CRIT,
    THEME_STALE, /* data not from the last attempt */
    THEME_DIM,   /* secondary text */
    THEME_STATUS,
    THEME_ERROR, /* the status line when something went wrong */
    THEME_DIALOG,
    THEME_COUNT
} theme_role;

enum {
    THEME_ATTR_BOLD = 1,
    THEME_ATTR_DIM = 2,
    THEME_ATTR_REVERSE = 4,
    THEME_ATTR_UNDERLINE = 8,
    THEME_ATTR_STANDOUT = 16
};

#define THEME_COLOR_DEFAULT (-1)

typedef struct theme_style {
    int fg, bg; /* 0..255 or THEME_COLOR_DEFAULT */
    unsigned attrs;
} theme_style;

typedef struct theme {
    theme_style roles[THEME_COUNT];
} theme;

/* The key of a role in theme files ("production"), and back (-1 unknown). */
const char *theme_role_name(theme_role role);
int theme_role_from_name(const char *name);

/* The built-in themes: "default" colours, and "mono" (attributes only,
 * used under NO_COLOR and on terminals without colour). */
void theme_builtin_default(theme *t);
void theme_builtin_mono(theme *t);

/* Parses one value ("white on red bold"). Returns 0, or -1 with err set. */
int theme_parse_style(const char *value, theme_style *out, char *err, size_t errsize);

/* Applies the lines of text (len bytes) over t: keys not given keep their
 * value. Returns 0, or -1 with err = "FILE:LINE: message" for the first
 * problem. */
int theme_parse(theme *t, const char *text, size_t len, const char *file, char *err,
                size_t errsize);

/* Drops the colours and makes sure production, selected, crit and the
 * active tab still stand out by attributes alone (NO_COLOR). */
void theme_to_mono(theme *t);

/* Finds theme NAME: a path when it contains '/', else NAME.theme in
 * ./themes, ~/.config/opsdeck/themes, then OPSDECK_THEMEDIR. Returns 0 and
 * the path in buf, or -1. */
int theme_find(const char *name, char *buf, size_t bufsize);

/* Finds and parses NAME over the built-in default. "default" and "mono"
 * need no file. Returns 0, or -1 with err set (file:line for parse errors). */
int theme_load(const char *name, theme *t, char *err, size_t errsize);

#endif
