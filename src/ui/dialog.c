/* The dialog queue and its frame. See include/opsdeck/ui/dialog.h. */
#include "opsdeck/ui/dialog.h"

#include <stdlib.h>
#include <string.h>

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
    ui_mark_dirty(ui);
    return d;
}

static void pop(ui_t *ui)
{
    dialog *d = ui->dialogs;
    ui->dialogs = d->next;
    line_wipe(&d->answer);
    free(d->policy);
    free(d);
}

bool dialog_active(const ui_t *ui)
{
    return ui->dialogs != NULL;
}

void dialog_draw(ui_t *ui, ui_rect screen)
{
    dialog *d = ui->dialogs;
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
