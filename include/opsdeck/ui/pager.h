/* A scrolling text view over the panel: help, and the details of a row.
 * The text is copied; remote parts must already be sanitized. */
#ifndef OPSDECK_UI_PAGER_H
#define OPSDECK_UI_PAGER_H

#include <stdbool.h>

#include "opsdeck/ui/ui.h"

/* Opens (replacing any open pager) with lines split at '\n'. */
void pager_open(ui_t *ui, const char *title, const char *text);
void pager_close(ui_t *ui);
void pager_draw(ui_t *ui, ui_rect area);
/* j k arrows PgUp PgDn g G scroll; q, Esc close. Returns true when used. */
bool pager_key(ui_t *ui, int key, bool is_code);

#endif
