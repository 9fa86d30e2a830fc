/* Authentication: the ssh-agent's keys first, then the identity file (the
 * host's `identity =`, or ~/.ssh/id_ed25519, id_ecdsa, id_rsa). An encrypted
 * key needs its passphrase: the console asks for it (passphrase_needed);
 * --once cannot ask anyone and says so. No passwords, no keyboard-interactive:
 * an unattended console must never type secrets into a prompt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport_internal.h"

static const char *const default_keys[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
#define NDEFAULT_KEYS (int)(sizeof(default_keys) / sizeof(default_keys[0]))

void ssh_auth_reset(transport_t *t)
{
    if (t->agent) {
        libssh2_agent_disconnect(t->agent);
        libssh2_agent_free(t->agent);
    }
    t->agent = NULL;
    t->agent_identity = NULL;
    t->agent_tried = false;
    t->keyfile_index = 0;
    t->identity[0] = '\0';
    t->tried[0] = '\0';
    /* the passphrase stays: a reconnect must not ask the person again */
}

static void note_tried(transport_t *t, const char *what)
{
    size_t len = strlen(t->tried);
    snprintf(t->tried + len, sizeof(t->tried) - len, "%s%s", len ? ", " : "", what);
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes the start of a base64 body, skipping line breaks; returns bytes. */
static size_t b64_decode_prefix(const char *in, unsigned char *out, size_t cap)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '-' && n < cap; in++) {
        int v = b64_value((unsigned char)*in);
        if (v < 0)
            continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* Whether a private key file needs a passphrase: the OpenSSH format names
 * its cipher ("none" when plain); PEM says ENCRYPTED in a header. */
static bool key_is_encrypted(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char text[4096];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    if (strstr(text, "ENCRYPTED"))
        return true;
    const char *begin = strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----");
    if (!begin)
        return false;
    const char *body = strchr(begin, '\n');
    if (!body)
        return false;
    unsigned char raw[64];
    size_t n = b64_decode_prefix(body, raw, sizeof(raw));
    static const char magic[] = "openssh-key-v1"; /* then NUL, then string ciphername */
    size_t at = sizeof(magic);
    if (n < at + 4 || memcmp(raw, magic, sizeof(magic)) != 0)
        return false;
    size_t clen =
        (size_t)raw[at] << 24 | (size_t)raw[at + 1] << 16 | (size_t)raw[at + 2] << 8 | raw[at + 3];
    at += 4;
    return !(clen == 4 && n >= at + 4 && memcmp(raw + at, "none", 4) == 0);
}

/* 1 authenticated, 0 in progress, -1 the agent has nothing (more) to offer */
static int agent_step(transport_t *t)
{
    const char *user = t->host->ssh_user;
    if (!t->agent_tried) {
        t->agent_tried = true;
        const char *sock = getenv("SSH_AUTH_SOCK");
        if (!sock || !*sock)
            return -1;
        /* the agent is a local Unix socket: libssh2 talks to it blocking,
         * which costs microseconds, never the network */
        t->agent = libssh2_agent_init(t->session);
        if (!t->agent || libssh2_agent_connect(t->agent) != 0 ||
            libssh2_agent_list_identities(t->agent) != 0 ||
            libssh2_agent_get_identity(t->agent, &t->agent_identity, NULL) != 0) {
            note_tried(t, "ssh-agent (no keys)");
            t->agent_identity = NULL;
            return -1;
        }
        note_tried(t, "ssh-agent");
    }
    while (t->agent_identity) {
        int rc = libssh2_agent_userauth(t->agent, user, t->agent_identity);
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return 0;
        if (rc == 0)
            return 1;
        if (ssh_error_is_fatal(rc))
            return -2;
        if (libssh2_agent_get_identity(t->agent, &t->agent_identity, t->agent_identity) != 0)
            t->agent_identity = NULL;
    }
    return -1;
}

/* The next identity file to try into t->identity; false when none is left. */
static bool next_keyfile(transport_t *t)
{
    if (t->host->identity) {
        if (t->keyfile_index++ > 0)
            return false;
        snprintf(t->identity, sizeof(t->identity), "%s", t->host->identity);
        if (access(t->identity, R_OK) != 0) {
            char what[1100];
            snprintf(what, sizeof(what), "%s (%s)", t->identity, strerror(errno));
            note_tried(t, what);
            return false;
        }
        return true;
    }
    const char *home = getenv("HOME");
    while (home && t->keyfile_index < NDEFAULT_KEYS) {
        snprintf(t->identity, sizeof(t->identity), "%s/.ssh/%s", home,
                 default_keys[t->keyfile_index++]);
        if (access(t->identity, R_OK) == 0)
            return true;
    }
    t->identity[0] = '\0';
    return false;
}

static void ask_passphrase(transport_t *t)
{
    t->phase = SSH_AUTH_PASSPHRASE;
    if (t->connect_timer)
        loop_timer_cancel(t->loop, t->connect_timer);
    t->connect_timer = 0;
    loop_unwatch(t->loop, t->fd); /* nothing to do on the socket until the answer */
    transport_set_state(t, TRANSPORT_WAITING);
    if (t->events.passphrase_needed)
        t->events.passphrase_needed(t, t->identity, t->arg);
}

/* 1 authenticated, 0 in progress or waiting, -1 failed (the session too) */
static int keyfile_step(transport_t *t)
{
    const char *user = t->host->ssh_user;
    for (;;) {
        if (!t->identity[0]) {
            if (!next_keyfile(t))
                return -1;
            if (key_is_encrypted(t->identity) && !t->passphrase_given) {
                if (!t->opts.interactive) {
                    ssh_fail(t, false,
                             "the key %s is encrypted and --once cannot ask for its "
                             "passphrase: load it into ssh-agent, or start the console",
                             t->identity);
                    return -1;
                }
                ask_passphrase(t);
                return 0;
            }
        }
        const char *pass = t->passphrase_given ? t->passphrase : NULL;
        int rc = libssh2_userauth_publickey_fromfile_ex(t->session, user, (unsigned)strlen(user),
                                                        NULL, t->identity, pass);
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return 0;
        if (rc == 0)
            return 1;
        if (ssh_error_is_fatal(rc)) {
            ssh_fail(t, true, "connection lost while authenticating (%s)", t->where);
            return -1;
        }
        if (rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
            /* the key could not be read: with a passphrase, it was wrong */
            if (t->passphrase_given && key_is_encrypted(t->identity)) {
                explicit_bzero(t->passphrase, sizeof(t->passphrase));
                t->passphrase_given = false;
                if (t->opts.interactive) {
                    ask_passphrase(t);
                    return 0;
                }
                ssh_fail(t, false, "wrong passphrase for %s", t->identity);
                return -1;
            }
            char what[1100];
            snprintf(what, sizeof(what), "%s (unreadable key)", t->identity);
            note_tried(t, what);
        } else {
            note_tried(t, t->identity);
        }
        t->identity[0] = '\0';
    }
}

int ssh_auth_step(transport_t *t)
{
    if (t->phase == SSH_AUTH_AGENT) {
        int rc = agent_step(t);
        if (rc == -2) {
            ssh_fail(t, true, "connection lost while authenticating (%s)", t->where);
            return -1;
        }
        if (rc >= 0)
            return rc;
        t->phase = SSH_AUTH_KEY;
    }
    int rc = keyfile_step(t);
    if (rc == -1 && t->phase == SSH_AUTH_KEY && t->session) {
        const char *what = t->tried[0] ? t->tried : "no key: no ssh-agent, no ~/.ssh/id_* file";
        /* a refused key will be refused again: no reconnect storm against
         * the host's fail2ban */
        ssh_fail(t, false, "%s@%s: authentication refused (tried %s)", t->host->ssh_user, t->where,
                 what);
    }
    return rc;
}
