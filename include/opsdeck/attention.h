/* "Needs attention": everything on an environment's hosts that is past a
 * threshold or broken, as one ranked list, each with when it began and the
 * remedy at hand. A pure function over the model (thresholds from
 * signals/levels.h, ages from the samples and the model's first-seen
 * table), shared by the overview panel and the --once snapshot.
 *
 * Ranking: critical before warning before silenced, then the oldest first
 * (what has been wrong longest leads), then by kind in the order of the
 * attention_kind enum, then host and key, so the order is stable. */
#ifndef OPSDECK_ATTENTION_H
#define OPSDECK_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/model.h"

#define ATTENTION_MAX 128

typedef enum {
    ATT_CRITICAL,
    ATT_WARNING,
    ATT_SILENCED, /* a silenced (suppressed) alert: shown last, for the record */
} attention_severity;

typedef enum {
    ATT_HOST,       /* the host is down */
    ATT_ALERT,      /* a firing alert */
    ATT_HEALTH,     /* the health check fails */
    ATT_CONTAINER,  /* unhealthy, restarting, or exited where it should run */
    ATT_SIGNAL,     /* a golden signal past warn or crit */
    ATT_BLOCKED,    /* a query waiting on another backend's lock */
    ATT_SLOW_QUERY, /* active longer than slow_query */
    ATT_IDLE_TXN,   /* idle in a transaction longer than idle_txn */
    ATT_REDIS,      /* near maxmemory, or evicting */
    ATT_SOURCE,     /* a source that does not answer */
} attention_kind;

typedef struct attention_item {
    attention_severity severity;
    attention_kind kind;
    size_t host;    /* index into the model's hosts */
    char key[160];  /* stable identity across samples ("container api unhealthy") */
    char what[256]; /* for a person; may hold remote text: sanitize at display */
    /* what it is about, for the jump to its panel row and runbook for: */
    char subject[128]; /* alert, container or signal name ("error_ratio"), source */
    char state[48];    /* container: unhealthy, restarting, exited; alert: its starts_at */
    int pid;           /* postgres items */
    double value;      /* signal: its value; health: the status */
    double since;      /* wall clock: when it began (or was first seen) */
    char remedy[72];   /* "r restart", "K kill-idle", "A: api-down"; "" none */
} attention_item;

typedef struct attention_list {
    attention_item items[ATTENTION_MAX];
    size_t count;
    size_t dropped; /* items past ATTENTION_MAX (the least urgent) */
} attention_list;

/* The items of one host, unranked, appended to out. */
void attention_host(const fleet_model *m, size_t host, double now, attention_list *out);
/* The ranked list across the hosts of env (NULL: every host). */
void attention_collect(const fleet_model *m, const char *env, double now, attention_list *out);
/* The ranking's comparison (qsort order). */
int attention_compare(const attention_item *a, const attention_item *b);
void attention_sort(attention_list *l);

const char *attention_severity_name(attention_severity s); /* critical, warning, silenced */
const char *attention_kind_name(attention_kind k);         /* alert, container, ... */

/* Names, as each item's remedy, the runbook whose `for:` holds for it and
 * that may run in its environment ("A: api-down", or ":run NAME" without a
 * key); set NULL: nothing (attention_runbooks.c). */
struct runbook_set;
void attention_suggest_runbooks(const fleet_model *m, const struct runbook_set *set,
                                attention_list *l);

/* The first-seen time of key on h, or now when it was not seen before. */
double attention_first_seen(const host_model *h, const char *key, double now);
/* Refreshes h's first-seen table from its current items: new keys get now,
 * keys that no longer hold are forgotten. Called by model_observe(). */
void attention_track(fleet_model *m, size_t host, double now);

#endif
