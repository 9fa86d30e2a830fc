/* Runs remembered locally (see include/opsdeck/runbook/run_memory.h). */
#include "opsdeck/runbook/run_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *run_memory_path(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(buf, size, "%s/opsdeck/runs", xdg);
    else if (home && *home)
        snprintf(buf, size, "%s/.local/state/opsdeck/runs", home);
    else
        return NULL;
    return buf;
}

static void make_dirs(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return;
        *p = '/';
    }
}

/* Names go into a tab-separated line: tabs and newlines would split it. */
static void field(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; in && *in && n + 1 < size; in++)
        out[n++] = (*in == '\t' || *in == '\n' || *in == '\r') ? ' ' : *in;
    out[n] = '\0';
}

int run_memory_note(const char *host, const char *runbook, const char *run_id, const char *state,
                    int last_act)
{
    char path[1024];
    if (!run_memory_path(path, sizeof(path)))
        return -1;
    make_dirs(path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    char h[128], r[64], s[32], line[512];
    field(host, h, sizeof(h));
    field(runbook, r, sizeof(r));
    field(state, s, sizeof(s));
    int n = snprintf(line, sizeof(line), "%ld\t%s\t%s\t%s\t%s\t%d\n", (long)time(NULL), h, r,
                     run_id, s, last_act);
    int rc = n > 0 && (size_t)n < sizeof(line) && write(fd, line, (size_t)n) == n ? 0 : -1;
    close(fd);
    return rc;
}

static bool parse_line(char *line, run_memory_entry *e)
{
    char *f[6];
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, "\t", &save); tok && n < 6; tok = strtok_r(NULL, "\t", &save))
        f[n++] = tok;
    if (n < 5)
        return false;
    memset(e, 0, sizeof(*e));
    e->at = atof(f[0]);
    snprintf(e->host, sizeof(e->host), "%s", f[1]);
    snprintf(e->runbook, sizeof(e->runbook), "%s", f[2]);
    snprintf(e->run_id, sizeof(e->run_id), "%s", f[3]);
    snprintf(e->state, sizeof(e->state), "%s", f[4]);
    e->last_act = n > 5 ? atoi(f[5]) : -1;
    return detached_run_id_valid(e->run_id);
}

bool run_memory_last(const char *host, const char *runbook, run_memory_entry *out)
{
    char path[1024];
    if (!run_memory_path(path, sizeof(path)))
        return false;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > RUN_MEMORY_READ_MAX) {
            fseek(f, size - RUN_MEMORY_READ_MAX, SEEK_SET);
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n') /* skip the partial line */
                ;
        } else {
            rewind(f);
        }
    }
    bool found = false;
    char line[1024];
    run_memory_entry e;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (parse_line(line, &e) && !strcmp(e.host, host) && !strcmp(e.runbook, runbook)) {
            *out = e;
            found = true;
        }
    }
    fclose(f);
    return found;
}
