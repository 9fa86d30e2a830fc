/* The read-only gate (see gate.h). */
#include "opsdeck/gate.h"

#include <stdio.h>

bool gate_is_read_only(bool read_only_option)
{
#ifdef OPSDECK_READONLY
    (void)read_only_option;
    return true; /* this build has no action code: nothing can change */
#else
    return read_only_option;
#endif
}

int gate_deny(audit_log *log, const audit_record *rec, char *msg, size_t msgsize)
{
    audit_record denied = *rec;
    denied.phase = "denied";
    denied.confirm = "none";
    char err[256] = "";
    if (!log || audit_append(log, &denied, err, sizeof(err)) < 0) {
        snprintf(msg, msgsize, "read-only: %s refused (and the audit log failed: %s)", rec->action,
                 log ? err : "no audit log");
        return -1;
    }
    snprintf(msg, msgsize, "read-only: %s refused; nothing was changed", rec->action);
    return 0;
}
