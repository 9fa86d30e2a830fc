/* SFTP version 3 packets (parse/sftp_packet.h): uint32 length, byte type,
 * then the fields, every integer big-endian, every string uint32 length
 * then bytes. */
#include "opsdeck/parse/sftp_packet.h"

#include <stdio.h>
#include <string.h>

#define SFTP_FXF_READ 0x00000001

typedef struct packet {
    char *buf;
    size_t cap, len;
    int full; /* something did not fit */
} packet;

static void put_u32(packet *p, uint32_t v)
{
    if (p->full || p->cap - p->len < 4) {
        p->full = 1;
        return;
    }
    unsigned char *b = (unsigned char *)p->buf + p->len;
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    p->len += 4;
}

static void put_u64(packet *p, uint64_t v)
{
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p, (uint32_t)v);
}

static void put_bytes(packet *p, const void *data, size_t len)
{
    if (p->full || p->cap - p->len < len) {
        p->full = 1;
        return;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
}

static void put_string(packet *p, const char *s, size_t len)
{
    if (len > UINT32_MAX) {
        p->full = 1;
        return;
    }
    put_u32(p, (uint32_t)len);
    put_bytes(p, s, len);
}

/* Starts a packet: its length is filled in by finish(). */
static packet begin(char *buf, size_t cap, unsigned char type)
{
    packet p = {.buf = buf, .cap = cap};
    put_u32(&p, 0);
    put_bytes(&p, &type, 1);
    return p;
}

static size_t finish(packet *p)
{
    if (p->full)
        return 0;
    packet head = {.buf = p->buf, .cap = 4};
    put_u32(&head, (uint32_t)(p->len - 4));
    return p->len;
}

size_t sftp_put_init(char *buf, size_t cap)
{
    packet p = begin(buf, cap, SFTP_FXP_INIT);
    put_u32(&p, SFTP_VERSION_ASKED);
    return finish(&p);
}

size_t sftp_put_open_read(char *buf, size_t cap, uint32_t id, const char *path)
{
    packet p = begin(buf, cap, SFTP_FXP_OPEN);
    put_u32(&p, id);
    put_string(&p, path, strlen(path));
    put_u32(&p, SFTP_FXF_READ);
    put_u32(&p, 0); /* attributes: none given */
    return finish(&p);
}

size_t sftp_put_read(char *buf, size_t cap, uint32_t id, const char *handle, size_t handle_len,
                     uint64_t offset, uint32_t len)
{
    packet p = begin(buf, cap, SFTP_FXP_READ);
    put_u32(&p, id);
    put_string(&p, handle, handle_len);
    put_u64(&p, offset);
    put_u32(&p, len);
    return finish(&p);
}

size_t sftp_put_close(char *buf, size_t cap, uint32_t id, const char *handle, size_t handle_len)
{
    packet p = begin(buf, cap, SFTP_FXP_CLOSE);
    put_u32(&p, id);
    put_string(&p, handle, handle_len);
    return finish(&p);
}

/* ---- replies ---- */

typedef struct reader {
    const unsigned char *at, *end;
    int short_; /* a field ran past the packet */
} reader;

static uint32_t get_u32(reader *r)
{
    if (r->short_ || r->end - r->at < 4) {
        r->short_ = 1;
        return 0;
    }
    uint32_t v = (uint32_t)r->at[0] << 24 | (uint32_t)r->at[1] << 16 | (uint32_t)r->at[2] << 8 |
                 (uint32_t)r->at[3];
    r->at += 4;
    return v;
}

static const char *get_string(reader *r, size_t *len)
{
    uint32_t n = get_u32(r);
    if (r->short_ || (size_t)(r->end - r->at) < n) {
        r->short_ = 1;
        *len = 0;
        return NULL;
    }
    const char *s = (const char *)r->at;
    r->at += n;
    *len = n;
    return s;
}

int sftp_take_reply(const char *buf, size_t len, sftp_reply *out, size_t *used, char *why,
                    size_t whysize)
{
    memset(out, 0, sizeof(*out));
    if (len < 4)
        return 0;
    reader head = {.at = (const unsigned char *)buf, .end = (const unsigned char *)buf + 4};
    uint32_t plen = get_u32(&head);
    if (plen < 1 || plen > SFTP_PACKET_MAX) {
        snprintf(why, whysize, "an SFTP packet of %u bytes (at most %d taken)", plen,
                 SFTP_PACKET_MAX);
        return -1;
    }
    if (len - 4 < plen)
        return 0;
    reader r = {.at = (const unsigned char *)buf + 4, .end = (const unsigned char *)buf + 4 + plen};
    out->type = *r.at++;
    switch (out->type) {
    case SFTP_FXP_VERSION:
        out->id = get_u32(&r); /* the version; extensions follow, not read */
        break;
    case SFTP_FXP_STATUS:
        out->id = get_u32(&r);
        out->status = get_u32(&r);
        /* the message is optional in version 3 servers older than the draft */
        if (!r.short_ && r.end - r.at >= 4)
            out->data = get_string(&r, &out->len);
        break;
    case SFTP_FXP_HANDLE:
        out->id = get_u32(&r);
        out->data = get_string(&r, &out->len);
        if (!r.short_ && (out->len == 0 || out->len > SFTP_HANDLE_MAX)) {
            snprintf(why, whysize, "an SFTP handle of %zu bytes", out->len);
            return -1;
        }
        break;
    case SFTP_FXP_DATA:
        out->id = get_u32(&r);
        out->data = get_string(&r, &out->len);
        break;
    default:
        snprintf(why, whysize, "an SFTP packet of unknown type %d", out->type);
        return -1;
    }
    if (r.short_) {
        snprintf(why, whysize, "an SFTP packet (type %d) shorter than its fields", out->type);
        return -1;
    }
    *used = 4 + (size_t)plen;
    return 1;
}
