/* `opsdeck --check`: validates a config file and every runbook of its
 * runbooks directory, and lists every problem. */
#ifndef OPSDECK_CHECK_H
#define OPSDECK_CHECK_H

#include <stdio.h>

/* Finds the file (path, or the search order when NULL), loads it and the
 * runbooks, and prints one `FILE:LINE: message` per problem (`FILE: message`
 * for the file as a whole; `FILE:LINE: note: ...` for what does not fail)
 * to out, or `FILE: ok (N hosts in M environments, K runbooks in DIR)`.
 * Returns 0 when there is no problem, 78 otherwise. */
int config_check_run(const char *path, FILE *out);

#endif
