/* A small file system to fill up: a tmpfs of a given size mounted on a new
 * directory (the tests run as root, as on CI). The audit log's "disk full"
 * is tested on it with real ENOSPC from write(), not a simulated error. */
#ifndef OPSDECK_TEST_SMALL_DISK_H
#define OPSDECK_TEST_SMALL_DISK_H

#include <stddef.h>

/* Mounts a tmpfs of kib KiB on dir (created). 0, or -1 with errno. */
int small_disk_mount(const char *dir, int kib);
/* Writes dir/filler until the file system says ENOSPC. 0, or -1. */
int small_disk_fill(const char *dir);
/* Removes dir/filler: the space is back. */
void small_disk_unfill(const char *dir);
/* Unmounts and removes dir. */
void small_disk_umount(const char *dir);

#endif
