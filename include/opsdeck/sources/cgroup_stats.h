/* Containers' CPU and memory read from the host's cgroup files through its
 * sshd's SFTP subsystem, instead of asking the Docker engine for one-shot
 * stats: one long-lived SFTP channel per host (with OpenSSH's
 * internal-sftp not even a process), every file opened once and read again
 * at offset 0 each refresh (the kernel makes /proc and cgroup files anew
 * at each read from the start), every read of a refresh sent at once: one
 * round trip a refresh, whatever the number of containers.
 *
 * Why (docs/HACKING.md, "Containers"): each one-shot stats request costs
 * the engine 3-5 ms of CPU (dockerd, containerd and the shim read the same
 * files and encode JSON), and engines before 25.0 answer it only at their
 * collector's 1 s tick. The figures are the engine's own: the same files,
 * the same formulas (parse/cgroup_files.h).
 *
 * At start it reads /proc/self/mountinfo (where the hierarchies are) and
 * opens /proc/stat; each container given by cgroup_stats_track() is looked
 * up through /proc/PID/cgroup, and must name the container's id there. A
 * container whose files cannot be found is left to the engine
 * (cgroup_stats_has() false); a host without SFTP ends the whole of it. */
#ifndef OPSDECK_SOURCES_CGROUP_STATS_H
#define OPSDECK_SOURCES_CGROUP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/parse/docker_api.h"
#include "opsdeck/transport/transport.h"

typedef struct cgroup_stats cgroup_stats;

typedef struct cgroup_stats_events {
    /* the files of the tracked containers are found (or given up), or a
     * round's answers are all in: see cgroup_stats_settling(),
     * cgroup_stats_busy() */
    void (*changed)(void *arg);
    /* SFTP is over (refused by the host, the channel closed, a reply that is
     * not SFTP): why. for_good: the host refused it or its server is not
     * what is expected (no use asking again on this session); otherwise the
     * channel or the session went away. No callback comes after this; close
     * it from the loop. */
    void (*ended)(const char *why, bool for_good, void *arg);
} cgroup_stats_events;

/* NULL on a local host (nothing to gain there) or when out of memory. */
cgroup_stats *cgroup_stats_open(transport_t *t, const cgroup_stats_events *ev, void *arg);
/* Not from inside its own callbacks. NULL is fine. */
void cgroup_stats_close(cgroup_stats *c);

/* The containers to read (their ids and host PIDs, pid 0 skipped): new ones
 * are looked up, gone ones closed. */
typedef struct cgroup_target {
    const char *id;
    int pid;
} cgroup_target;
void cgroup_stats_track(cgroup_stats *c, const cgroup_target *targets, size_t n);

/* Still finding where things are (mounts, a container's files). */
bool cgroup_stats_settling(const cgroup_stats *c);
/* Whether the container's files are open (read by cgroup_stats_round()). */
bool cgroup_stats_has(const cgroup_stats *c, const char *id);

/* Sends one read of every open file; changed() when all are answered.
 * Returns the number of containers asked about (0: nothing sent). */
size_t cgroup_stats_round(cgroup_stats *c);
bool cgroup_stats_busy(const cgroup_stats *c);
/* The last round's figures for a container: false when it had none. */
bool cgroup_stats_sample(const cgroup_stats *c, const char *id, docker_cpu_sample *cpu,
                         int64_t *mem_bytes);

#endif
