/* The confirmation policy. See include/opsdeck/actions/confirm.h. */
#include "opsdeck/actions/confirm.h"

#include <stdio.h>
#include <string.h>

void confirm_begin(confirm_state *c, confirm_mode mode, const char *env)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    snprintf(c->env, sizeof(c->env), "%s", env ? env : "");
    c->verdict = CONFIRM_PENDING;
}

static confirm_verdict answer_yes_mode(int key)
{
    return key == 'y' ? CONFIRM_ACCEPTED : CONFIRM_REFUSED;
}

static confirm_verdict answer_typed_mode(confirm_state *c, int key)
{
    switch (key) {
    case CONFIRM_KEY_ENTER:
        /* an empty environment name can never be confirmed */
        return c->env[0] && strcmp(c->typed, c->env) == 0 ? CONFIRM_ACCEPTED : CONFIRM_REFUSED;
    case CONFIRM_KEY_ESCAPE:
        return CONFIRM_REFUSED;
    case CONFIRM_KEY_BACKSPACE:
        if (c->len)
            c->typed[--c->len] = '\0';
        return CONFIRM_PENDING;
    default:
        /* environment names are ASCII; anything else can only be a mismatch */
        if (key < 0x20 || key > 0x7e || c->len + 1 >= sizeof(c->typed))
            return CONFIRM_REFUSED;
        c->typed[c->len++] = (char)key;
        c->typed[c->len] = '\0';
        return CONFIRM_PENDING;
    }
}

confirm_verdict confirm_key(confirm_state *c, int key)
{
    if (c->verdict != CONFIRM_PENDING)
        return c->verdict; /* answered: later keys change nothing */
    c->verdict = c->mode == CONFIRM_YES ? answer_yes_mode(key) : answer_typed_mode(c, key);
    return c->verdict;
}

const char *confirm_how(const confirm_state *c, char *buf, size_t size)
{
    if (c->mode == CONFIRM_YES)
        snprintf(buf, size, "y");
    else
        snprintf(buf, size, "typed:%s", c->env);
    return buf;
}
