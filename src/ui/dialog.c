/* The dialog queue and its frame. See include/opsdeck/ui/dialog.h. */
#include "opsdeck/ui/dialog.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drops what was typed before the question could be read: the keys curses
 * holds and those still queued at the terminal. (ERR without a screen, as
 * in the unit tests: nothing to drop there.) */
static void discard_type_ahead(void)
{
    flushinp();
}

dialog *dialog_push(ui_t *ui, const dialog_ops *ops, const char *title)
{
    dialog *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->ops = ops;
    snprintf(d->title, sizeof(d->title), "%s", title);
    line_clear(&d->answer);
    dialog **tail = &ui->dialogs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = d;
    if (ops->guarded)
        discard_type_ahead();
    ui_mark_dirty(ui);
    return d;
}

static void pop(ui_t *ui)
{
    dialog *d = ui->dialogs;
    ui->dialogs = d->next;
    if (d->guard_timer)
        loop_timer_cancel(ui->app->loop, d->guard_timer);
    line_wipe(&d->answer);
    free(d->policy);
    free(d);
}

bool dialog_active(const ui_t *ui)
{
    return ui->dialogs != NULL;
}

bool dialog_ready(const dialog *d)
{
    if (!d->ops->guarded)
        return true;
    return d->shown_ms && monotonic_ms() - d->shown_ms >= DIALOG_GUARD_MS;
}

bool dialog_takes_keys(const ui_t *ui)
{
    const dialog *d = ui->dialogs;
    return d && !(d->ops->guarded && (ui->pasting || !dialog_ready(d)));
}

static void on_guard_over(loop_t *loop, void *arg)
{
    (void)loop;
    ui_t *ui = arg;
    if (ui->dialogs)
        ui->dialogs->guard_timer = 0; /* the timer belongs to the shown one */
    ui_mark_dirty(ui);                /* the prompt appears */
}

/* The first time a dialog is on screen: from now on keys may answer it
 * (after the guard); anything typed before is dropped once more, since a
 * queued dialog may only now come to the front. */
static void first_shown(ui_t *ui, dialog *d)
{
    d->shown_ms = monotonic_ms();
    if (!d->ops->guarded)
        return;
    discard_type_ahead();
    d->guard_timer = loop_timer_add(ui->app->loop, DIALOG_GUARD_MS + 10, on_guard_over, ui);
}

void dialog_draw(ui_t *ui, ui_rect screen)
{
    dialog *d = ui->dialogs;
    if (!d->shown_ms)
        first_shown(ui, d);
    int widest = d->ops == &dialog_confirm_ops ? 110 : 76; /* commands can be long */
    int w = screen.w - 4 < widest ? screen.w - 4 : widest;
    int h = (d->height ? d->height : d->ops->height) + 2;
    if (h > screen.h - 2)
        h = screen.h - 2;
    ui_rect r = {screen.y + (screen.h - h) / 2, screen.x + (screen.w - w) / 2, h, w};
    ui_rect inside = ui_box(r, ui->attr[THEME_DIALOG], d->title);
    d->ops->draw(ui, d, inside);
}

void dialog_key(ui_t *ui, int key, bool is_code)
{
    int k = ui_line_key(key, is_code);
    if (k == 0)
        return;
    dialog *d = ui->dialogs;
    if (!dialog_takes_keys(ui))
        return; /* typed before it could be read, or pasted */
    if (d->ops->key(ui, d, k))
        pop(ui);
}

void dialog_refuse_all(ui_t *ui)
{
    while (ui->dialogs) {
        ui->dialogs->ops->refuse(ui, ui->dialogs);
        pop(ui);
    }
}
