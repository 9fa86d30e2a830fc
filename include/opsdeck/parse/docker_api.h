/* The Docker Engine API's answers the containers source reads (JSON bodies
 * of GET /containers/json, /containers/{id}/stats, /events and error
 * bodies), and the figures docker's own CLI derives from them. Pure
 * functions over bytes; everything in them came from a host. */
#ifndef OPSDECK_PARSE_DOCKER_API_H
#define OPSDECK_PARSE_DOCKER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/model.h"

/* One container of GET /containers/json?all=1. */
typedef struct docker_list_entry {
    char id[80];
    char status[128]; /* docker's text: "Up 3 minutes (healthy)" */
} docker_list_entry;

/* Returns 0 with *out (malloc'd, caller frees) and *count, or -1 with why. */
int docker_api_parse_list(const char *buf, size_t len, docker_list_entry **out, size_t *count,
                          char *why, size_t whysize);

/* The counters of one one-shot stats answer. */
typedef struct docker_cpu_sample {
    bool valid;
    double total_ns;  /* cpu_stats.cpu_usage.total_usage */
    double system_ns; /* cpu_stats.system_cpu_usage */
    int online_cpus;
} docker_cpu_sample;

/* GET /containers/{id}/stats?stream=false&one-shot=true. mem_bytes is what
 * `docker stats` shows (usage less the inactive page cache). Returns 0 or
 * -1 with why. */
int docker_api_parse_stats(const char *buf, size_t len, docker_cpu_sample *cpu, int64_t *mem_bytes,
                           char *why, size_t whysize);

/* `docker stats`' CPU %: container CPU time over the host's, times the
 * CPUs, between two samples; -1 when either is missing. */
double docker_cpu_percent(const docker_cpu_sample *prev, const docker_cpu_sample *cur);

/* The engine's error body {"message": "..."} -> the message (else the body's
 * start), for showing docker's own words. */
void docker_api_error_message(const char *buf, size_t len, char *out, size_t size);

/* docker ps' status text for a container as time passes, as docker prints
 * it: "Up 3 minutes (healthy)", "Exited (137) 2 seconds ago". Keeps the text
 * it has for states it cannot tell again. */
void docker_status_retell(container_info *ci, double now);
/* go-units' HumanDuration: "Less than a second", "About a minute", "3 hours" */
void docker_human_duration(double seconds, char *out, size_t size);

#endif
