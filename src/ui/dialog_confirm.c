/* The confirmation before an action: what runs, where, and the answer the
 * environment demands. The policy itself lives in actions/confirm.c; a
 * READONLY build has no actions and so no policy: every answer refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/actions/confirm.h"
#include "opsdeck/sanitize.h"
#include "opsdeck/ui/dialog.h"

static void draw(ui_t *ui, dialog *d, ui_rect in)
{
    attr_t a = ui->attr[THEME_DIALOG];
    int y = in.y, last = in.y + in.h - 3;
    for (size_t i = 0; i < d->ntext && y < last; i++)
        ui_put(y++, in.x, in.w, a, d->text[i]);
    y = last + 1;
    int x = in.x + ui_put(y, in.x, in.w, a, "on ");
    x += ui_put_remote(y, x, in.x + in.w - x, ui_env_attr(ui, d->env, true), d->env);
    if (!dialog_ready(d)) {
        ui_put(y, x, in.x + in.w - x, ui->attr[THEME_DIM] | a, ": read it first...");
    } else if (d->mode == CONFIRM_TYPED) {
        x += ui_put(y, x, in.x + in.w - x, a, ": type its name, then Enter: ");
        x += ui_put_remote(y, x, in.x + in.w - x - 1, a | A_BOLD, d->answer.text);
        ui_put(y, x, 1, A_REVERSE, " ");
    } else {
        ui_put(y, x, in.x + in.w - x, a, ": y to go ahead, any other key cancels");
    }
}

#ifndef OPSDECK_READONLY
static bool key(ui_t *ui, dialog *d, int k)
{
    static const int map[] = {[-LINE_KEY_ENTER] = CONFIRM_KEY_ENTER,
                              [-LINE_KEY_ESCAPE] = CONFIRM_KEY_ESCAPE,
                              [-LINE_KEY_BACKSPACE] = CONFIRM_KEY_BACKSPACE};
    confirm_state *c = d->policy;
    confirm_verdict v = confirm_key(c, k < 0 ? map[-k] : k);
    if (d->mode == CONFIRM_TYPED && v == CONFIRM_PENDING)
        line_key(&d->answer, k); /* echo what the policy has */
    if (v == CONFIRM_PENDING)
        return false;
    char how[96];
    confirm_how(c, how, sizeof(how));
    d->done(ui, v == CONFIRM_ACCEPTED, how, d->arg);
    return true;
}
#else
static bool key(ui_t *ui, dialog *d, int k)
{
    (void)k;
    d->done(ui, false, "read-only build", d->arg);
    return true;
}
#endif

static void refuse(ui_t *ui, dialog *d)
{
    d->done(ui, false, "cancelled", d->arg);
}

const dialog_ops dialog_confirm_ops = {
    .draw = draw, .key = key, .refuse = refuse, .height = 11, .guarded = true};

void dialog_confirm_open(ui_t *ui, const char *title, const char *const *lines, size_t nlines,
                         const char *env, confirm_mode mode, dialog_confirm_fn done, void *arg)
{
    void *policy = NULL;
#ifndef OPSDECK_READONLY
    confirm_state *c = malloc(sizeof(*c));
    if (!c) {
        done(ui, false, "out of memory", arg);
        return;
    }
    confirm_begin(c, mode, env);
    policy = c;
#endif
    dialog *d = dialog_push(ui, &dialog_confirm_ops, title);
    if (!d) {
        free(policy);
        done(ui, false, "out of memory", arg);
        return;
    }
    d->policy = policy;
    d->done = done;
    d->arg = arg;
    d->mode = mode;
    snprintf(d->env, sizeof(d->env), "%s", env);
    for (size_t i = 0; i < nlines && d->ntext < sizeof(d->text) / sizeof(*d->text); i++)
        sanitize_text(lines[i], strlen(lines[i]), d->text[d->ntext++], sizeof(d->text[0]),
                      SANITIZE_ONE_LINE);
    /* the lines, a blank one, the answer, and room for the frame's margin */
    d->height = (int)d->ntext + 3 > dialog_confirm_ops.height ? (int)d->ntext + 3
                                                              : dialog_confirm_ops.height;
}
