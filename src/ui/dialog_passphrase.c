/* The passphrase of an encrypted identity file: read without echo (not
 * even a count of characters), handed to the transport, then wiped. */
#include <stdio.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/dialog.h"

static void draw(ui_t *ui, dialog *d, ui_rect in)
{
    attr_t a = ui->attr[THEME_DIALOG];
    int y = in.y;
    for (size_t i = 0; i < d->ntext; i++)
        ui_put(y++, in.x, in.w, a, d->text[i]);
    y++;
    int x = in.x + ui_put(y, in.x, in.w, a | A_BOLD, "Passphrase (not shown): ");
    ui_put(y, x, 1, A_REVERSE, " ");
    ui_put(y + 1, in.x, in.w, a, "Enter gives it; Esc gives up on this key.");
}

static bool key(ui_t *ui, dialog *d, int k)
{
    line_result r = line_key(&d->answer, k);
    if (r == LINE_EDITING)
        return false;
    app_passphrase(ui->app, d->host, r == LINE_DONE ? d->answer.text : NULL);
    line_wipe(&d->answer);
    if (r != LINE_DONE)
        ui_say(ui, true, "%s: no passphrase given", app_host_config(ui->app, d->host)->name);
    return true;
}

static void refuse(ui_t *ui, dialog *d)
{
    app_passphrase(ui->app, d->host, NULL);
}

const dialog_ops dialog_passphrase_ops = {.draw = draw, .key = key, .refuse = refuse, .height = 6};

void dialog_passphrase_open(ui_t *ui, size_t host, const char *identity)
{
    dialog *d = dialog_push(ui, &dialog_passphrase_ops, "Passphrase needed");
    if (!d) {
        app_passphrase(ui->app, host, NULL);
        return;
    }
    d->host = host;
    char line[256];
    snprintf(line, sizeof(line), "%s: the key %s is encrypted.",
             app_host_config(ui->app, host)->name, identity ? identity : "?");
    sanitize_text(line, strlen(line), d->text[0], sizeof(d->text[0]), SANITIZE_ONE_LINE);
    d->ntext = 1;
}
