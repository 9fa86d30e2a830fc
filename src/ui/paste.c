/* Bracketed paste (see include/opsdeck/ui/paste.h). */
#include "opsdeck/ui/paste.h"

#include <unistd.h>

#include "opsdeck/ui/dialog.h"

/* key codes of our own for the markers, past every curses key */
#define KEY_PASTE_BEGIN (KEY_MAX + 1)
#define KEY_PASTE_END   (KEY_MAX + 2)

static void put(const char *seq, size_t len)
{
    /* curses has flushed its frame by now (refresh or endwin); the mode
     * switch is one short write to the terminal */
    if (write(STDOUT_FILENO, seq, len) < 0) {
        /* the terminal is gone: nothing to switch */
    }
}

void paste_mode_on(void)
{
    define_key("\033[200~", KEY_PASTE_BEGIN);
    define_key("\033[201~", KEY_PASTE_END);
    put("\033[?2004h", 8);
}

void paste_mode_off(void)
{
    put("\033[?2004l", 8);
}

/* Where a pasted key may go: a line being edited, never a question that
 * guards its answer (dialog_takes_keys says no while pasting) nor the
 * console's own keys. */
static bool line_takes_paste(const ui_t *ui, int key, bool is_code)
{
    if (is_code || key < 0x20 || key == 0x7f)
        return false; /* Enter, Esc, Tab, arrows: a pasted line is never run */
    if (dialog_active(ui))
        return dialog_takes_keys(ui);
    return ui->mode != UI_NORMAL;
}

bool paste_filter(ui_t *ui, int key, bool is_code)
{
    if (is_code && (key == KEY_PASTE_BEGIN || key == KEY_PASTE_END)) {
        ui->pasting = key == KEY_PASTE_BEGIN;
        return true;
    }
    return ui->pasting && !line_takes_paste(ui, key, is_code);
}
