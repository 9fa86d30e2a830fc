/* The config of ad hoc hosts (see adhoc.h): written as the INI text a
 * person would write and read by the one config parser, so a destination is
 * checked exactly as `ssh =` is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "opsdeck/adhoc.h"

#define ADHOC_NAME "(command line)"

/* A host's name: the destination's host part (an alias, an address),
 * kept to the characters config names allow; the port too when the same
 * host comes twice. */
static void host_name(const char *dest, size_t index, const char *const *dests, char *out,
                      size_t size)
{
    const char *at = strrchr(dest, '@');
    const char *h = at ? at + 1 : dest;
    size_t j = 0;
    for (const char *p = h; *p && *p != ':' && j + 1 < size; p++)
        if (*p != '[' && *p != ']')
            out[j++] = (char)(strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
                                      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                                  ? *p
                                  : '-');
    out[j] = '\0';
    for (size_t i = 0; i < index; i++) {
        char other[256];
        host_name(dests[i], 0, dests, other, sizeof(other));
        if (strcmp(other, out) == 0) {
            size_t len = strlen(out);
            snprintf(out + len, size - len, "-%zu", index + 1);
            break;
        }
    }
}

int adhoc_config(const char *const *dests, size_t n, opsdeck_config *cfg, config_problems *problems)
{
    memset(cfg, 0, sizeof(*cfg));
    size_t cap = 128 + n * 600;
    char *text = malloc(cap);
    if (!text)
        return -1;
    size_t len = (size_t)snprintf(text, cap, "[env adhoc]\nconfirm = typed\n");
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        /* one line of INI each: nothing that could end it or start another */
        if (!*dests[i] || strlen(dests[i]) > 400 || strpbrk(dests[i], " \t\r\n;#=")) {
            config_problem_add(problems, ADHOC_NAME, 0,
                               "'%s': expected [user@]host[:port] or an ~/.ssh/config alias",
                               dests[i]);
            bad = 1;
            continue;
        }
        char name[256];
        host_name(dests[i], i, dests, name, sizeof(name));
        len += (size_t)snprintf(text + len, cap - len, "[host %s]\nenv = adhoc\nssh = %s\n", name,
                                dests[i]);
    }
    int rc = config_load_text(ADHOC_NAME, text, cfg, problems);
    free(text);
    return rc < 0 || bad ? -1 : 0;
}
