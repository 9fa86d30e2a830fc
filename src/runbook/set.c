/* The runbooks directory: where it is, and loading every file in it
 * (runbook/runbook.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "opsdeck/runbook/runbook.h"
#include "runbook_internal.h"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *runbook_find_dir(const opsdeck_config *cfg, char *buf, size_t size)
{
    if (cfg && cfg->runbooks_dir) {
        snprintf(buf, size, "%s", cfg->runbooks_dir);
        return buf;
    }
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, size, "%s/opsdeck/runbooks", xdg);
    else if (home && *home)
        snprintf(buf, size, "%s/.config/opsdeck/runbooks", home);
    else
        buf[0] = '\0';
    if (buf[0] && is_dir(buf))
        return buf;
    snprintf(buf, size, "/etc/opsdeck/runbooks");
    return is_dir(buf) ? buf : NULL;
}

static bool is_runbook_file(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return false;
    return (n > 4 && !strcmp(name + n - 4, ".yml")) || (n > 5 && !strcmp(name + n - 5, ".yaml"));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_runbook_name(const void *a, const void *b)
{
    return strcmp(((const runbook *)a)->name, ((const runbook *)b)->name);
}

/* The runbook files of dir, sorted; NULL with a problem when it cannot be
 * read. */
static char **list_files(const char *dir, size_t *n, runbook_problems *problems)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d) {
        runbook_problem_add(problems, dir, 0, "cannot read the runbooks directory: %m");
        return NULL;
    }
    char **names = calloc(RUNBOOK_FILES_MAX + 1, sizeof(char *));
    struct dirent *e;
    while (names && (e = readdir(d))) {
        if (!is_runbook_file(e->d_name))
            continue;
        if (*n == RUNBOOK_FILES_MAX) {
            runbook_problem_add(problems, dir, 0, "more than %d runbook files", RUNBOOK_FILES_MAX);
            break;
        }
        if (!(names[*n] = strdup(e->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (names)
        qsort(names, *n, sizeof(char *), by_name);
    return names;
}

int runbook_set_load(const char *dir, const opsdeck_config *cfg, runbook_set *set,
                     runbook_problems *problems)
{
    memset(set, 0, sizeof(*set));
    size_t before = runbook_problems_count(problems);
    if (!dir)
        return 0;
    set->dir = strdup(dir);
    size_t n = 0;
    char **names = list_files(dir, &n, problems);
    if (!names)
        return -1;
    /* Every file that parsed is checked against the others, broken or not
     * (so each is told all its problems at once); only the sound ones stay. */
    set->items = calloc(n ? n : 1, sizeof(*set->items));
    bool *broken = calloc(n ? n : 1, sizeof(*broken));
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (set->items && broken) {
            runbook *rb = &set->items[set->count];
            size_t at = runbook_problems_count(problems);
            if (runbook_load_file_keep(path, rb, problems)) {
                broken[set->count++] = runbook_problems_count(problems) != at;
            } else {
                runbook_free(rb);
            }
        }
        free(names[i]);
    }
    free(names);
    if (set->items && broken) {
        /* sort with the broken marks riding along */
        for (size_t i = 0; i < set->count; i++)
            set->items[i].line = broken[i] ? -1 : 1;
        qsort(set->items, set->count, sizeof(*set->items), by_runbook_name);
        runbook_validate_set(set, cfg, problems);
        size_t kept = 0;
        for (size_t i = 0; i < set->count; i++) {
            if (set->items[i].line < 0) {
                runbook_free(&set->items[i]);
                continue;
            }
            set->items[kept++] = set->items[i];
        }
        set->count = kept;
    }
    free(broken);
    return runbook_problems_count(problems) == before ? 0 : -1;
}
