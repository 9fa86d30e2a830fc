/* Containers' cgroup counters through SFTP (sources/cgroup_stats.h).
 *
 * Every request carries an id; what it was for is kept in a table
 * (pending) until its reply comes. A container is a slot whose generation
 * changes when the slot is given to another container, so that a late
 * reply about the one before is recognised and dropped. */
#include "opsdeck/sources/cgroup_stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/cgroup_files.h"
#include "opsdeck/parse/sftp_packet.h"

#define TRACK_MAX   128 /* containers read this way; more are left to the engine */
#define PENDING_MAX 512
/* requests of lookups in flight at once: the opens of a batch (up to ~560
 * bytes each) and a round's reads must fit the channel's input queue
 * (EXEC_INPUT_MAX) together */
#define LOOKUP_OPS  48
#define MOUNTS_MAX  ((size_t)1 << 20) /* /proc/self/mountinfo read whole, up to this */
#define CGROUP_MAX  16384             /* a /proc/PID/cgroup */
#define ERR_KEEP    2048              /* stderr kept for why the channel ended */
#define STAT_SLOT   (-1)              /* /proc/stat's reads */
#define MOUNTS_SLOT (-2)
#define INPUT_MAX   (SFTP_PACKET_MAX + 4096)
#define OUTPUT_MAX  EXEC_INPUT_MAX /* requests not yet handed to the channel */

enum { F_CPU, F_USAGE, F_STAT, F_COUNT };

typedef enum {
    OP_MOUNTS_OPEN,
    OP_MOUNTS_READ,
    OP_STAT_OPEN,
    OP_CG_OPEN,
    OP_CG_READ,
    OP_FILE_OPEN,
    OP_ROUND_READ,
    OP_CLOSE
} op_kind;

typedef struct pending {
    uint32_t id;
    op_kind op;
    int slot;
    unsigned gen;
    int file;
} pending;

/* A file kept open and read again from offset 0 each round. */
typedef struct kept_file {
    char handle[SFTP_HANDLE_MAX];
    size_t hlen; /* 0: not open */
    char *text;  /* the last round's read */
    size_t len, cap;
    bool got; /* this round's read came */
} kept_file;

/* A file read whole, once (mountinfo, a /proc/PID/cgroup). */
typedef struct whole_file {
    char handle[SFTP_HANDLE_MAX];
    size_t hlen;
    char *buf;
    size_t len, max;
} whole_file;

typedef enum { C_FREE, C_WAIT, C_FIND, C_OPEN, C_READY, C_NONE } phase;

typedef struct tracked {
    phase phase;
    unsigned gen;
    char id[80];
    int pid;
    bool seen;
    whole_file cg;
    cgroup_files files;
    kept_file f[F_COUNT];
    int opens_left;
    bool sampled;
    docker_cpu_sample cpu;
    int64_t mem;
} tracked;

struct cgroup_stats {
    exec_req *req;
    cgroup_stats_events ev;
    void *arg;
    bool over;
    bool versioned;    /* the server's VERSION came */
    bool mounts_ready; /* mounts known and /proc/stat open */
    cgroup_mounts mounts;
    whole_file mountinfo;
    kept_file proc_stat;
    tracked slots[TRACK_MAX];
    pending pend[PENDING_MAX];
    size_t npend;
    uint32_t next_id;
    size_t round_left; /* reads of the round in flight; 0 none */
    char in[INPUT_MAX];
    size_t in_len;
    /* Requests are gathered here and handed to the channel only at the end
     * of each call and reply (flush()): handing them over drives the
     * session, which can bring replies back at once, and those must find
     * the state whole (a round's count of reads complete, a slot updated) */
    char out[OUTPUT_MAX], sending[OUTPUT_MAX];
    size_t out_len;
    bool flushing;
};

/* for_good: the host refused SFTP or its server is not what is expected (asking
 * again on this session would do the same); otherwise the channel or the
 * session went away */
static void end(cgroup_stats *c, bool for_good, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void end(cgroup_stats *c, bool for_good, const char *fmt, ...)
{
    if (c->over)
        return;
    c->over = true;
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    c->ev.ended(why, for_good, c->arg);
}

/* ---- requests ---- */

static void send_packet(cgroup_stats *c, const char *buf, size_t len)
{
    if (c->over)
        return;
    if (len == 0 || len > sizeof(c->out) - c->out_len) {
        end(c, true, "its SFTP requests do not fit the channel");
        return;
    }
    memcpy(c->out + c->out_len, buf, len);
    c->out_len += len;
}

/* Hands the gathered requests to the channel. Replies that come back while
 * it drives the session are taken then (their requests gathered again and
 * sent by this same loop); a channel whose queue is full takes them at the
 * next call or reply. */
static void flush(cgroup_stats *c)
{
    if (c->flushing)
        return;
    c->flushing = true;
    while (!c->over && c->req && c->out_len) {
        size_t n = c->out_len;
        memcpy(c->sending, c->out, n);
        c->out_len = 0;
        if (transport_exec_write(c->req, c->sending, n) == 0)
            continue;
        /* not taken: back in front of what was gathered meanwhile */
        if (n > sizeof(c->out) - c->out_len) {
            end(c, true, "its SFTP requests do not fit the channel");
            break;
        }
        memmove(c->out + n, c->out, c->out_len);
        memcpy(c->out, c->sending, n);
        c->out_len += n;
        break;
    }
    c->flushing = false;
}

static pending *note(cgroup_stats *c, op_kind op, int slot, int file)
{
    if (c->npend == PENDING_MAX) {
        end(c, true, "more than %d SFTP requests in flight", PENDING_MAX);
        return NULL;
    }
    pending *p = &c->pend[c->npend++];
    p->id = c->next_id++;
    p->op = op;
    p->slot = slot;
    p->gen = slot >= 0 ? c->slots[slot].gen : 0;
    p->file = file;
    return p;
}

static void ask_open(cgroup_stats *c, op_kind op, int slot, int file, const char *path)
{
    char buf[CGROUP_PATH_MAX + 64];
    pending *p = note(c, op, slot, file);
    if (p)
        send_packet(c, buf, sftp_put_open_read(buf, sizeof(buf), p->id, path));
}

static void ask_read(cgroup_stats *c, op_kind op, int slot, int file, const char *handle,
                     size_t hlen, uint64_t offset)
{
    char buf[SFTP_HANDLE_MAX + 64];
    pending *p = note(c, op, slot, file);
    if (p)
        send_packet(c, buf,
                    sftp_put_read(buf, sizeof(buf), p->id, handle, hlen, offset, SFTP_READ_MAX));
}

static void ask_close(cgroup_stats *c, const char *handle, size_t hlen)
{
    char buf[SFTP_HANDLE_MAX + 64];
    if (hlen == 0)
        return;
    pending *p = note(c, OP_CLOSE, MOUNTS_SLOT, 0);
    if (p)
        send_packet(c, buf, sftp_put_close(buf, sizeof(buf), p->id, handle, hlen));
}

/* ---- files ---- */

static void keep_handle(char *handle, size_t *hlen, const sftp_reply *r)
{
    memcpy(handle, r->data, r->len);
    *hlen = r->len;
}

/* Appends a read to a whole file; false when it would pass its bound. */
static bool whole_append(whole_file *w, const sftp_reply *r)
{
    if (r->len > w->max - w->len)
        return false;
    char *buf = realloc(w->buf, w->len + r->len + 1);
    if (!buf)
        return false;
    memcpy(buf + w->len, r->data, r->len);
    w->buf = buf;
    w->len += r->len;
    return true;
}

static void whole_reset(whole_file *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = 0;
    w->hlen = 0;
}

static bool kept_store(kept_file *k, const sftp_reply *r)
{
    if (r->len > k->cap) {
        char *text = realloc(k->text, r->len);
        if (!text)
            return false;
        k->text = text;
        k->cap = r->len;
    }
    memcpy(k->text, r->data, r->len);
    k->len = r->len;
    return true;
}

static void kept_close(cgroup_stats *c, kept_file *k)
{
    ask_close(c, k->handle, k->hlen);
    k->hlen = 0;
    k->got = false;
}

/* ---- containers ---- */

static bool settling(const cgroup_stats *c)
{
    if (!c->mounts_ready)
        return true;
    for (int i = 0; i < TRACK_MAX; i++) {
        phase p = c->slots[i].phase;
        if (p == C_WAIT || p == C_FIND || p == C_OPEN)
            return true;
    }
    return false;
}

static void release_files(cgroup_stats *c, tracked *t)
{
    ask_close(c, t->cg.handle, t->cg.hlen);
    whole_reset(&t->cg);
    for (int f = 0; f < F_COUNT; f++)
        kept_close(c, &t->f[f]);
    t->sampled = false;
}

/* The container's files are not to be had here: the engine measures it. */
static void give_up(cgroup_stats *c, tracked *t)
{
    release_files(c, t);
    t->phase = C_NONE;
}

static size_t lookups_in_flight(const cgroup_stats *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->npend; i++)
        n += c->pend[i].op == OP_CG_OPEN || c->pend[i].op == OP_CG_READ ||
             c->pend[i].op == OP_FILE_OPEN;
    return n;
}

/* Starts the lookups that wait, as many as the channel's queue allows. */
static void pump_lookups(cgroup_stats *c)
{
    if (!c->mounts_ready)
        return;
    size_t busy = lookups_in_flight(c);
    for (int i = 0; i < TRACK_MAX && !c->over && busy < LOOKUP_OPS; i++) {
        tracked *t = &c->slots[i];
        if (t->phase != C_WAIT)
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", t->pid);
        t->phase = C_FIND;
        t->cg.max = CGROUP_MAX;
        ask_open(c, OP_CG_OPEN, i, 0, path);
        busy += F_COUNT; /* what its lookup will have in flight at most */
    }
}

static void tell_if_settled(cgroup_stats *c, bool was_settling)
{
    if (!c->over && was_settling && !settling(c))
        c->ev.changed(c->arg);
}

static void cgroup_read(cgroup_stats *c, int slot)
{
    tracked *t = &c->slots[slot];
    ask_close(c, t->cg.handle, t->cg.hlen);
    t->cg.hlen = 0;
    char why[300];
    int rc = cgroup_container_files(t->cg.buf ? t->cg.buf : "", t->cg.len, t->id, &c->mounts,
                                    &t->files, why, sizeof(why));
    whole_reset(&t->cg);
    if (rc < 0) {
        give_up(c, t);
        return;
    }
    t->phase = C_OPEN;
    t->opens_left = F_COUNT;
    const char *paths[F_COUNT] = {t->files.cpu, t->files.usage, t->files.mem_stat};
    for (int f = 0; f < F_COUNT; f++)
        ask_open(c, OP_FILE_OPEN, slot, f, paths[f]);
}

/* ---- replies ---- */

static const char *status_words(const sftp_reply *r, char *buf, size_t size)
{
    if (r->type != SFTP_FXP_STATUS)
        snprintf(buf, size, "an SFTP reply of type %d", r->type);
    else if (r->len)
        snprintf(buf, size, "%.*s", (int)(r->len > 200 ? 200 : r->len), r->data);
    else
        snprintf(buf, size, "SFTP status %u", r->status);
    /* a host's words: nothing but printable ASCII reaches the screen */
    for (char *p = buf; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
    return buf;
}

static void round_answer(cgroup_stats *c, const pending *p, const sftp_reply *r)
{
    kept_file *k = p->slot == STAT_SLOT ? &c->proc_stat : NULL;
    if (p->slot >= 0 && c->slots[p->slot].gen == p->gen)
        k = &c->slots[p->slot].f[p->file];
    if (k)
        k->got = r->type == SFTP_FXP_DATA && kept_store(k, r);
    if (--c->round_left > 0)
        return;
    double system_ns = 0;
    int cpus = 0;
    bool sys_ok = c->proc_stat.got &&
                  cgroup_proc_stat(c->proc_stat.text, c->proc_stat.len, &system_ns, &cpus) == 0;
    for (int i = 0; i < TRACK_MAX; i++) {
        tracked *t = &c->slots[i];
        if (t->phase != C_READY)
            continue;
        double ns;
        int64_t mem;
        t->sampled = sys_ok && t->f[F_CPU].got && t->f[F_USAGE].got && t->f[F_STAT].got &&
                     cgroup_cpu_ns(t->files.version, t->f[F_CPU].text, t->f[F_CPU].len, &ns) == 0 &&
                     cgroup_memory_bytes(t->files.version, t->f[F_USAGE].text, t->f[F_USAGE].len,
                                         t->f[F_STAT].text, t->f[F_STAT].len, &mem) == 0;
        if (t->sampled) {
            cgroup_cpu_sample(ns, system_ns, cpus, &t->cpu);
            t->mem = mem;
        }
    }
    c->ev.changed(c->arg);
}

static void answer(cgroup_stats *c, const pending *p, const sftp_reply *r)
{
    char words[256];
    tracked *t = p->slot >= 0 ? &c->slots[p->slot] : NULL;
    bool stale = t && t->gen != p->gen;
    switch (p->op) {
    case OP_CLOSE:
        return;
    case OP_ROUND_READ:
        round_answer(c, p, r);
        return;
    case OP_MOUNTS_OPEN:
        if (r->type != SFTP_FXP_HANDLE) {
            end(c, true, "cannot read /proc/self/mountinfo: %s",
                status_words(r, words, sizeof(words)));
            return;
        }
        keep_handle(c->mountinfo.handle, &c->mountinfo.hlen, r);
        ask_read(c, OP_MOUNTS_READ, MOUNTS_SLOT, 0, c->mountinfo.handle, c->mountinfo.hlen, 0);
        return;
    case OP_MOUNTS_READ:
        if (r->type == SFTP_FXP_DATA && r->len > 0 && whole_append(&c->mountinfo, r)) {
            ask_read(c, OP_MOUNTS_READ, MOUNTS_SLOT, 0, c->mountinfo.handle, c->mountinfo.hlen,
                     c->mountinfo.len);
            return;
        }
        ask_close(c, c->mountinfo.handle, c->mountinfo.hlen);
        c->mountinfo.hlen = 0;
        int rc = cgroup_mounts_parse(c->mountinfo.buf ? c->mountinfo.buf : "", c->mountinfo.len,
                                     &c->mounts);
        whole_reset(&c->mountinfo);
        if (rc < 0) {
            end(c, true, "no cgroup hierarchy with CPU and memory counters is mounted");
            return;
        }
        ask_open(c, OP_STAT_OPEN, STAT_SLOT, 0, "/proc/stat");
        return;
    case OP_STAT_OPEN:
        if (r->type != SFTP_FXP_HANDLE) {
            end(c, true, "cannot read /proc/stat: %s", status_words(r, words, sizeof(words)));
            return;
        }
        keep_handle(c->proc_stat.handle, &c->proc_stat.hlen, r);
        c->mounts_ready = true;
        break;
    case OP_CG_OPEN:
        if (stale) {
            if (r->type == SFTP_FXP_HANDLE)
                ask_close(c, r->data, r->len);
            return;
        }
        if (r->type != SFTP_FXP_HANDLE) {
            give_up(c, t); /* its process is gone, or hidden (hidepid) */
            break;
        }
        keep_handle(t->cg.handle, &t->cg.hlen, r);
        ask_read(c, OP_CG_READ, p->slot, 0, t->cg.handle, t->cg.hlen, 0);
        return;
    case OP_CG_READ:
        if (stale)
            return; /* its handle was closed with the slot */
        if (r->type == SFTP_FXP_DATA && r->len > 0) {
            if (!whole_append(&t->cg, r))
                give_up(c, t); /* over CGROUP_MAX: not a cgroup file */
            else
                ask_read(c, OP_CG_READ, p->slot, 0, t->cg.handle, t->cg.hlen, t->cg.len);
            break;
        }
        if (r->type == SFTP_FXP_STATUS && r->status == SFTP_FX_EOF)
            cgroup_read(c, p->slot);
        else
            give_up(c, t);
        break;
    case OP_FILE_OPEN:
        if (stale || t->phase != C_OPEN) {
            if (r->type == SFTP_FXP_HANDLE)
                ask_close(c, r->data, r->len);
            return;
        }
        if (r->type != SFTP_FXP_HANDLE) {
            give_up(c, t); /* not there, or not readable by the login user */
            break;
        }
        keep_handle(t->f[p->file].handle, &t->f[p->file].hlen, r);
        if (--t->opens_left == 0)
            t->phase = C_READY;
        break;
    }
}

static void take(cgroup_stats *c, const sftp_reply *r)
{
    if (r->type == SFTP_FXP_VERSION) {
        if (c->versioned) {
            end(c, true, "a second SFTP VERSION");
            return;
        }
        c->versioned = true;
        c->mountinfo.max = MOUNTS_MAX;
        ask_open(c, OP_MOUNTS_OPEN, MOUNTS_SLOT, 0, "/proc/self/mountinfo");
        return;
    }
    for (size_t i = 0; i < c->npend; i++) {
        if (c->pend[i].id != r->id)
            continue;
        pending p = c->pend[i];
        c->pend[i] = c->pend[--c->npend];
        bool was_settling = settling(c);
        answer(c, &p, r);
        /* after every reply, whatever it was: the one that frees a place
         * for a waiting lookup may be a close or a round's read */
        pump_lookups(c);
        tell_if_settled(c, was_settling);
        return;
    }
    end(c, true, "an SFTP reply to no request (id %u)", r->id);
}

static void on_output(int stream, const char *buf, size_t len, void *arg)
{
    cgroup_stats *c = arg;
    while (stream == 1 && len && !c->over) {
        size_t n = len < sizeof(c->in) - c->in_len ? len : sizeof(c->in) - c->in_len;
        memcpy(c->in + c->in_len, buf, n);
        c->in_len += n;
        buf += n;
        len -= n;
        size_t at = 0, used;
        sftp_reply r;
        char why[200];
        int rc = 0;
        while (!c->over && (rc = sftp_take_reply(c->in + at, c->in_len - at, &r, &used, why,
                                                 sizeof(why))) == 1) {
            take(c, &r);
            at += used;
        }
        if (c->over)
            return;
        if (rc < 0) {
            end(c, true, "%s", why);
            return;
        }
        memmove(c->in, c->in + at, c->in_len - at);
        c->in_len -= at;
    }
    flush(c);
}

static void on_done(const exec_result *res, void *arg)
{
    cgroup_stats *c = arg;
    c->req = NULL;
    if (!res->ran)
        end(c, strstr(res->error, "subsystem was refused") != NULL, "%s",
            res->error[0] ? res->error : "the SFTP subsystem did not start");
    else
        end(c, false, "its SFTP server ended (exit %d)", res->exit_status);
}

/* ---- the interface ---- */

cgroup_stats *cgroup_stats_open(transport_t *t, const cgroup_stats_events *ev, void *arg)
{
    if (transport_is_local(t))
        return NULL;
    cgroup_stats *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ev = *ev;
    c->arg = arg;
    c->next_id = 1;
    c->req = transport_subsystem(t, "sftp", ERR_KEEP, on_done, on_output, c);
    if (!c->req) {
        cgroup_stats_close(c);
        return NULL;
    }
    char init[16];
    send_packet(c, init, sftp_put_init(init, sizeof(init)));
    flush(c);
    return c;
}

void cgroup_stats_close(cgroup_stats *c)
{
    if (!c)
        return;
    if (c->req)
        transport_exec_cancel(c->req);
    whole_reset(&c->mountinfo);
    free(c->proc_stat.text);
    for (int i = 0; i < TRACK_MAX; i++) {
        whole_reset(&c->slots[i].cg);
        for (int f = 0; f < F_COUNT; f++)
            free(c->slots[i].f[f].text);
    }
    free(c);
}

static tracked *find(const cgroup_stats *c, const char *id)
{
    for (int i = 0; i < TRACK_MAX; i++)
        if (c->slots[i].phase != C_FREE && strcmp(c->slots[i].id, id) == 0)
            return (tracked *)&c->slots[i];
    return NULL;
}

void cgroup_stats_track(cgroup_stats *c, const cgroup_target *targets, size_t n)
{
    if (c->over)
        return;
    bool was_settling = settling(c);
    for (int i = 0; i < TRACK_MAX; i++)
        c->slots[i].seen = false;
    for (size_t k = 0; k < n; k++) {
        if (targets[k].pid <= 0 || strlen(targets[k].id) >= sizeof(c->slots[0].id))
            continue;
        tracked *t = find(c, targets[k].id);
        if (t && t->pid != targets[k].pid) {
            /* restarted: a new process, and its cgroup made again */
            release_files(c, t);
            t->gen++;
            t->pid = targets[k].pid;
            t->phase = C_WAIT;
        }
        if (!t) {
            for (int i = 0; i < TRACK_MAX && !t; i++)
                if (c->slots[i].phase == C_FREE)
                    t = &c->slots[i];
            if (!t)
                continue; /* more than TRACK_MAX: the engine's */
            unsigned gen = t->gen + 1;
            kept_file keep[F_COUNT];
            memcpy(keep, t->f, sizeof(keep)); /* their buffers are reused */
            memset(t, 0, sizeof(*t));
            for (int f = 0; f < F_COUNT; f++)
                t->f[f] = (kept_file){.text = keep[f].text, .cap = keep[f].cap};
            t->gen = gen;
            snprintf(t->id, sizeof(t->id), "%s", targets[k].id);
            t->pid = targets[k].pid;
            t->phase = C_WAIT;
        }
        t->seen = true;
    }
    for (int i = 0; i < TRACK_MAX; i++) {
        tracked *t = &c->slots[i];
        if (t->phase == C_FREE || t->seen)
            continue;
        release_files(c, t);
        t->gen++;
        t->phase = C_FREE;
    }
    pump_lookups(c);
    flush(c);
    tell_if_settled(c, was_settling);
}

bool cgroup_stats_settling(const cgroup_stats *c)
{
    return !c->over && settling(c);
}

bool cgroup_stats_has(const cgroup_stats *c, const char *id)
{
    const tracked *t = c->over ? NULL : find(c, id);
    return t && t->phase == C_READY;
}

size_t cgroup_stats_round(cgroup_stats *c)
{
    if (c->over || c->round_left || !c->mounts_ready)
        return 0;
    size_t asked = 0;
    for (int i = 0; i < TRACK_MAX; i++)
        asked += c->slots[i].phase == C_READY;
    if (!asked)
        return 0;
    c->proc_stat.got = false;
    ask_read(c, OP_ROUND_READ, STAT_SLOT, 0, c->proc_stat.handle, c->proc_stat.hlen, 0);
    c->round_left = 1;
    for (int i = 0; i < TRACK_MAX && !c->over; i++) {
        tracked *t = &c->slots[i];
        if (t->phase != C_READY)
            continue;
        for (int f = 0; f < F_COUNT; f++) {
            t->f[f].got = false;
            ask_read(c, OP_ROUND_READ, i, f, t->f[f].handle, t->f[f].hlen, 0);
            c->round_left++;
        }
    }
    flush(c); /* the round's count is whole: its replies may come now */
    return c->over ? 0 : asked;
}

bool cgroup_stats_busy(const cgroup_stats *c)
{
    return !c->over && c->round_left > 0;
}

bool cgroup_stats_sample(const cgroup_stats *c, const char *id, docker_cpu_sample *cpu,
                         int64_t *mem_bytes)
{
    const tracked *t = find(c, id);
    if (!t || t->phase != C_READY || !t->sampled)
        return false;
    *cpu = t->cpu;
    *mem_bytes = t->mem;
    return true;
}
