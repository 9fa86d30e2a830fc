/* libFuzzer target for the config loader (libinih and every key's value
 * parser): the input is written to a private file that config_load reads,
 * as it reads an engineer's opsdeck.conf. */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "opsdeck/config.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof(path), "/dev/shm/opsdeck-config-fuzz.%d", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    ssize_t n = write(fd, data, size);
    close(fd);
    if (n != (ssize_t)size)
        return 0;
    opsdeck_config cfg;
    config_problems problems = {0}; /* as main.c hands it: empty */
    int rc = config_load(path, &cfg, &problems);
    (void)rc;
    config_free(&cfg);
    config_problems_free(&problems);
    unlink(path);
    return 0;
}
