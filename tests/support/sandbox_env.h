/* What the integration tests know of the sandbox fleet: the keys of
 * $SANDBOX_DIR/sandbox.env (written by tests/sandbox/up.sh), and a
 * host_config filled from them. */
#ifndef OPSDECK_TEST_SANDBOX_ENV_H
#define OPSDECK_TEST_SANDBOX_ENV_H

#include "opsdeck/config.h"

/* Reads sandbox.env; -1 (with a message) when SANDBOX_DIR is not set or
 * the file cannot be read. Usable as a cmocka group setup. */
int sandbox_load(void **state);

/* The value of KEY (quotes removed); fails the test when it is missing.
 * Values live in a ring of 32 buffers: copy one you keep. */
const char *sbx(const char *key);

/* which: "staging" or "production" over ssh (the test user's ed25519 key and
 * the sandbox's known_hosts), or "local" for this machine. Strings live in
 * static buffers, one set per which. */
void sandbox_host(host_config *hc, const char *which);

#endif
