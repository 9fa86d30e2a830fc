/* From a libpq conninfo to the connection pg_client makes (see
 * pg_conninfo.h). */
#include "opsdeck/net/pg_conninfo.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_conninfo_target(const char *conninfo, char *out, size_t size)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        PQfreemem(err);
        return -1;
    }
    const char *host = NULL, *hostaddr = NULL, *port = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (!strcmp(o->keyword, "host"))
            host = o->val;
        else if (!strcmp(o->keyword, "hostaddr"))
            hostaddr = o->val;
        else if (!strcmp(o->keyword, "port"))
            port = o->val;
    }
    snprintf(out, size, "%s:%s",
             hostaddr ? hostaddr
             : host   ? host
                      : "localhost",
             port ? port : "5432");
    PQconninfoFree(opts);
    return 0;
}

void pg_conninfo_split_target(const char *target, char *host, size_t hostsize, int *port)
{
    const char *colon = strrchr(target, ':');
    snprintf(host, hostsize, "%.*s", colon ? (int)(colon - target) : (int)strlen(target), target);
    *port = colon ? atoi(colon + 1) : 5432;
}

static int add(const char **keys, const char **values, size_t *n, size_t max, const char *k,
               const char *v)
{
    if (*n + 1 >= max)
        return -1;
    keys[*n] = strdup(k);
    values[*n] = strdup(v);
    (*n)++;
    keys[*n] = values[*n] = NULL;
    return 0;
}

int pg_conninfo_params(const char *conninfo, const char *socket_dir, bool read_only,
                       int statement_timeout_ms, char *options, size_t options_size,
                       const char *connect_timeout, const char **keys, const char **values,
                       size_t max)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        PQfreemem(err);
        return -1;
    }
    size_t n = 0;
    keys[0] = values[0] = NULL;
    const char *user_options = "";
    int port = 5432;
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) {
        if (!o->val || !*o->val)
            continue;
        if (!strcmp(o->keyword, "options"))
            user_options = o->val;
        else if (!strcmp(o->keyword, "port"))
            port = atoi(o->val);
        else if (socket_dir && (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "hostaddr")))
            continue; /* the tunnel's socket stands for them */
        else if (strcmp(o->keyword, "application_name") && strcmp(o->keyword, "connect_timeout"))
            rc = add(keys, values, &n, max, o->keyword, o->val);
    }
    char port_text[16];
    snprintf(port_text, sizeof(port_text), "%d", port);
    /* no statement waits forever; a monitoring session never changes anything */
    snprintf(options, options_size, "%s%s-c statement_timeout=%d%s", user_options,
             *user_options ? " " : "", statement_timeout_ms,
             read_only ? " -c default_transaction_read_only=on" : "");
    if (rc == 0 && socket_dir)
        rc = add(keys, values, &n, max, "host", socket_dir);
    if (rc == 0)
        rc = add(keys, values, &n, max, "port", port_text);
    if (rc == 0)
        rc = add(keys, values, &n, max, "options", options);
    if (rc == 0)
        rc = add(keys, values, &n, max, "application_name", "opsdeck");
    if (rc == 0)
        rc = add(keys, values, &n, max, "connect_timeout", connect_timeout);
    PQconninfoFree(opts);
    if (rc < 0)
        pg_conninfo_free_params(keys, values);
    return rc;
}

void pg_conninfo_free_params(const char **keys, const char **values)
{
    for (size_t i = 0; keys[i]; i++) {
        free((void *)keys[i]);
        free((void *)values[i]);
        keys[i] = values[i] = NULL;
    }
}
