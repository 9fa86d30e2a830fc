/* Removing runtime directories left by dead processes (runtime_dir.h). */
#include "opsdeck/runtime_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX    "opsdeck-"
#define MAX_DEPTH 8 /* tunnels nest a few levels (host/service/socket) */

/* "opsdeck-1234-Ab3xYz" -> 1234; 0 for any other name. */
static pid_t pid_of(const char *name)
{
    if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
        return 0;
    char *end;
    long pid = strtol(name + strlen(PREFIX), &end, 10);
    if (end == name + strlen(PREFIX) || *end != '-' || strlen(end + 1) != 6 || pid <= 0)
        return 0;
    return (pid_t)pid;
}

static bool process_gone(pid_t pid)
{
    /* EPERM: alive, someone else's; only ESRCH says it is gone */
    return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Empties the directory open at fd (closed here), never following a link. */
static void empty_dir(int fd, int depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = depth < MAX_DEPTH ? openat(dirfd(d), e->d_name,
                                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                        : -1;
            if (sub >= 0)
                empty_dir(sub, depth + 1);
            unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
        } else {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    closedir(d);
}

int runtime_dir_sweep(const char *base)
{
    int base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base_fd < 0)
        return 0;
    DIR *d = fdopendir(base_fd);
    if (!d) {
        close(base_fd);
        return 0;
    }
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t pid = pid_of(e->d_name);
        struct stat st;
        if (!pid || pid == getpid() || !process_gone(pid))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
            st.st_uid != getuid())
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        empty_dir(fd, 1);
        if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
