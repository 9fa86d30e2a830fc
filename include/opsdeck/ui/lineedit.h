/* A one-line editor for the `:` command line, the `/` filter and dialog
 * answers: characters append (UTF-8), Backspace removes the last character,
 * Ctrl-U clears, Ctrl-W removes the last word, Enter finishes, Esc cancels.
 * Pure: keys in, text out. */
#ifndef OPSDECK_UI_LINEEDIT_H
#define OPSDECK_UI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_EDIT_MAX 256

typedef struct line_edit {
    char text[LINE_EDIT_MAX]; /* UTF-8, NUL-terminated */
    size_t len;
} line_edit;

typedef enum { LINE_EDITING, LINE_DONE, LINE_CANCELLED } line_result;

/* Keys that are not characters. */
enum { LINE_KEY_ENTER = -1, LINE_KEY_ESCAPE = -2, LINE_KEY_BACKSPACE = -3 };

void line_clear(line_edit *e);
/* key: a Unicode code point (> 0) or a LINE_KEY_* value. Control
 * characters other than Ctrl-U/Ctrl-W/Enter/Backspace are ignored, and so
 * is a character that would not fit. */
line_result line_key(line_edit *e, int key);
/* Overwrites the text with zeros (a passphrase must not linger). */
void line_wipe(line_edit *e);

#endif
