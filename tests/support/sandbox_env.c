#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/sandbox_env.h"

static char env_text[16384];

int sandbox_load(void **state)
{
    (void)state;
    const char *dir = getenv("SANDBOX_DIR");
    if (!dir) {
        fprintf(stderr, "SANDBOX_DIR is not set: run through tests/run.sh integration\n");
        return -1;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/sandbox.env", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    size_t n = fread(env_text, 1, sizeof(env_text) - 1, f);
    env_text[n] = '\0';
    fclose(f);
    return 0;
}

const char *sbx(const char *key)
{
    static char values[32][512];
    static int next;
    size_t klen = strlen(key);
    for (const char *p = env_text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            char *v = values[next++ % 32];
            const char *s = p + klen + 1;
            size_t vlen = n - klen - 1;
            if (vlen >= 2 && s[0] == '"' && s[vlen - 1] == '"') {
                s++;
                vlen -= 2;
            }
            snprintf(v, 512, "%.*s", (int)vlen, s);
            return v;
        }
        p += n + (nl ? 1 : 0);
    }
    fail_msg("sandbox.env has no %s", key);
    return NULL;
}

typedef struct host_strings {
    char name[64], user[64], addr[64], key[512], known[512], docker[512];
} host_strings;

void sandbox_host(host_config *hc, const char *which)
{
    static host_strings sets[3];
    memset(hc, 0, sizeof(*hc));
    hc->env = (char *)"staging";
    if (strcmp(which, "local") == 0) {
        host_strings *s = &sets[2];
        snprintf(s->docker, sizeof(s->docker), "%s", sbx("SBX_STAGING_DOCKER"));
        hc->name = (char *)"local";
        hc->docker = s->docker;
        return;
    }
    int prod = strcmp(which, "production") == 0;
    host_strings *s = &sets[prod];
    const char *H = prod ? "PRODUCTION" : "STAGING";
    char k[64];
#define GET(field, suffix)                                                                         \
    do {                                                                                           \
        snprintf(k, sizeof(k), "SBX_%s_%s", H, suffix);                                            \
        snprintf(s->field, sizeof(s->field), "%s", sbx(k));                                        \
    } while (0)
    GET(name, "NAME");
    GET(addr, "ADDR");
    GET(docker, "DOCKER");
#undef GET
    snprintf(k, sizeof(k), "SBX_%s_SSH_PORT", H);
    hc->ssh_port = atoi(sbx(k));
    snprintf(s->user, sizeof(s->user), "%s", sbx("SBX_USER"));
    snprintf(s->key, sizeof(s->key), "%s", sbx("SBX_KEY"));
    snprintf(s->known, sizeof(s->known), "%s", sbx("SBX_KNOWN_HOSTS"));
    hc->env = prod ? (char *)"production" : (char *)"staging";
    hc->name = s->name;
    hc->ssh = s->addr;
    hc->ssh_host = s->addr;
    hc->ssh_user = s->user;
    hc->identity = s->key;
    hc->known_hosts = s->known;
    hc->docker = s->docker;
}
