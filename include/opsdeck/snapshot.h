/* `opsdeck --once`: poll every source, wait one interval, poll again (rates
 * need two samples), print the fleet as text or JSON (schema version 1:
 * man/opsdeck.1, JSON SNAPSHOT), and say through the exit status how it
 * went. */
#ifndef OPSDECK_SNAPSHOT_H
#define OPSDECK_SNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>

#include "opsdeck/app.h"
#include "opsdeck/config.h"
#include "opsdeck/snapshot_fields.h"

enum {
    SNAPSHOT_OK = 0,       /* every source answered */
    SNAPSHOT_FAILED = 1,   /* some source failed */
    SNAPSHOT_CRITICAL = 2, /* a host down, a critical alert, a signal past critical */
};

/* Returns the exit status: 0, 1 or 2 as above, 64 when -e/-H select
 * nothing, 78 when the app cannot start (message on stderr). */
int snapshot_run(const opsdeck_config *cfg, const app_options *opts, bool json, FILE *out);

/* The pieces, for tests: the status the model deserves, and its rendering. */
int snapshot_status(const fleet_model *m, double now);
/* taken_at: wall clock seconds. Returns 0, -1 on an output error. */
int snapshot_write_json(const fleet_model *m, int interval_s, double taken_at, FILE *out);
int snapshot_write_text(const fleet_model *m, int interval_s, double taken_at, FILE *out);

/* "attention": the ranked list across every host of the snapshot,
 * [{severity, host, kind, what, since, for_s, remedy}]; "changes": the
 * ring, newest first, [{at, host, kind, what, who, result}]
 * (snapshot_attention.c). */
struct json_t *snapshot_attention_json(const fleet_model *m, double now);
struct json_t *snapshot_changes_json(const fleet_model *m);
/* The text snapshot's lead: "Needs attention", then "What changed". */
void snapshot_attention_text(const fleet_model *m, double now, FILE *out);

#endif
