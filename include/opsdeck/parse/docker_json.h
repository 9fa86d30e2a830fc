/* Container facts from a Docker engine, for the containers source (which
 * speaks the Engine API, sources/containers.c): the shell command that
 * reaches the engine, and the pure parser of one container's inspect
 * (`GET /containers/{id}/json`, the same object `docker inspect` prints).
 * Everything in it came from a host: it is read defensively and bounded,
 * never trusted. */
#ifndef OPSDECK_PARSE_DOCKER_JSON_H
#define OPSDECK_PARSE_DOCKER_JSON_H

#include <stddef.h>

#include "opsdeck/model.h"

/* The shell command line that runs script under sh -c with a `docker =`
 * value (a command prefix: "docker", "sudo docker", "docker -H unix:///x")
 * as "$@" (e.g. `exec "$@" system dial-stdio`). The value is split on
 * blanks and each word passed quoted as an argument of `sh -c`, so it is
 * never evaluated as shell code, and the script runs under sh whatever the
 * login shell is; no single quote may appear in script. Returns the
 * length, or -1 when it does not fit in size. */
int docker_shell_command(const char *docker, const char *script, char *buf, size_t size);
/* Where the engine a `docker =` value reaches listens, when the value says
 * no more than that: "docker" or a path ending in "/docker", alone (the
 * engine's default, /var/run/docker.sock) or with `-H unix:///path` /
 * `--host unix:///path` / `--host=unix:///path` (that path). Anything else
 * (`sudo docker`, `-H tcp://...`, a wrapper, other options) is false: only
 * the command itself knows how it reaches its engine. */
bool docker_engine_socket(const char *docker, char *path, size_t size);

/* One container's inspect object: fills ci but its status text and figures
 * (cpu_percent and mem_bytes are -1). Returns 0 (why says what was
 * incomplete, or ""), or -1 with why set. */
int docker_parse_inspect_one(const char *buf, size_t len, container_info *ci, char *why,
                             size_t whysize);

/* Docker's RFC 3339 times -> seconds since the epoch; 0 when not one. */
double docker_parse_time(const char *s);

#endif
