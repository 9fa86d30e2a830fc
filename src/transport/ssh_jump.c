/* ProxyJump: a host behind a jump host (`jump =`, or ProxyJump in
 * ~/.ssh/config; a chain "a,b" too).
 *
 * The jump host is a transport of its own, made on first use and shared by
 * every host behind it (same chain, same keys). A host behind it asks it for
 * a direct-tcpip channel to its sshd; the channel's near end is one end of a
 * socketpair, pumped by the jump host's tunnel code through bounded buffers,
 * and the host's own libssh2 session runs over the other end as it would
 * over TCP. Its host key, its authentication, everything after, is the
 * host's own: the jump host only carries bytes.
 *
 * The jump host's host key is checked like any host's; its questions (an
 * unknown key, a passphrase) are asked through a host waiting on it. When it
 * goes down, the hosts behind it go down with its reason; when it comes back
 * they reconnect at once instead of waiting out their own backoff. A chain
 * "a,b" is b reached through a: the same code, one level up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_internal.h"

#define JUMP_DEPTH_MAX 8 /* jump hosts behind jump hosts, loops included */

struct bastion {
    loop_t *loop;
    char *key; /* what makes two hosts' jump hosts one: chain, keys, mode */
    int depth; /* 1 for a host's jump host, 2 for that one's, ... */
    host_config hc;
    transport_t *t;
    transport_t **users;
    size_t nusers, cap;
    struct bastion *next;
};

static struct bastion *bastions;

static struct bastion *bastion_of_transport(const transport_t *t)
{
    for (struct bastion *b = bastions; b; b = b->next)
        if (b->t == t)
            return b;
    return NULL;
}

static void on_pipe_closed(void *arg, const char *why)
{
    transport_t *t = arg;
    t->jump_pipe = NULL;
    if (why && *why)
        snprintf(t->jump_why, sizeof(t->jump_why), "%s", why);
    /* the session sees its socket end and fails; ssh_jump_explain() says why */
}

static void open_pipe(transport_t *t)
{
    struct bastion *b = t->bastion;
    int fd = -1;
    t->jump_pipe =
        ssh_tunnel_pipe(b->t, t->host->ssh_host, t->host->ssh_port, &fd, on_pipe_closed, t);
    if (!t->jump_pipe) {
        ssh_fail(t, true, "cannot open a channel through %s: out of memory or descriptors",
                 b->hc.name);
        return;
    }
    ssh_start_over(t, fd);
}

static void on_bastion_state(transport_t *bt, void *arg)
{
    struct bastion *b = arg;
    transport_state st = transport_get_state(bt);
    for (size_t i = 0; i < b->nusers; i++) {
        transport_t *u = b->users[i];
        if (st == TRANSPORT_UP) {
            if (u->phase == SSH_JUMP)
                open_pipe(u);
            else if (u->state == TRANSPORT_DOWN && u->reconnect_timer && !u->no_retry)
                ssh_reconnect_now(u); /* the jump host is back: so are they */
        } else if (st == TRANSPORT_DOWN && u->phase != SSH_NONE) {
            ssh_fail(u, !bt->no_retry, "the jump host failed"); /* explained */
        }
    }
}

/* The jump host's questions go to a host waiting on it: the console knows
 * only the hosts of the config. None can ask: the answer is no. */
static transport_t *asker(struct bastion *b, bool hostkey)
{
    for (size_t i = 0; i < b->nusers; i++) {
        transport_t *u = b->users[i];
        if (u->phase == SSH_JUMP && !u->asking &&
            (hostkey ? u->events.hostkey_unknown != NULL : u->events.passphrase_needed != NULL))
            return u;
    }
    return NULL;
}

static void on_bastion_hostkey(transport_t *bt, const char *host, const char *keytype,
                               const char *fingerprint, void *arg)
{
    transport_t *u = asker(arg, true);
    if (!u) {
        ssh_hostkey_answer(bt, false);
        return;
    }
    u->asking = bt;
    transport_set_state(u, TRANSPORT_WAITING);
    u->events.hostkey_unknown(u, host, keytype, fingerprint, u->arg);
}

static void on_bastion_passphrase(transport_t *bt, const char *identity, void *arg)
{
    transport_t *u = asker(arg, false);
    if (!u) {
        ssh_passphrase(bt, NULL);
        return;
    }
    u->asking = bt;
    transport_set_state(u, TRANSPORT_WAITING);
    u->events.passphrase_needed(u, identity, u->arg);
}

static const transport_events bastion_events = {
    .state_changed = on_bastion_state,
    .hostkey_unknown = on_bastion_hostkey,
    .passphrase_needed = on_bastion_passphrase,
};

/* Does b's chain lead back to t? */
static bool leads_to(const struct bastion *b, const transport_t *t)
{
    for (int n = 0; b && n <= JUMP_DEPTH_MAX; b = b->t->bastion, n++)
        if (b->t == t)
            return true;
    return false;
}

static bool add_user(struct bastion *b, transport_t *t)
{
    if (b->nusers == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4;
        transport_t **users = realloc(b->users, cap * sizeof(*users));
        if (!users)
            return false;
        b->users = users;
        b->cap = cap;
    }
    b->users[b->nusers++] = t;
    return true;
}

static void bastion_free(struct bastion *b)
{
    for (struct bastion **p = &bastions; *p; p = &(*p)->next) {
        if (*p == b) {
            *p = b->next;
            break;
        }
    }
    transport_free(b->t);
    config_host_free(&b->hc);
    free(b->users);
    free(b->key);
    free(b);
}

static struct bastion *bastion_new(transport_t *t, const char *key, int depth, char *err,
                                   size_t errsize)
{
    struct bastion *b = calloc(1, sizeof(*b));
    if (!b || !(b->key = strdup(key))) {
        free(b);
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    b->loop = t->loop;
    b->depth = depth;
    if (!config_jump_host(t->host, t->host->jump, &b->hc, err, errsize)) {
        free(b->key);
        free(b);
        return NULL;
    }
    b->t = transport_new(t->loop, &b->hc, &t->opts, &bastion_events, b);
    if (!b->t) {
        config_host_free(&b->hc);
        free(b->key);
        free(b);
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    b->next = bastions;
    bastions = b;
    return b;
}

static struct bastion *bastion_get(transport_t *t, char *err, size_t errsize)
{
    const struct bastion *mine = bastion_of_transport(t);
    int depth = mine ? mine->depth + 1 : 1;
    if (depth > JUMP_DEPTH_MAX) {
        snprintf(err, errsize, "more than %d jump hosts in a row (do they loop?)", JUMP_DEPTH_MAX);
        return NULL;
    }
    char key[2200];
    snprintf(key, sizeof(key), "%s\n%s\n%s\n%d", t->host->jump,
             t->host->known_hosts ? t->host->known_hosts : "",
             t->host->identity ? t->host->identity : "", t->opts.interactive);
    struct bastion *b = NULL;
    for (b = bastions; b; b = b->next)
        if (b->loop == t->loop && strcmp(b->key, key) == 0)
            break;
    if (b && leads_to(b, t)) {
        snprintf(err, errsize, "the jump hosts loop back to %s", t->host->name);
        return NULL;
    }
    if (!b && !(b = bastion_new(t, key, depth, err, errsize)))
        return NULL;
    if (!add_user(b, t)) {
        if (!b->nusers)
            bastion_free(b);
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    return b;
}

void ssh_jump_start(transport_t *t)
{
    if (!t->bastion) {
        char err[300];
        t->bastion = bastion_get(t, err, sizeof(err));
        if (!t->bastion) {
            ssh_fail(t, false, "jump = %s: %s", t->host->jump, err);
            return;
        }
    }
    transport_t *bt = t->bastion->t;
    t->phase = SSH_JUMP;
    switch (transport_get_state(bt)) {
    case TRANSPORT_UP:
        open_pipe(t);
        return;
    case TRANSPORT_DOWN:
        /* down and waiting out its backoff (or for good): so is this host */
        if (bt->no_retry || bt->reconnect_timer || !bt->opts.interactive) {
            ssh_fail(t, !bt->no_retry, "the jump host is down"); /* explained */
            return;
        }
        transport_start(bt);
        return;
    case TRANSPORT_IDLE:
        transport_start(bt);
        return;
    default:
        return; /* connecting or asking: its state change brings this host on */
    }
}

void ssh_jump_detach(transport_t *t)
{
    if (t->jump_pipe)
        ssh_tunnel_pipe_detach(t->jump_pipe);
    t->jump_pipe = NULL;
}

void ssh_jump_release(transport_t *t)
{
    struct bastion *b = t->bastion;
    if (!b)
        return;
    t->bastion = NULL;
    for (size_t i = 0; i < b->nusers; i++) {
        if (b->users[i] == t) {
            b->users[i] = b->users[--b->nusers];
            break;
        }
    }
    if (!b->nusers)
        bastion_free(b);
}

bool ssh_jump_explain(transport_t *t, char *msg, size_t size, bool retry)
{
    const struct bastion *b = t->bastion;
    if (!b)
        return retry;
    const transport_t *bt = b->t;
    if (bt->state == TRANSPORT_DOWN && bt->reason[0]) {
        snprintf(msg, size, "through %s: %s", b->hc.name, bt->reason);
        return retry && !bt->no_retry;
    }
    if (t->jump_why[0])
        snprintf(msg, size, "%s", t->jump_why);
    return retry;
}

const char *transport_asking_for(const transport_t *t)
{
    const struct bastion *b = t->asking ? bastion_of_transport(t->asking) : NULL;
    return b ? b->hc.name : NULL;
}
