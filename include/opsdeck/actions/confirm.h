/* The confirmation an environment demands before anything changes on a host.
 *
 * confirm = yes: the answer is `y`. confirm = typed: the environment's name,
 * typed exactly, then Enter. Anything else (Esc, another key, a wrong name)
 * refuses: there is no default answer that acts. */
#ifndef OPSDECK_ACTIONS_CONFIRM_H
#define OPSDECK_ACTIONS_CONFIRM_H

#include <stddef.h>

#include "opsdeck/config.h"

typedef enum { CONFIRM_PENDING, CONFIRM_ACCEPTED, CONFIRM_REFUSED } confirm_verdict;

/* Keys the dialog receives that are not characters. */
enum { CONFIRM_KEY_ENTER = -1, CONFIRM_KEY_ESCAPE = -2, CONFIRM_KEY_BACKSPACE = -3 };

#define CONFIRM_TYPED_MAX 64

typedef struct confirm_state {
    confirm_mode mode;
    char env[CONFIRM_TYPED_MAX];
    char typed[CONFIRM_TYPED_MAX]; /* what was typed so far (typed mode) */
    size_t len;
    confirm_verdict verdict;
} confirm_state;

void confirm_begin(confirm_state *c, confirm_mode mode, const char *env);
/* key: a Unicode character (> 0) or a CONFIRM_KEY_* value. */
confirm_verdict confirm_key(confirm_state *c, int key);
/* How it was confirmed, for the audit log: "y" or "typed:NAME". */
const char *confirm_how(const confirm_state *c, char *buf, size_t size);

#endif
