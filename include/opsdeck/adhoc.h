/* Ad hoc hosts: `opsdeck DESTINATION...` with no config file. Each
 * destination ([user@]host[:port], or a Host alias of ~/.ssh/config,
 * ProxyJump included) becomes a host of environment `adhoc` (confirm =
 * typed), its containers through `docker`. Its node_exporter, metrics and
 * health are looked for once, at the usual local ports, through the host's
 * own SSH tunnel: what answers is shown, what does not is left out, never
 * guessed. */
#ifndef OPSDECK_ADHOC_H
#define OPSDECK_ADHOC_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/config.h"

/* Builds the config of the destinations (no probing). Returns 0, or -1 with
 * every problem in problems (a malformed destination). */
int adhoc_config(const char *const *dests, size_t n, opsdeck_config *cfg,
                 config_problems *problems);

/* Connects to every host once (no questions asked: a host whose key is not
 * known yet is not probed), asks each candidate endpoint through the
 * tunnel, and fills in the fields of those that answered. Bounded by
 * timeout_ms in all. Writes one line per host to note (may be NULL): what
 * was found, or why nothing could be looked for. */
void adhoc_probe(opsdeck_config *cfg, int timeout_ms, char *note, size_t notesize);

#endif
