/* Container status from a Docker engine: the one shell command that asks
 * for it, and the pure parser of what that command prints.
 *
 * The command prints four sections, each after a marker line:
 *   ---opsdeck-ps---       `docker ps -a --no-trunc --format '{{.ID}} {{json .Status}}'`
 *   ---opsdeck-inspect---  `docker inspect` of those IDs (one JSON array)
 *   ---opsdeck-stats---    `docker stats --no-stream --no-trunc --format '{{json .}}'`
 *   ---opsdeck-end--- N    N: the exit status of docker stats
 * ps gives docker's own status text ("Up 3 minutes (healthy)"), inspect the
 * state, health, image, labels and restart count, stats the CPU and memory
 * of the running containers. Everything in it came from a host: it is read
 * defensively and bounded, never trusted. */
#ifndef OPSDECK_PARSE_DOCKER_JSON_H
#define OPSDECK_PARSE_DOCKER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "opsdeck/model.h"

/* Output larger than this is refused as a whole (a few hundred containers'
 * full inspect output fits many times over). */
#define DOCKER_OUTPUT_MAX ((size_t)8 << 20)

/* The shell command line that prints the sections above, for a `docker =`
 * value (a command prefix: "docker", "sudo docker", "docker -H unix:///x").
 * The value is split on blanks and each word passed quoted as an argument of
 * `sh -c`, so it is never evaluated as shell code, and the script runs under
 * sh whatever the login shell is. Returns the length, or -1 when it does not
 * fit in size. */
int docker_status_command(const char *docker, char *buf, size_t size);
/* The same for any script run under sh -c with the docker prefix as "$@"
 * (no single quote in script): `exec "$@" system dial-stdio`. */
int docker_shell_command(const char *docker, const char *script, char *buf, size_t size);

typedef struct docker_parse_result {
    container_info *items; /* sorted by name; the caller owns it (free()) */
    size_t count;
    size_t skipped;    /* malformed containers left out of items */
    size_t flagged;    /* problems in containers kept (a status, a figure unknown) */
    char warning[256]; /* the first problem of either kind; "" none */
    char error[256];   /* why the whole output was refused; "" when parsed */
    int stats_exit;    /* docker stats' exit status; -1 when unknown */
} docker_parse_result;

/* Parses the command's stdout. Returns 0 and fills res (items may be empty),
 * or -1 with res->error set (too big, no sections, inspect not JSON); never
 * reads past len, whatever the bytes. */
int docker_parse_output(const char *buf, size_t len, docker_parse_result *res);
void docker_parse_result_free(docker_parse_result *res);

/* One container of `docker inspect` (the Engine API's GET
 * /containers/{id}/json answers the same object): fills ci but its status
 * text and figures. Returns 0 (why says what was incomplete, or ""), or -1
 * with why set. */
int docker_parse_inspect_one(const char *buf, size_t len, container_info *ci, char *why,
                             size_t whysize);

/* Docker's RFC 3339 times -> seconds since the epoch; 0 when not one. */
double docker_parse_time(const char *s);

/* Pieces, for the tests. */

/* "12.34%" -> 12.34. Returns 0, or -1 when it is not a percentage ("--"). */
int docker_parse_percent(const char *s, double *out);
/* "12.5MiB", "1.9GiB", "512B", "3kB", "1.2MB", "0B" -> bytes. Returns 0 or -1. */
int docker_parse_size(const char *s, int64_t *out);
/* "12.5MiB / 1.9GiB" -> the used part, in bytes. Returns 0 or -1. */
int docker_parse_mem_usage(const char *s, int64_t *out);

#endif
