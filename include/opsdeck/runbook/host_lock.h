/* One run of a runbook per host at a time: a lock directory made with an
 * atomic mkdir under the host's state_dir,
 *
 *   STATE_DIR/locks/RUNBOOK/info   user= machine= pid= started= deadline= run_id= step=
 *
 * A second opsdeck (this user's or another's, on this machine or another)
 * that starts the runbook there is refused and told the holder. A lock is
 * provably dead when no act of its run has a live process on the host and
 * its holder is gone: an opsdeck of this machine whose pid no longer
 * exists, or any holder past its deadline (the runbook's whole-run
 * timeout). Only then may it be broken (typed confirmation, audited: the
 * caller's part). Every call is one exec on the host's transport. */
#ifndef OPSDECK_RUNBOOK_HOST_LOCK_H
#define OPSDECK_RUNBOOK_HOST_LOCK_H

#include <stdbool.h>

#include "opsdeck/config.h"
#include "opsdeck/runbook/detached.h"
#include "opsdeck/transport/transport.h"

typedef struct host_lock_info {
    char user[64];
    char machine[128];
    long pid;      /* the holder opsdeck's pid on its machine */
    long started;  /* epoch seconds, the host's clock */
    long deadline; /* started + the runbook's timeout */
    long host_now; /* the host's clock when it answered */
    char run_id[RUN_ID_MAX];
    char step[256]; /* the step it is at, as it last said */
    bool act_alive; /* an act of its run still has a process on the host */
} host_lock_info;

typedef enum {
    LOCK_ACQUIRED, /* ours now (acquire) */
    LOCK_FREE,     /* nobody holds it (query), or it was broken (break) */
    LOCK_HELD,     /* somebody holds it: holder says who */
    LOCK_ERROR     /* the host could not be asked: error says why */
} lock_outcome;

typedef struct host_lock_req host_lock_req;

typedef void (*host_lock_fn)(lock_outcome outcome, const host_lock_info *holder, const char *error,
                             void *arg);

/* The step text as the lock shows it ("3 Restart the API"). */
host_lock_req *host_lock_acquire(transport_t *t, const host_config *hc, const char *runbook,
                                 const char *run_id, const char *step, int timeout_s,
                                 host_lock_fn done, void *arg);
/* Who holds it, if anybody. */
host_lock_req *host_lock_query(transport_t *t, const host_config *hc, const char *runbook,
                               host_lock_fn done, void *arg);
/* Records the step the run is at (only while run_id holds it). done may be NULL. */
host_lock_req *host_lock_update(transport_t *t, const host_config *hc, const char *runbook,
                                const char *run_id, const char *step, host_lock_fn done, void *arg);
/* Gives it back (only when run_id holds it). done may be NULL. */
host_lock_req *host_lock_release(transport_t *t, const host_config *hc, const char *runbook,
                                 const char *run_id, host_lock_fn done, void *arg);
/* Breaks a dead lock held by run_id: the host checks again that no act of
 * that run is alive. LOCK_FREE when broken, LOCK_HELD when it stands. */
host_lock_req *host_lock_break(transport_t *t, const host_config *hc, const char *runbook,
                               const char *run_id, host_lock_fn done, void *arg);

/* done is not called after this. */
void host_lock_cancel(host_lock_req *req);

/* Whether the holder is provably dead (see above); why says so either way. */
bool host_lock_dead(const host_lock_info *holder, char *why, size_t size);
/* "alice@laptop (pid 4242) since 16:25:01 UTC, at step 3 Restart" */
void host_lock_describe(const host_lock_info *holder, char *buf, size_t size);

#endif
