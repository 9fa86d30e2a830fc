/* A runbook's logs check: its command and its verdict (runbook/logs_check.h). */
#include "opsdeck/runbook/logs_check.h"

#include <stdio.h>
#include <string.h>

#include "opsdeck/logs/log_follow.h"

_Static_assert(RUNBOOK_LOG_LINES_MAX <= LOG_TAIL_LINES,
               "a logs check reads no more lines than the log view does");

int runbook_logs_command(const runbook_step *st, const host_config *hc, char *out, size_t size,
                         char *err, size_t errsize)
{
    char name[RUNBOOK_COMMAND_MAX];
    if (runbook_expand(st->logs, hc, name, sizeof(name), err, errsize) < 0)
        return -1;
    int lines = st->lines ? st->lines : RUNBOOK_LOG_LINES_DEFAULT;
    if (log_tail_command(hc, name, lines, out, size) < 0) {
        snprintf(err, errsize, "%s: logs: the command for %.80s does not fit", hc->name, name);
        return -1;
    }
    return 0;
}

/* The last line docker wrote on stderr: its own words when it failed (a
 * container's stderr lines carry their times, and come before it). */
static const char *last_stderr_line(const log_ring *r)
{
    for (uint64_t n = log_ring_end(r); n > log_ring_first(r); n--) {
        const log_line *l = log_ring_line(r, n - 1);
        if (l && l->is_stderr && l->text[0])
            return l->text;
    }
    return NULL;
}

bool runbook_logs_verdict(const runbook_step *st, const log_ring *lines, bool ran, int exit_status,
                          const char *error, char *finding, size_t size)
{
    if (!ran) {
        snprintf(finding, size, "did not run: %s", error && error[0] ? error : "cut off");
        return false;
    }
    if (exit_status != 0) {
        const char *why = last_stderr_line(lines);
        snprintf(finding, size, "exit %d: %s", exit_status, why ? why : "(docker said nothing)");
        return false;
    }
    uint64_t first = log_ring_first(lines), count = log_ring_end(lines) - first;
    const char *text = st->expect.output;
    bool contains = st->expect.kind == RB_EXPECT_CONTAINS;
    if (!contains && st->expect.kind != RB_EXPECT_ABSENT) {
        snprintf(finding, size, "%llu line%s read", (unsigned long long)count,
                 count == 1 ? "" : "s");
        return true;
    }
    /* backward from the oldest line round to it: the newest match first,
     * every line looked at */
    int64_t at = log_ring_search(lines, text, first, false);
    if (at >= 0)
        snprintf(finding, size, "'%.80s' in line %llu of %llu read%s", text,
                 (unsigned long long)((uint64_t)at - first + 1), (unsigned long long)count,
                 contains ? "" : " (expected absent)");
    else
        snprintf(finding, size, "'%.80s' in none of the %llu lines read%s", text,
                 (unsigned long long)count, contains ? " (expected in one)" : "");
    return contains == (at >= 0);
}
