/* An unknown host key: the engineer compares the fingerprint with the one
 * they know, and only `yes` typed in full then Enter trusts it. A stray
 * Enter or `y` must never add a key to known_hosts. */
#include <stdio.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/dialog.h"

static void draw(ui_t *ui, dialog *d, ui_rect in)
{
    attr_t a = ui->attr[THEME_DIALOG];
    int y = in.y;
    for (size_t i = 0; i < d->ntext && y < in.y + in.h; i++)
        ui_put(y++, in.x, in.w, i == 0 ? a | A_BOLD : a, d->text[i]);
    y++;
    if (!dialog_ready(d)) {
        ui_put(y, in.x, in.w, ui->attr[THEME_DIM] | a, "Compare the fingerprint first...");
        return;
    }
    int x = in.x + ui_put(y, in.x, in.w, a, "Trust it and add it to known_hosts? Type yes: ");
    x += ui_put_remote(y, x, in.x + in.w - x - 1, a | A_BOLD, d->answer.text);
    ui_put(y, x, 1, A_REVERSE, " ");
    ui_put(y + 1, in.x, in.w, ui->attr[THEME_DIM] | a,
           "Anything but yes then Enter refuses; Esc refuses.");
}

static void answer(ui_t *ui, dialog *d, bool accept)
{
    const char *name = app_host_config(ui->app, d->host)->name;
    app_hostkey_answer(ui->app, d->host, accept);
    if (accept)
        ui_say(ui, false, "%s: host key accepted", name);
    else
        ui_say(ui, true, "%s: host key refused; not connecting", name);
}

static bool key(ui_t *ui, dialog *d, int k)
{
    line_result r = line_key(&d->answer, k);
    if (r == LINE_EDITING)
        return false;
    answer(ui, d, r == LINE_DONE && strcmp(d->answer.text, "yes") == 0);
    return true;
}

static void refuse(ui_t *ui, dialog *d)
{
    answer(ui, d, false);
}

const dialog_ops dialog_hostkey_ops = {
    .draw = draw, .key = key, .refuse = refuse, .height = 8, .guarded = true};

void dialog_hostkey_open(ui_t *ui, size_t host, const char *jump, const char *keytype,
                         const char *fingerprint)
{
    dialog *d = dialog_push(ui, &dialog_hostkey_ops, "Unknown host key");
    if (!d) {
        app_hostkey_answer(ui->app, host, false);
        return;
    }
    const host_config *hc = app_host_config(ui->app, host);
    char line[256], clean[256];
    d->host = host;
    if (jump) /* the key is the jump host's, not the host's own */
        snprintf(line, sizeof(line), "%s's jump host %s is not in %s", hc->name, jump,
                 hc->known_hosts ? hc->known_hosts : "known_hosts");
    else
        snprintf(line, sizeof(line), "%s (%s:%d) is not in %s", hc->name,
                 hc->ssh_host ? hc->ssh_host : "?", hc->ssh_port,
                 hc->known_hosts ? hc->known_hosts : "known_hosts");
    sanitize_text(line, strlen(line), d->text[0], sizeof(d->text[0]), SANITIZE_ONE_LINE);
    sanitize_text(keytype, strlen(keytype), clean, sizeof(clean), SANITIZE_ONE_LINE);
    snprintf(d->text[1], sizeof(d->text[1]), "key type:    %.200s", clean);
    sanitize_text(fingerprint, strlen(fingerprint), clean, sizeof(clean), SANITIZE_ONE_LINE);
    snprintf(d->text[2], sizeof(d->text[2]), "fingerprint: %.200s", clean);
    d->ntext = 3;
}
