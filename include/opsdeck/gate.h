/* The read-only gate: the one place that decides whether this process may
 * change anything on a host, and that writes the `denied` audit line when it
 * may not.
 *
 * It lives outside src/actions/ on purpose: a `make READONLY=1` build leaves
 * the action code out altogether, and every action key must still answer
 * "read-only" and leave a denied line. */
#ifndef OPSDECK_GATE_H
#define OPSDECK_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/audit.h"

/* True when nothing may change: a READONLY=1 build always, otherwise the
 * --read-only flag / read_only = yes the caller passes in. */
bool gate_is_read_only(bool read_only_option);

/* Records the refusal of an action in read-only mode (phase "denied") and
 * writes the message to show into msg. rec names the action, host and
 * target; its phase and confirm are set here. Returns 0 when the denied
 * line is on disk, -1 when the log could not be written (msg says so too). */
int gate_deny(audit_log *log, const audit_record *rec, char *msg, size_t msgsize);

#endif
