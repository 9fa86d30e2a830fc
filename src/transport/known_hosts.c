/* Host keys against known_hosts, as OpenSSH writes it ("[host]:port" for a
 * port other than 22, hashed names too). A changed key is refused always and
 * loudly; an unknown one is refused in --once (the error carries its SHA256
 * fingerprint, as ssh-keygen -lf prints it) and, in the console, accepted
 * only by an explicit answer, then appended to the file. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport_internal.h"

typedef struct key_kind {
    int hostkey_type; /* LIBSSH2_HOSTKEY_TYPE_* */
    int knownhost_bit;
    const char *name;
} key_kind;

static const key_kind kinds[] = {
    {LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"},
    {LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"},
    {LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss"},
};

static const key_kind *kind_of(int hostkey_type)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kinds[i].hostkey_type == hostkey_type)
            return &kinds[i];
    return NULL;
}

void known_hosts_fingerprint(const unsigned char *key, size_t len, char *out, size_t size)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(key, len, digest, &n, EVP_sha256(), NULL);
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int blen = EVP_EncodeBlock(b64, digest, (int)n);
    while (blen > 0 && b64[blen - 1] == '=') /* OpenSSH prints it unpadded */
        b64[--blen] = '\0';
    snprintf(out, size, "SHA256:%s", (const char *)b64);
}

/* The name known_hosts files it under */
static void entry_name(const transport_t *t, char *out, size_t size)
{
    if (t->host->ssh_port == 22)
        snprintf(out, size, "%s", t->host->ssh_host);
    else
        snprintf(out, size, "[%s]:%d", t->host->ssh_host, t->host->ssh_port);
}

/* Reads the file line by line: libssh2_knownhost_readfile() stops at the
 * first line it cannot parse (a key type it does not know, a marker), which
 * would hide every key after it. Returns false when the file exists but
 * cannot be read. */
static bool read_known_hosts(LIBSSH2_KNOWNHOSTS *kh, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT;
    char line[16384];
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '@' || line[0] == '\n')
            continue;
        libssh2_knownhost_readline(kh, line, strlen(line), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
    }
    fclose(f);
    return true;
}

int known_hosts_check(transport_t *t)
{
    size_t len = 0;
    int type = 0;
    const char *key = libssh2_session_hostkey(t->session, &len, &type);
    const key_kind *kind = key ? kind_of(type) : NULL;
    if (!kind) {
        ssh_fail(t, false, "%s offered no host key opsdeck can check", t->where);
        return -1;
    }
    char fp[128];
    known_hosts_fingerprint((const unsigned char *)key, len, fp, sizeof(fp));
    const char *file = t->host->known_hosts;
    LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(t->session);
    if (!kh || !read_known_hosts(kh, file)) {
        if (kh)
            libssh2_knownhost_free(kh);
        ssh_fail(t, false, "cannot read %s: %s", file, strerror(errno));
        return -1;
    }
    struct libssh2_knownhost *found = NULL;
    int check = libssh2_knownhost_checkp(
        kh, t->host->ssh_host, t->host->ssh_port, key, len,
        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kind->knownhost_bit, &found);
    libssh2_knownhost_free(kh);
    char name[300];
    entry_name(t, name, sizeof(name));
    switch (check) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
        return 1;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        ssh_fail(t, false,
                 "HOST KEY CHANGED for %s: it now offers %s %s, which is not the key in %s. "
                 "Refusing to connect: this may be someone in the middle. If the change is "
                 "known, remove the old key (ssh-keygen -R '%s' -f %s) and connect again",
                 name, kind->name, fp, file, name, file);
        return -1;
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        break;
    default:
        ssh_fail(t, false, "cannot check the host key of %s against %s", name, file);
        return -1;
    }
    if (!t->opts.interactive) {
        ssh_fail(t, false,
                 "unknown host key for %s: %s %s is not in %s; check the fingerprint and "
                 "add it (or accept it in the console)",
                 name, kind->name, fp, file);
        return -1;
    }
    free(t->pending_key);
    t->pending_key = malloc(len);
    if (!t->pending_key) {
        ssh_fail(t, true, "out of memory");
        return -1;
    }
    memcpy(t->pending_key, key, len);
    t->pending_key_len = len;
    t->pending_key_type = type;
    t->phase = SSH_HOSTKEY;
    /* a person is deciding: no connect timeout, and the socket is left
     * alone (if the server gives up meanwhile, the reconnect finds the key
     * accepted) */
    if (t->connect_timer)
        loop_timer_cancel(t->loop, t->connect_timer);
    t->connect_timer = 0;
    loop_unwatch(t->loop, t->fd);
    transport_set_state(t, TRANSPORT_WAITING);
    if (t->events.hostkey_unknown)
        t->events.hostkey_unknown(t, name, kind->name, fp, t->arg);
    return 0;
}

static int ensure_parent_dir(const char *file, char *err, size_t errsize)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errsize, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int known_hosts_add(transport_t *t, char *err, size_t errsize)
{
    const key_kind *kind = kind_of(t->pending_key_type);
    if (!t->pending_key || !kind) {
        snprintf(err, errsize, "no host key to accept");
        return -1;
    }
    const char *file = t->host->known_hosts;
    if (ensure_parent_dir(file, err, errsize) < 0)
        return -1;
    int fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errsize, "cannot write %s: %s", file, strerror(errno));
        return -1;
    }
    /* a file whose last line lacks its newline must not swallow ours */
    struct stat st;
    char last = '\n';
    if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
        last = '\n';
    size_t b64cap = 4 * ((t->pending_key_len + 2) / 3) + 1;
    unsigned char *b64 = malloc(b64cap);
    char name[300];
    entry_name(t, name, sizeof(name));
    char *line = b64 ? malloc(b64cap + 400) : NULL;
    int rc = -1;
    if (line) {
        EVP_EncodeBlock(b64, t->pending_key, (int)t->pending_key_len);
        int n = snprintf(line, b64cap + 400, "%s%s %s %s\n", last == '\n' ? "" : "\n", name,
                         kind->name, (const char *)b64);
        if (write(fd, line, (size_t)n) == n && fsync(fd) == 0)
            rc = 0;
        else
            snprintf(err, errsize, "cannot write %s: %s", file, strerror(errno));
    } else {
        snprintf(err, errsize, "out of memory");
    }
    free(line);
    free(b64);
    close(fd);
    free(t->pending_key);
    t->pending_key = NULL;
    return rc;
}
