/* Dialogs: questions that take every key until answered. Several can wait
 * (two hosts can each show an unknown key); the oldest is shown first.
 *
 * - host key: shows the host, key type and SHA256 fingerprint; accepts
 *   only `yes` typed then Enter; any other answer, or Esc, refuses.
 * - passphrase: reads without echo; Enter gives it, Esc gives up.
 * - confirm: what will run and where, the environment's name in its
 *   colour; answered per the environment's policy (actions/confirm.h):
 *   `y`, or the name typed then Enter. In a READONLY build there is no
 *   policy code and every answer refuses.
 *
 * A guarded dialog (confirm, host key) takes only keys pressed after it is
 * on screen: type-ahead is discarded when it opens and when it is first
 * drawn, keys within DIALOG_GUARD_MS of that draw are ignored (its prompt
 * appears only then), and a bracketed paste never answers it. The guard is
 * the dialog kind's property, so every caller (actions, runbook plans) gets
 * it. */
#ifndef OPSDECK_UI_DIALOG_H
#define OPSDECK_UI_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/config.h"
#include "opsdeck/ui/lineedit.h"
#include "opsdeck/ui/ui.h"

/* accepted; how: "y", "typed:production" (for the audit log) */
typedef void (*dialog_confirm_fn)(ui_t *ui, bool accepted, const char *how, void *arg);

/* jump: the jump host whose key it is, NULL for the host's own */
void dialog_hostkey_open(ui_t *ui, size_t host, const char *jump, const char *keytype,
                         const char *fingerprint);
void dialog_passphrase_open(ui_t *ui, size_t host, const char *identity);
/* lines: what will run, where, what it touches (may hold remote text; it
 * is sanitized here). */
void dialog_confirm_open(ui_t *ui, const char *title, const char *const *lines, size_t nlines,
                         const char *env, confirm_mode mode, dialog_confirm_fn done, void *arg);

#define DIALOG_GUARD_MS 500

bool dialog_active(const ui_t *ui);
/* Whether the shown dialog takes the key now: false while a guarded one is
 * in its first DIALOG_GUARD_MS, and for pasted keys (ui->pasting). */
bool dialog_takes_keys(const ui_t *ui);
/* Whether a guarded dialog has passed its guard: its prompt may be drawn. */
bool dialog_ready(const dialog *d);
void dialog_draw(ui_t *ui, ui_rect screen);
void dialog_key(ui_t *ui, int key, bool is_code);
/* Refuses every waiting question (quitting). */
void dialog_refuse_all(ui_t *ui);

/* ---- for the dialog kinds (dialog_*.c) ---- */
typedef struct dialog_ops {
    void (*draw)(ui_t *ui, dialog *d, ui_rect inside);
    /* key: a LINE_KEY_* value or a character (ui_line_key). Returns true
     * when the dialog is answered (it is then closed and freed). */
    bool (*key)(ui_t *ui, dialog *d, int key);
    void (*refuse)(ui_t *ui, dialog *d);
    int height;   /* lines inside the frame */
    bool guarded; /* a confirmation: see DIALOG_GUARD_MS above */
} dialog_ops;

#define DIALOG_TEXT_LINES 14

struct dialog {
    const dialog_ops *ops;
    char title[96];
    size_t host;
    line_edit answer;
    char text[DIALOG_TEXT_LINES][256]; /* lines to show, already safe */
    size_t ntext;
    char env[64];
    confirm_mode mode;
    int height;   /* lines inside the frame; 0: the kind's */
    void *policy; /* the confirm policy's state; NULL in a READONLY build */
    dialog_confirm_fn done;
    void *arg;
    int64_t shown_ms;     /* monotonic time of its first draw; 0 not yet */
    uint64_t guard_timer; /* redraws when the guard ends; 0 none */
    dialog *next;
};

dialog *dialog_push(ui_t *ui, const dialog_ops *ops, const char *title);

extern const dialog_ops dialog_hostkey_ops;
extern const dialog_ops dialog_passphrase_ops;
extern const dialog_ops dialog_confirm_ops;

#endif
