/* A container's CPU and memory counters as the kernel keeps them, read from
 * the host's files (sources/cgroup_stats.h reads them through SFTP): where
 * a container's cgroup files are, and the figures `docker stats` derives
 * from them, computed as the engine does (moby's daemon stats and the CLI's
 * formulas: CPU from cpuacct.usage or cpu.stat's usage_usec against
 * /proc/stat's clock ticks, memory as usage less the inactive page cache).
 * Pure functions over bytes that came from a host: nothing is trusted. */
#ifndef OPSDECK_PARSE_CGROUP_FILES_H
#define OPSDECK_PARSE_CGROUP_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "opsdeck/parse/docker_api.h"

#define CGROUP_PATH_MAX 512

/* Where the hierarchies are mounted on the host (from /proc/self/mountinfo):
 * cgroup v1's cpuacct and memory controllers, and the cgroup2 hierarchy.
 * "" for one not mounted (or mounted from below its root, as inside a
 * container, where the paths in /proc/PID/cgroup would not match). */
typedef struct cgroup_mounts {
    char cpuacct[CGROUP_PATH_MAX];
    char memory[CGROUP_PATH_MAX];
    char unified[CGROUP_PATH_MAX];
} cgroup_mounts;

/* Returns 0 when at least one way to read a container's counters was found
 * (both v1 controllers, or cgroup2), -1 otherwise. */
int cgroup_mounts_parse(const char *text, size_t len, cgroup_mounts *m);

/* The three files of one container. */
typedef struct cgroup_files {
    int version;                    /* 1 or 2 */
    char cpu[CGROUP_PATH_MAX];      /* cpuacct.usage (v1), cpu.stat (v2) */
    char usage[CGROUP_PATH_MAX];    /* memory.usage_in_bytes (v1), memory.current (v2) */
    char mem_stat[CGROUP_PATH_MAX]; /* memory.stat */
} cgroup_files;

/* From /proc/PID/cgroup of the container's first process: its files. The
 * cgroup path must name the container's id (docker's cgroups always do:
 * /docker/ID, docker-ID.scope), so a PID from an engine elsewhere (a VM, a
 * remote -H) that names some other process on this host is refused.
 * Returns 0, or -1 with why. */
int cgroup_container_files(const char *text, size_t len, const char *id, const cgroup_mounts *m,
                           cgroup_files *f, char *why, size_t whysize);

/* The container's CPU time in nanoseconds from its cpu file. 0 or -1. */
int cgroup_cpu_ns(int version, const char *text, size_t len, double *ns);

/* What `docker stats` shows as memory: the usage file's bytes less the
 * inactive page cache from memory.stat (total_inactive_file in v1,
 * inactive_file in v2) when that is smaller. 0 or -1. */
int cgroup_memory_bytes(int version, const char *usage, size_t usage_len, const char *stat,
                        size_t stat_len, int64_t *bytes);

/* The engine's system_cpu_usage and online_cpus from /proc/stat: the first
 * seven fields of the "cpu" line (user to softirq) in nanoseconds at
 * Linux's 100 ticks a second, and the count of "cpuN" lines. 0 or -1. */
int cgroup_proc_stat(const char *text, size_t len, double *system_ns, int *online_cpus);

/* A sample in the engine's terms, for docker_cpu_percent(). */
void cgroup_cpu_sample(double cpu_ns, double system_ns, int online_cpus, docker_cpu_sample *out);

#endif
