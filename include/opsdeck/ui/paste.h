/* Bracketed paste: the terminal wraps pasted text in ESC[200~ ... ESC[201~
 * once asked to (ESC[?2004h), so a paste can be told from typing.
 *
 * A paste never answers a confirmation (dialog.h) and never runs a key of
 * the console: its printable characters go only into a line being edited
 * (the `/` filter, the `:` line, a passphrase); Enter, Esc and other
 * controls inside a paste are dropped, so a pasted line is never run. */
#ifndef OPSDECK_UI_PASTE_H
#define OPSDECK_UI_PASTE_H

#include <stdbool.h>

#include "opsdeck/ui/ui.h"

/* Asks the terminal for bracketed paste and teaches curses its two
 * markers; call after curses is set up, and again after a resume. */
void paste_mode_on(void);
/* Gives the terminal back its plain paste (on exit and on suspend). */
void paste_mode_off(void);
/* Takes a key before anything else sees it. Returns true when the key was
 * a paste marker or a pasted key with nowhere to go (it is then dropped). */
bool paste_filter(ui_t *ui, int key, bool is_code);

#endif
