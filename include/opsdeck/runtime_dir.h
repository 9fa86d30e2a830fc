/* The private directories that hold the tunnel sockets:
 * $XDG_RUNTIME_DIR (or /tmp)/opsdeck-PID-XXXXXX, made 0700 by app.c.
 *
 * A process killed before it could clean up (SIGKILL, a crash) leaves its
 * directory behind; runtime_dir_sweep() removes those of the same user
 * whose process is gone. A directory whose PID is alive (whoever it is now)
 * or that belongs to another user is never touched, and nothing is
 * followed through a symlink. */
#ifndef OPSDECK_RUNTIME_DIR_H
#define OPSDECK_RUNTIME_DIR_H

/* Returns the number of directories removed. */
int runtime_dir_sweep(const char *base);

#endif
