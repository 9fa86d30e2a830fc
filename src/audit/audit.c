/* The hash-chained audit log. See include/opsdeck/audit.h. */
#include "opsdeck/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_MAX_LINE (256 * 1024) /* a line longer than this is not ours */

void audit_sha256_hex(const void *data, size_t len, char out[AUDIT_HASH_HEX])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    out[64] = '\0';
}

/* mkdir -p with 0700 for the directories it creates. */
static int make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    free(copy);
    return 0;
}

int audit_open(audit_log *log, const char *path, char *err, size_t errsize)
{
    log->fd = -1;
    log->path = strdup(path);
    if (!log->path || make_parent_dirs(path) < 0) {
        snprintf(err, errsize, "audit log %s: cannot create its directory: %s", path,
                 strerror(errno));
        return -1;
    }
    log->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log->fd < 0) {
        snprintf(err, errsize, "audit log %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void audit_close(audit_log *log)
{
    if (log->fd >= 0)
        close(log->fd);
    free(log->path);
    log->path = NULL;
    log->fd = -1;
}

/* The hash of the last complete line of the file, or the genesis value for
 * an empty file. Reads backwards from the end, at most AUDIT_MAX_LINE. */
static int last_line_hash(int fd, char out[AUDIT_HASH_HEX])
{
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0)
        return -1;
    if (size == 0) {
        strcpy(out, AUDIT_GENESIS);
        return 0;
    }
    size_t want = size < AUDIT_MAX_LINE ? (size_t)size : AUDIT_MAX_LINE;
    char *buf = malloc(want);
    if (!buf)
        return -1;
    ssize_t n = pread(fd, buf, want, size - (off_t)want);
    if (n != (ssize_t)want || buf[want - 1] != '\n') {
        free(buf); /* a torn last line: refuse to chain onto it */
        errno = EILSEQ;
        return -1;
    }
    size_t end = want - 1, start = end;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    if (start == 0 && (size_t)size > want) {
        free(buf);
        errno = E2BIG;
        return -1;
    }
    audit_sha256_hex(buf + start, end - start, out);
    free(buf);
    return 0;
}

static void now_rfc3339(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static const char *local_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name)
        return pw->pw_name;
    const char *u = getenv("USER");
    return u ? u : "?";
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static char *render_line(const audit_record *r, const char *prev)
{
    char ts[48];
    now_rfc3339(ts, sizeof(ts));
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "local_user", json_string(local_user()));
    json_object_set_new(o, "host", str_or_null(r->host));
    json_object_set_new(o, "env", str_or_null(r->env));
    json_object_set_new(o, "remote_user", str_or_null(r->remote_user));
    json_object_set_new(o, "action", str_or_null(r->action));
    json_object_set_new(o, "target", str_or_null(r->target));
    json_object_set_new(o, "command", str_or_null(r->command));
    json_object_set_new(o, "confirm", str_or_null(r->confirm));
    json_object_set_new(o, "phase", str_or_null(r->phase));
    json_object_set_new(o, "exit_status",
                        r->has_exit_status ? json_integer(r->exit_status) : json_null());
    json_object_set_new(o, "duration_s", r->has_duration ? json_real(r->duration_s) : json_null());
    json_object_set_new(o, "verify", str_or_null(r->verify));
    json_object_set_new(o, "output_sha256", str_or_null(r->output_sha256));
    if (r->run_id) /* only lines of an action carry one: older lines stay as they were */
        json_object_set_new(o, "run_id", json_string(r->run_id));
    if (r->runbook) { /* a runbook's lines say which runbook, and which step */
        json_object_set_new(o, "runbook", json_string(r->runbook));
        json_t *step = json_object();
        json_object_set_new(step, "index", str_or_null(r->step_index));
        json_object_set_new(step, "title", str_or_null(r->step_title));
        json_object_set_new(o, "step", step);
    }
    json_object_set_new(o, "prev", json_string(prev));
    /* JSON_COMPACT never emits a newline; jansson escapes any in strings */
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(o);
    return line;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The exclusive lock, waited for AUDIT_LOCK_WAIT_MS at most: a second
 * console appending holds it for one write and fsync, and a process stuck
 * holding it longer must not freeze this console. */
static int lock_bounded(int fd)
{
    struct timespec pause = {0, 2 * 1000 * 1000};
    for (int waited = 0;; waited += 2) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        if (waited >= AUDIT_LOCK_WAIT_MS) {
            errno = EWOULDBLOCK;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

int audit_append(audit_log *log, const audit_record *rec, char *err, size_t errsize)
{
    if (log->fd < 0) {
        snprintf(err, errsize, "audit log is not open");
        return -1;
    }
    if (lock_bounded(log->fd) < 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errsize,
                     "audit log %s: another process held its lock for more than %d ms", log->path,
                     AUDIT_LOCK_WAIT_MS);
        else
            snprintf(err, errsize, "audit log %s: lock: %s", log->path, strerror(errno));
        return -1;
    }
    int rc = -1;
    char prev[AUDIT_HASH_HEX];
    char *line = NULL;
    off_t before = -1;
    if (last_line_hash(log->fd, prev) < 0) {
        snprintf(err, errsize, "audit log %s: cannot read its last line: %s", log->path,
                 strerror(errno));
        goto out;
    }
    before = lseek(log->fd, 0, SEEK_END);
    line = render_line(rec, prev);
    if (!line) {
        snprintf(err, errsize, "audit log %s: cannot encode the record (invalid UTF-8?)",
                 log->path);
        goto out;
    }
    size_t len = strlen(line);
    line[len] = '\n'; /* one write for line and newline: no torn line between them */
    if (write_all(log->fd, line, len + 1) < 0 || fsync(log->fd) < 0) {
        int saved = errno;
        /* Take back whatever part reached the file (a full disk takes half a
         * line): the chain must end on a whole line for the next append. */
        if (before >= 0 && ftruncate(log->fd, before) == 0)
            fsync(log->fd);
        snprintf(err, errsize, "audit log %s: write: %s", log->path, strerror(saved));
        goto out;
    }
    rc = 0;
out:
    free(line);
    flock(log->fd, LOCK_UN);
    return rc;
}

int audit_ready(const audit_log *log, char *err, size_t errsize)
{
    if (!log || log->fd < 0) {
        snprintf(err, errsize, "the audit log is not open");
        return -1;
    }
    struct stat on_disk, ours;
    if (stat(log->path, &on_disk) < 0 || fstat(log->fd, &ours) < 0 ||
        on_disk.st_ino != ours.st_ino || on_disk.st_dev != ours.st_dev) {
        snprintf(err, errsize, "audit log %s: the file was removed or replaced", log->path);
        return -1;
    }
    struct statvfs vfs;
    if (fstatvfs(log->fd, &vfs) < 0) {
        snprintf(err, errsize, "audit log %s: %s", log->path, strerror(errno));
        return -1;
    }
    if (vfs.f_flag & ST_RDONLY) {
        snprintf(err, errsize, "audit log %s: its file system is read-only", log->path);
        return -1;
    }
    unsigned long long free_bytes = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    if (free_bytes < AUDIT_MIN_FREE) {
        snprintf(err, errsize, "audit log %s: disk full (%llu bytes free)", log->path, free_bytes);
        return -1;
    }
    return 0;
}

/* Checks one line against the hash of the line before it. */
static const char *check_line(const char *line, size_t len, const char *expected_prev)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return "not a JSON object";
    }
    const char *prev = json_string_value(json_object_get(o, "prev"));
    const char *verdict = NULL;
    if (!prev)
        verdict = "has no prev hash";
    else if (strcmp(prev, expected_prev) != 0)
        verdict = "prev hash does not match the line before it (a line was edited, "
                  "removed or inserted)";
    json_decref(o);
    return verdict;
}

int audit_verify(const char *path, FILE *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(out, "%s: cannot read: %s\n", path, strerror(errno));
        return 1;
    }
    char expected[AUDIT_HASH_HEX] = AUDIT_GENESIS;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n') {
            fprintf(out, "%s:%ld: incomplete last line (no newline)\n", path, lineno);
            rc = 1;
            break;
        }
        size_t len = (size_t)n - 1;
        const char *bad = check_line(line, len, expected);
        if (bad) {
            fprintf(out, "%s:%ld: %s\n", path, lineno, bad);
            rc = 1;
            break;
        }
        audit_sha256_hex(line, len, expected);
    }
    if (rc == 0 && ferror(f)) {
        fprintf(out, "%s: read error\n", path);
        rc = 1;
    }
    if (rc == 0)
        fprintf(out, "%s: ok, %ld line%s intact\n", path, lineno, lineno == 1 ? "" : "s");
    free(line);
    fclose(f);
    return rc;
}
