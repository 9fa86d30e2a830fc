/* The audit log: one JSON object per line, appended and fsync'd, each line
 * carrying the SHA-256 of the line before it, so that an edited or removed
 * line breaks the chain at the line after it.
 *
 * It lives outside src/actions/ on purpose: a read-only build, which has no
 * action code, still writes `denied` lines and verifies logs. */
#ifndef OPSDECK_AUDIT_H
#define OPSDECK_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define AUDIT_HASH_HEX 65 /* 64 hex digits + NUL */
/* prev of the first line of a log */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
/* how long an append waits for another process's lock before it fails */
#define AUDIT_LOCK_WAIT_MS 2000
/* below this much free space an action is refused before it is confirmed */
#define AUDIT_MIN_FREE (64 * 1024)

typedef struct audit_record {
    const char *host;
    const char *env;
    const char *remote_user;
    const char *action;  /* restart, cancel, terminate, kill-idle, flush, run:NAME */
    const char *target;  /* the container, the pids, the database... */
    const char *command; /* exactly what ran (or would have) */
    const char *confirm; /* how it was confirmed: "y", "typed:production", "none" */
    const char *phase;   /* intent, started, finished, denied, cancelled */
    bool has_exit_status;
    int exit_status;
    bool has_duration;
    double duration_s;
    const char *verify;        /* the verification's verdict, NULL none */
    const char *output_sha256; /* of the whole output, NULL none */
    const char *run_id;        /* one action's lines share it (PID-MS-SEQ); NULL: none */
    /* a runbook's step: the runbook's name, the step's index ("4", "4.1.0"
     * inside a choice) and title; NULL: not a runbook line */
    const char *runbook;
    const char *step_index;
    const char *step_title;
} audit_record;

typedef struct audit_log {
    char *path;
    int fd;
} audit_log;

/* Opens (creating it 0600, and its directory 0700) for appending. */
int audit_open(audit_log *log, const char *path, char *err, size_t errsize);
void audit_close(audit_log *log);

/* Appends one line, chained to the last line on disk (under an exclusive
 * lock, waited for AUDIT_LOCK_WAIT_MS at most, so two consoles sharing a log
 * keep one chain), then fsync()s it. Returns 0 only when the line is on
 * disk: a caller about to act on a host must not go on otherwise. A failed
 * write (disk full) is cut back off, so the chain stays whole. ts and
 * local_user are filled in here. */
int audit_append(audit_log *log, const audit_record *rec, char *err, size_t errsize);

/* Whether an action may start: the log is open, still the file at its path,
 * on a writable file system with AUDIT_MIN_FREE bytes free. 0, or -1 with
 * the reason in err. (The intent line's own write stays the final word.) */
int audit_ready(const audit_log *log, char *err, size_t errsize);

/* Checks the chain of the log at path. Prints a verdict line to out;
 * returns 0 when every line is intact, 1 naming the first line that is not
 * (or when the file cannot be read). */
int audit_verify(const char *path, FILE *out);

/* SHA-256 of a buffer as lowercase hex. */
void audit_sha256_hex(const void *data, size_t len, char out[AUDIT_HASH_HEX]);

#endif
