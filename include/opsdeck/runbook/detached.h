/* Runbook acts that outlive opsdeck: each `run:` act starts on the host in a
 * session of its own (setsid), its output and exit status going to files
 * under the host's state_dir:
 *
 *   STATE_DIR/runs/RUN_ID/sN/{cmd,title,out,pid,exit}
 *
 * so a dropped SSH link, a closed laptop or a SIGKILLed opsdeck does not
 * stop it. opsdeck follows `out` through an exec channel (tail from an
 * offset until the act's shell is gone), and follows again from where it
 * was when the channel breaks, or later from the first byte to re-attach.
 *
 * Every call goes through the host's transport on the loop; nothing blocks. */
#ifndef OPSDECK_RUNBOOK_DETACHED_H
#define OPSDECK_RUNBOOK_DETACHED_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/config.h"
#include "opsdeck/transport/transport.h"

#define RUN_ID_MAX          48
#define DETACHED_SCRIPT_MAX 16384

/* The state directory as a shell expression for host hc: its state_dir
 * (validated by the config to need no quoting), else /tmp/opsdeck-$(id -un). */
const char *detached_state_dir(const host_config *hc, char *buf, size_t size);

/* A new run id: UTC time, this machine's pid and a counter
 * ("20261202T162501Z-4242-1"), only [0-9A-Za-z-]. */
void detached_new_run_id(char out[RUN_ID_MAX]);
/* True when s is shaped like a run id (safe in a path and a shell word). */
bool detached_run_id_valid(const char *s);

typedef struct detached detached;

typedef struct detached_events {
    /* output of the act as it grows (stdout and stderr, as the act wrote them) */
    void (*output)(const char *buf, size_t len, void *arg);
    /* The end. ran: the act's shell ended and wrote exit_status. When not,
     * error says what is known ("its process is gone without an exit status",
     * "timed out following it: it may still run on the host"). */
    void (*ended)(bool ran, int exit_status, const char *error, void *arg);
} detached_events;

/* Starts command detached on the host as act `step` of run run_id, then
 * follows it. title is only recorded (safe characters kept). timeout_ms
 * bounds how long it is followed (the act is not killed when it runs out).
 * Returns NULL (and calls nothing) when the request cannot be made. */
detached *detached_start(loop_t *loop, transport_t *t, const host_config *hc, const char *run_id,
                         int step, const char *title, const char *command, int timeout_ms,
                         const detached_events *ev, void *arg);
/* Follows an act started earlier (this or another opsdeck), from its first
 * byte. */
detached *detached_attach(loop_t *loop, transport_t *t, const host_config *hc, const char *run_id,
                          int step, int timeout_ms, const detached_events *ev, void *arg);
/* Stops following (nothing is called after this); the act goes on. */
void detached_stop(detached *d);
/* Bytes of output received so far. */
size_t detached_offset(const detached *d);

/* A summary of a run on the host: one line per act,
 * "sN EXIT|running|gone TITLE", through done(res) of a plain exec. */
exec_req *detached_list_run(transport_t *t, const host_config *hc, const char *run_id,
                            exec_done_fn done, void *arg);

/* Keeps only characters that are safe inside '...' and readable (letters,
 * digits, space and _.,:;@+=/()#-); the rest become '_'. */
void detached_safe_text(const char *in, char *out, size_t size);

#endif
