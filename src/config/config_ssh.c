/* `ssh =` of a host: [user@]host[:port], [user@][v6addr]:port, or a Host
 * alias of ~/.ssh/config (HostName, User, Port, IdentityFile, ProxyJump),
 * with OpenSSH's rule that the first value found wins and what the line
 * itself says wins over the file. */
#include <ctype.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_internal.h"

#define SSH_CONFIG_LINE_MAX 1024
#define SSH_CONFIG_LINES    10000 /* a bound on what we read */

typedef struct ssh_alias {
    char *hostname, *user, *identity, *jump;
    int port;
} ssh_alias;

static void take(char **field, const char *value)
{
    if (!*field)
        *field = strdup(value);
}

/* Does any pattern of a "Host p1 p2 !p3" line match name? */
static bool host_line_matches(char *patterns, const char *name)
{
    bool matched = false;
    for (char *save, *p = strtok_r(patterns, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
        bool negate = *p == '!';
        if (fnmatch(negate ? p + 1 : p, name, 0) == 0) {
            if (negate)
                return false;
            matched = true;
        }
    }
    return matched;
}

static void apply_option(ssh_alias *a, const char *key, const char *value)
{
    if (!strcasecmp(key, "HostName"))
        take(&a->hostname, value);
    else if (!strcasecmp(key, "User"))
        take(&a->user, value);
    else if (!strcasecmp(key, "IdentityFile"))
        take(&a->identity, value);
    else if (!strcasecmp(key, "ProxyJump") && strcasecmp(value, "none"))
        take(&a->jump, value);
    else if (!strcasecmp(key, "Port") && !a->port)
        a->port = atoi(value);
}

/* Reads the options that apply to name from the user's ssh config. */
static void read_ssh_config(const char *name, ssh_alias *a)
{
    const char *path = getenv("OPSDECK_SSH_CONFIG");
    char buf[4096];
    if (!path) {
        snprintf(buf, sizeof(buf), "%s/.ssh/config", getenv("HOME") ? getenv("HOME") : "");
        path = buf;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[SSH_CONFIG_LINE_MAX];
    bool active = true; /* options before any Host line apply to all */
    for (int n = 0; n < SSH_CONFIG_LINES && fgets(line, sizeof(line), f); n++) {
        line[strcspn(line, "\r\n#")] = '\0';
        char *key = line + strspn(line, " \t");
        size_t klen = strcspn(key, " \t=");
        if (!klen)
            continue;
        char *value = key + klen;
        value += strspn(value, " \t=");
        key[klen] = '\0';
        for (size_t vl = strlen(value); vl && isspace((unsigned char)value[vl - 1]); vl--)
            value[vl - 1] = '\0';
        if (!strcasecmp(key, "Host"))
            active = host_line_matches(value, name);
        else if (!strcasecmp(key, "Match"))
            active = false; /* Match blocks are not understood: ignore them */
        else if (active && *value)
            apply_option(a, key, value);
    }
    fclose(f);
}

static char *default_user(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return strdup(u);
    struct passwd *pw = getpwuid(getuid());
    return strdup(pw && pw->pw_name ? pw->pw_name : "root");
}

/* Splits [user@]host[:port] / [user@][v6]:port. */
static bool split_target(const char *value, char *user, char *host, int *port, char *err,
                         size_t errsize)
{
    const char *at = strrchr(value, '@');
    const char *rest = at ? at + 1 : value;
    user[0] = '\0';
    if (at)
        snprintf(user, 256, "%.*s", (int)(at - value), value);
    const char *port_text = NULL;
    if (*rest == '[') {
        const char *close = strchr(rest, ']');
        if (!close) {
            snprintf(err, errsize, "unterminated [address]");
            return false;
        }
        snprintf(host, 256, "%.*s", (int)(close - rest - 1), rest + 1);
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1]) {
            snprintf(err, errsize, "unexpected text after ]");
            return false;
        }
    } else {
        const char *colon = strchr(rest, ':');
        snprintf(host, 256, "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest), rest);
        port_text = colon ? colon + 1 : NULL;
    }
    if (!*host || (at && !*user)) {
        snprintf(err, errsize, "expected [user@]host[:port]");
        return false;
    }
    *port = 0;
    if (port_text) {
        char *end;
        long p = strtol(port_text, &end, 10);
        if (end == port_text || *end || p < 1 || p > 65535) {
            snprintf(err, errsize, "the port must be a number from 1 to 65535");
            return false;
        }
        *port = (int)p;
    }
    return true;
}

bool config_resolve_ssh(host_config *h, char *err, size_t errsize)
{
    char user[256], host[256];
    int port;
    if (!split_target(h->ssh, user, host, &port, err, errsize))
        return false;
    ssh_alias a = {0};
    read_ssh_config(host, &a);
    free(h->ssh_user);
    free(h->ssh_host);
    h->ssh_user = *user ? strdup(user) : a.user ? strdup(a.user) : default_user();
    h->ssh_host = strdup(a.hostname ? a.hostname : host);
    h->ssh_port = port ? port : a.port > 0 && a.port <= 65535 ? a.port : 22;
    /* the config file's own identity and jump lines win over ~/.ssh/config */
    if (!h->identity && a.identity)
        h->identity = config_expand_tilde(a.identity);
    if (!h->jump && a.jump)
        h->jump = strdup(a.jump);
    free(a.hostname);
    free(a.user);
    free(a.identity);
    free(a.jump);
    return true;
}

#define JUMP_CHAIN_MAX 8 /* hops in one ProxyJump line */

bool config_jump_valid(const char *chain, char *err, size_t errsize)
{
    char copy[1024], user[256], host[256], why[200];
    int port, hops = 0;
    if (strlen(chain) >= sizeof(copy)) {
        snprintf(err, errsize, "too long");
        return false;
    }
    snprintf(copy, sizeof(copy), "%s", chain);
    for (char *save, *hop = strtok_r(copy, ",", &save); hop; hop = strtok_r(NULL, ",", &save)) {
        hop += strspn(hop, " \t");
        if (++hops > JUMP_CHAIN_MAX) {
            snprintf(err, errsize, "more than %d jump hosts", JUMP_CHAIN_MAX);
            return false;
        }
        if (!split_target(hop, user, host, &port, why, sizeof(why))) {
            snprintf(err, errsize, "%s: %s", hop, why);
            return false;
        }
    }
    if (!hops) {
        snprintf(err, errsize, "expected [user@]host[:port], or several separated by commas");
        return false;
    }
    return true;
}

bool config_jump_host(const host_config *target, const char *chain, host_config *out, char *err,
                      size_t errsize)
{
    memset(out, 0, sizeof(*out));
    if (!config_jump_valid(chain, err, errsize))
        return false;
    const char *comma = strrchr(chain, ',');
    const char *hop = comma ? comma + 1 : chain;
    hop += strspn(hop, " \t");
    out->name = strdup(hop);
    out->env = strdup(target->env ? target->env : "");
    out->ssh = strdup(hop);
    if (comma)
        out->jump = strndup(chain, (size_t)(comma - chain));
    out->known_hosts = target->known_hosts ? strdup(target->known_hosts) : NULL;
    if (!config_resolve_ssh(out, err, errsize)) {
        config_host_free(out);
        return false;
    }
    /* the key that opens the target most likely opens its bastion too */
    if (!out->identity && target->identity)
        out->identity = strdup(target->identity);
    return true;
}
