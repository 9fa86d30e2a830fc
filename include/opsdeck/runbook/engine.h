/* The runbook engine: one run of a runbook on one host, step by step.
 *
 *   lock the (host, runbook) → checks run by themselves (read-only, also in
 *   read-only mode; `require: true` stops the run on failure) → before the
 *   first act the whole plan for the host is confirmed once, as the
 *   environment (or the runbook, stricter) demands → each act: `confirm:
 *   true` asks again, `intent` on disk, then `run:` detached on the host or
 *   `action:` through the action path → verify polls until `within`, and
 *   on failure offers the runbook's `on_failure:` → choose waits for the
 *   engineer → wait → a nested `runbook:` runs on the same host → the
 *   verdict, the lock given back.
 *
 * The whole run is bounded by the runbook's timeout. Read-only refuses every
 * act with a `denied` line and still runs the checks. Every step leaves
 * audit lines carrying the run's id, the runbook and the step (a check or a
 * verify one `finished` line; an act intent, started, finished). A logs
 * check's output_sha256 is of the lines it read as shown: each line's
 * sanitized text and a newline.
 *
 * The engine asks nothing itself: its phase says what the console must ask
 * (the plan, an act's second confirmation, a choice, the on_failure offer),
 * and the console answers with rb_engine_answer() / rb_engine_choose(). */
#ifndef OPSDECK_RUNBOOK_ENGINE_H
#define OPSDECK_RUNBOOK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/app.h"
#include "opsdeck/audit.h"
#include "opsdeck/logs/log_ring.h"
#include "opsdeck/runbook/detached.h"
#include "opsdeck/runbook/host_lock.h"
#include "opsdeck/runbook/runbook.h"

#define RB_OUTPUT_MAX    65536 /* the tail of a step's output kept for the screen */
#define RB_FINDING_MAX   256
#define RB_FRAMES_MAX    (2 * RUNBOOK_DEPTH_MAX + RUNBOOK_CALLS_MAX + 2)
#define RB_CHECK_EXEC_MS 60000

typedef enum {
    RBS_PENDING,
    RBS_RUNNING,
    RBS_PASSED,
    RBS_FAILED,
    RBS_SKIPPED,
    RBS_REFUSED,
    RBS_ASKING /* an act waiting for its confirmation: nothing has run */
} rb_step_state;

const char *rb_step_state_name(rb_step_state s); /* "pending", "running", ... */

typedef enum {
    RB_IDLE,             /* no run */
    RB_LOCKING,          /* taking the host's lock */
    RB_RUNNING,          /* a step is in flight */
    RB_CONFIRM_PLAN,     /* the console shows the plan and asks, once */
    RB_CONFIRM_STEP,     /* an act with confirm: true asks again */
    RB_CHOOSING,         /* the engineer picks an option (rb_engine_choose) */
    RB_OFFER_ON_FAILURE, /* a verify failed: run the runbook's on_failure? */
    RB_DONE,             /* the verdict is in */
    RB_ATTACHED          /* a past or still-running run re-attached (view only) */
} rb_phase;

/* One line of the run view: a step, or the title of a nested runbook. */
typedef struct rb_row {
    const runbook *rb;
    const runbook_step *step; /* NULL: a nested runbook's title line */
    int depth;
    char index[32]; /* "3", "4.1.0" */
    char title[256];
    char command[RUNBOOK_COMMAND_MAX]; /* exactly what runs (or the probe) */
    rb_step_state state;
    char finding[RB_FINDING_MAX]; /* what it found: "output running", "health 503", "exit 1" */
    int64_t started_ms, ended_ms;
    char *output; /* the tail of its output, raw (sanitize to show) */
    size_t output_len;
    /* a logs check: the lines it read, sanitized, stderr's marked, in the
     * order of their times (as the log view keeps them); NULL otherwise */
    log_ring *log;
} rb_row;

typedef struct rb_run {
    rb_phase phase;
    const runbook *rb; /* the runbook started */
    size_t host;
    char run_id[RUN_ID_MAX];
    confirm_mode confirm; /* what the plan and acts demand on this host */
    rb_row *rows;
    size_t nrows;
    size_t current;               /* the row in flight or asking */
    const runbook_step *choosing; /* RB_CHOOSING: the step whose options are shown */
    const char *offer;            /* RB_OFFER_ON_FAILURE: the runbook offered */
    bool succeeded;               /* RB_DONE */
    char verdict[512];            /* RB_DONE: one line */
    host_lock_info holder;        /* refused: who holds the lock */
    bool holder_dead;             /* and it is provably dead */
    int64_t started_ms;
} rb_run;

typedef struct rb_engine rb_engine;

/* changed: whenever the run changes (the UI redraws). set: the runbooks
 * (nested runbook: and on_failure: are looked up in it). */
rb_engine *rb_engine_new(app_t *app, audit_log *audit, const runbook_set *set, bool read_only,
                         void (*changed)(void *arg), void *arg);
/* Stops following (acts started on hosts go on there) and frees. */
void rb_engine_free(rb_engine *e);

/* Starts rb on host. false with msg when it cannot (another run is open,
 * not allowed in this environment, no audit log). */
bool rb_engine_start(rb_engine *e, const runbook *rb, size_t host, char *msg, size_t msgsize);
/* Answers RB_CONFIRM_PLAN / RB_CONFIRM_STEP (how: "y", "typed:production"
 * for the audit log) or RB_OFFER_ON_FAILURE. A refusal ends the run
 * (audited as cancelled); the offer refused ends it failed. */
void rb_engine_answer(rb_engine *e, bool accepted, const char *how);
/* RB_CHOOSING: option index, or -1 to give up (the run ends, failed). */
void rb_engine_choose(rb_engine *e, int option);
/* Shows a run from the past (or of another opsdeck that died): its acts on
 * the host, the output of each from its first byte, how each ended. */
bool rb_engine_attach(rb_engine *e, const runbook *rb, size_t host, const char *run_id, char *msg,
                      size_t msgsize);
/* Breaks the lock that refused the last start, when it is provably dead
 * (the console asked the typed confirmation: how). Audited. */
void rb_engine_break_lock(rb_engine *e, const char *how);
/* Closes a DONE or ATTACHED run. */
void rb_engine_dismiss(rb_engine *e);
/* A run is going (quitting must ask; the header says so). */
bool rb_engine_busy(const rb_engine *e);
const rb_run *rb_engine_run(const rb_engine *e);

/* The plan of rb on host hc, one line per step, indented, with the exact
 * command after substitution (nested runbooks and every option included).
 * Calls line() for each; returns the number of lines. */
size_t rb_plan_lines(const runbook_set *set, const runbook *rb, const host_config *hc,
                     void (*line)(const char *text, void *arg), void *arg);

#endif
