/* The few SFTP packets opsdeck speaks (protocol version 3,
 * draft-ietf-secsh-filexfer-02, what OpenSSH's sftp-server speaks): INIT,
 * OPEN for reading, READ, CLOSE out; VERSION, HANDLE, DATA, STATUS in.
 * Used to read a host's cgroup counters through its sshd's sftp subsystem
 * (sources/cgroup_stats.h). Pure functions over bytes: every reply came from
 * a host, so every length is checked before it is used. */
#ifndef OPSDECK_PARSE_SFTP_PACKET_H
#define OPSDECK_PARSE_SFTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define SFTP_VERSION_ASKED 3
/* the largest reply taken: a DATA of the largest READ opsdeck asks for and
 * its header; a longer packet is a broken (or hostile) server */
#define SFTP_READ_MAX   32768
#define SFTP_PACKET_MAX (SFTP_READ_MAX + 64)
#define SFTP_HANDLE_MAX 256 /* OpenSSH's are a few bytes; the draft allows 256 */

enum {
    SFTP_FXP_INIT = 1,
    SFTP_FXP_VERSION = 2,
    SFTP_FXP_OPEN = 3,
    SFTP_FXP_CLOSE = 4,
    SFTP_FXP_READ = 5,
    SFTP_FXP_STATUS = 101,
    SFTP_FXP_HANDLE = 102,
    SFTP_FXP_DATA = 103,
};

enum { SFTP_FX_OK = 0, SFTP_FX_EOF = 1, SFTP_FX_NO_SUCH_FILE = 2, SFTP_FX_PERMISSION_DENIED = 3 };

/* Each writes one packet into buf and returns its length, or 0 when it does
 * not fit in cap (or a field is too long). */
size_t sftp_put_init(char *buf, size_t cap);
size_t sftp_put_open_read(char *buf, size_t cap, uint32_t id, const char *path);
size_t sftp_put_read(char *buf, size_t cap, uint32_t id, const char *handle, size_t handle_len,
                     uint64_t offset, uint32_t len);
size_t sftp_put_close(char *buf, size_t cap, uint32_t id, const char *handle, size_t handle_len);

/* One reply. data points into the buffer given to sftp_take_reply(): the
 * handle (HANDLE), the bytes read (DATA) or the server's message (STATUS). */
typedef struct sftp_reply {
    int type;
    uint32_t id;     /* the request's; for VERSION, the version */
    uint32_t status; /* STATUS: SFTP_FX_* */
    const char *data;
    size_t len;
} sftp_reply;

/* Takes the first whole packet of buf[0..len). Returns 1 with *r and *used
 * (bytes taken), 0 when more bytes are needed, -1 with why when the bytes
 * are not such a packet (too long, truncated fields, an unknown type). */
int sftp_take_reply(const char *buf, size_t len, sftp_reply *r, size_t *used, char *why,
                    size_t whysize);

#endif
