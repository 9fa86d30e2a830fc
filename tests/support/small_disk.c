/* See small_disk.h. */
#include "small_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int small_disk_mount(const char *dir, int kib)
{
    char opts[32];
    snprintf(opts, sizeof(opts), "size=%dk,mode=0700", kib);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    return mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

int small_disk_fill(const char *dir)
{
    char path[512], block[4096];
    snprintf(path, sizeof(path), "%s/filler", dir);
    memset(block, 'f', sizeof(block));
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return -1;
    for (size_t want = sizeof(block);;) { /* whole pages, then the last bytes */
        ssize_t n = write(fd, block, want);
        if (n < 0 && errno == ENOSPC) {
            if (want == 1)
                break;
            want = 1;
            continue;
        }
        if (n < 0) {
            close(fd);
            return -1;
        }
    }
    close(fd);
    return 0;
}

void small_disk_unfill(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/filler", dir);
    unlink(path);
}

void small_disk_umount(const char *dir)
{
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}
