/* The audit log as a feed of changes: the actions and runbook steps that
 * ended (finished, denied, cancelled) on the model's hosts, with who ran
 * them and how it went, into the fleet's ring of changes. Reads the file
 * from where it left off, so a second console's actions show up too. */
#ifndef OPSDECK_AUDIT_CHANGES_H
#define OPSDECK_AUDIT_CHANGES_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "opsdeck/model.h"

#define AUDIT_TAIL_FIRST_READ (64 * 1024) /* at the start: only the log's last bytes */
#define AUDIT_TAIL_READ_MAX   (64 * 1024) /* per call */

typedef struct audit_tail {
    off_t pos; /* the next unread byte */
    ino_t ino; /* a new file (rotated) starts over */
    bool started;
} audit_tail;

/* Reads what was appended since the last call (bounded; the rest waits for
 * the next call). Returns the number of changes added, -1 when the file
 * cannot be read (a log not written yet is 0). */
int audit_changes_read(fleet_model *m, audit_tail *t, const char *path);

/* One audit line to a change; false when it is not one (another phase, a
 * host not in the model, not JSON). For tests. */
bool audit_line_change(const fleet_model *m, const char *line, change *out);

/* "exit 0; verified ..." of an audit line (a JSON object): its exit status
 * and its verification's verdict, whichever it has. */
void audit_result_text(json_t *line, char *buf, size_t size);

#endif
