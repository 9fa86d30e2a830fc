/* The runbook for an attention item: a runbook whose `for:` holds for it
 * (alert NAME, health != STATUS, container NAME STATE, signal NAME OP
 * VALUE) and that may run in the item's environment. Pure: the loaded set
 * and the list in, the remedy out ("A: api-down", ":run api-down"). A
 * runbook that matches is named before the built-in key: it is the
 * procedure the team wrote for exactly this. */
#include <stdio.h>
#include <string.h>

#include "opsdeck/attention.h"
#include "opsdeck/runbook/runbook.h"

static bool for_holds(const runbook_for *f, const attention_item *it)
{
    switch (f->kind) {
    case RB_FOR_ALERT:
        return it->kind == ATT_ALERT && it->severity != ATT_SILENCED &&
               strcmp(f->name, it->subject) == 0;
    case RB_FOR_HEALTH:
        return it->kind == ATT_HEALTH && (int)it->value != f->status;
    case RB_FOR_CONTAINER:
        return it->kind == ATT_CONTAINER && strcmp(f->name, it->subject) == 0 &&
               (!f->state || strcmp(f->state, it->state) == 0);
    case RB_FOR_SIGNAL:
        return it->kind == ATT_SIGNAL && strcmp(f->name, it->subject) == 0 &&
               runbook_op_holds(f->op, it->value, f->value);
    }
    return false;
}

static const runbook *runbook_for_item(const runbook_set *set, const attention_item *it,
                                       const char *env)
{
    for (size_t r = 0; r < set->count; r++) {
        const runbook *rb = &set->items[r];
        if (!runbook_allowed_in(rb, env))
            continue;
        for (size_t f = 0; f < rb->nfors; f++)
            if (for_holds(&rb->fors[f], it))
                return rb;
    }
    return NULL;
}

void attention_suggest_runbooks(const fleet_model *m, const runbook_set *set, attention_list *l)
{
    for (size_t i = 0; set && i < l->count; i++) {
        attention_item *it = &l->items[i];
        const runbook *rb = runbook_for_item(set, it, m->hosts[it->host].config->env);
        if (!rb)
            continue;
        if (rb->key)
            snprintf(it->remedy, sizeof(it->remedy), "%c: %s", rb->key, rb->name);
        else
            snprintf(it->remedy, sizeof(it->remedy), ":run %s", rb->name);
    }
}
