/* libFuzzer target for what a host's SFTP server sends (parse/sftp_packet.h)
 * and the cgroup and /proc files read through it (parse/cgroup_files.h):
 * the bytes are taken as a stream of replies, then as each file in turn.
 * Every reply taken lies within the bytes; every path found names the
 * container and lies below a mount. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/parse/cgroup_files.h"
#include "opsdeck/parse/sftp_packet.h"

#define ID "4cecbf3dcd926a39954b0c0df0f071aeaacc0b2acbd49f18d2f1a3a6b02b5a5a"

static void replies(const char *buf, size_t size)
{
    size_t at = 0, used;
    sftp_reply r;
    char why[200];
    int rc;
    while ((rc = sftp_take_reply(buf + at, size - at, &r, &used, why, sizeof(why))) == 1) {
        assert(used >= 5 && used <= size - at);
        if (r.data)
            assert(r.data >= buf + at && r.data + r.len <= buf + at + used);
        at += used;
    }
    assert(rc == 0 || (rc == -1 && why[0]));
}

static void files(const char *buf, size_t size)
{
    cgroup_mounts m;
    cgroup_files f;
    char why[300] = "";
    if (cgroup_mounts_parse(buf, size, &m) == 0)
        assert((m.cpuacct[0] == '/' && m.memory[0] == '/') || m.unified[0] == '/');
    /* the sandbox's mounts, with the bytes as /proc/PID/cgroup */
    static const char hybrid[] =
        "32 31 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "40 31 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
    assert(cgroup_mounts_parse(hybrid, sizeof(hybrid) - 1, &m) == 0);
    if (cgroup_container_files(buf, size, ID, &m, &f, why, sizeof(why)) == 0) {
        assert(f.version == 1 || f.version == 2);
        assert(strstr(f.cpu, ID) && strstr(f.usage, ID) && strstr(f.mem_stat, ID));
        assert(!strstr(f.cpu, "/..") && !strstr(f.usage, "/.."));
        assert(strncmp(f.cpu, "/sys/fs/cgroup/", 15) == 0);
    } else {
        assert(why[0]);
    }
    double ns, sys;
    int64_t mem;
    int cpus;
    if (cgroup_cpu_ns(1 + (size & 1), buf, size, &ns) == 0)
        assert(ns >= 0);
    if (cgroup_memory_bytes(1 + (size & 1), buf, size / 2, buf + size / 2, size - size / 2, &mem) ==
        0)
        assert(mem >= 0);
    if (cgroup_proc_stat(buf, size, &sys, &cpus) == 0)
        assert(sys >= 0 && cpus >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly size bytes: nothing past it may be read */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    replies(buf, size);
    files(buf, size);
    free(buf);
    return 0;
}
