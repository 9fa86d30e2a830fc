/* Opening a host's Redis on the loop (see redis_open.h). */
#include "opsdeck/net/redis_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/net/redis_loop.h"

#define PASSWORD_MAX 512

/* The password, or "" for none; -1 when the file cannot be used. */
static int read_password(const char *path, char *buf, size_t size, char *err, size_t errsize)
{
    buf[0] = '\0';
    if (!path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        snprintf(err, errsize, "redis_password_file %.200s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (sb.st_mode & 077) {
        close(fd);
        snprintf(err, errsize, "redis_password_file %.200s can be read by others: chmod 600 it",
                 path);
        return -1;
    }
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errsize, "redis_password_file %.200s: %s", path, strerror(errno));
        return -1;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* redis = HOST:PORT, [V6]:PORT or HOST. */
static void split_address(const char *value, char *host, size_t hostsize, int *port)
{
    *port = 6379;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        size_t hlen = close ? (size_t)(close - value - 1) : strlen(value + 1);
        snprintf(host, hostsize, "%.*s", (int)hlen, value + 1);
        if (close && close[1] == ':')
            *port = atoi(close + 2);
        return;
    }
    const char *colon = strrchr(value, ':');
    snprintf(host, hostsize, "%.*s", colon ? (int)(colon - value) : (int)strlen(value), value);
    if (colon)
        *port = atoi(colon + 1);
}

redisAsyncContext *redis_open(loop_t *loop, transport_t *t, const host_config *hc,
                              redisCallbackFn *setup, void *data, char *where, size_t wheresize,
                              char *err, size_t errsize)
{
    char password[PASSWORD_MAX];
    if (read_password(hc->redis_password_file, password, sizeof(password), err, errsize) < 0)
        return NULL;
    char host[256];
    int port;
    split_address(hc->redis, host, sizeof(host), &port);
    redisAsyncContext *ac;
    if (transport_is_local(t)) {
        snprintf(where, wheresize, "%s:%d", host, port);
        ac = redisAsyncConnect(host, port);
    } else {
        snprintf(where, wheresize, "%s:%d via ssh", host, port);
        char name[300];
        snprintf(name, sizeof(name), "redis-%s-%d.sock", host, port);
        const char *socket = transport_tunnel(t, host, port, name);
        if (!socket) {
            snprintf(err, errsize, "redis: no tunnel: %s", transport_error(t));
            memset(password, 0, sizeof(password));
            return NULL;
        }
        ac = redisAsyncConnectUnix(socket);
    }
    if (!ac || ac->err) {
        snprintf(err, errsize, "redis: %s", ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        memset(password, 0, sizeof(password));
        return NULL;
    }
    if (redis_loop_attach(ac, loop) < 0) {
        redisAsyncFree(ac);
        snprintf(err, errsize, "redis: cannot watch the connection");
        memset(password, 0, sizeof(password));
        return NULL;
    }
    ac->data = data;
    /* commands queue until the connection is up: one round trip for all */
    if (password[0])
        redisAsyncCommand(ac, setup, "AUTH", "AUTH %s", password);
    memset(password, 0, sizeof(password));
    redisAsyncCommand(ac, setup, "SELECT", "SELECT %d", hc->redis_db);
    return ac;
}

bool redis_tunnel_refused(const transport_t *t, const host_config *hc, int64_t since_ms, char *why,
                          size_t size)
{
    char host[256];
    int port;
    split_address(hc->redis, host, sizeof(host), &port);
    return transport_tunnel_refused(t, host, port, since_ms, why, size);
}
