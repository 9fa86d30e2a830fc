/* ProxyJump against real sshd: the sandbox's jump hosts (tests/sandbox/
 * bastion.sh) and a host only they can reach. The hidden host through one
 * jump host and through a chain, commands and a tunnel over it; the hidden
 * host and the second jump host refused when reached directly (the jump
 * host is needed); a jump host with a changed key refused, saying so; a jump
 * host shared by the hosts behind it, killed (they go down with its reason)
 * and started again (they come back by themselves). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "opsdeck/loop.h"
#include "opsdeck/transport/transport.h"
#include "support/sandbox_env.h"

#define WAIT_MS 60000 /* generous: the machine may be loaded */

static char env_file[600];

/* A value of bastion.env (static ring of buffers, as sbx()) */
static const char *jenv(const char *key)
{
    static char ring[16][600];
    static int next;
    char *out = ring[next++ % 16];
    FILE *f = fopen(env_file, "r");
    assert_non_null(f);
    char line[700];
    size_t klen = strlen(key);
    out[0] = '\0';
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, 600, "%s", line + klen + 1);
            break;
        }
    }
    fclose(f);
    if (!out[0])
        fail_msg("%s: no %s", env_file, key);
    return out;
}

/* bastion.sh up|down, or stop|start with which ("a") */
static int bastion(const char *what, const char *which)
{
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "tests/sandbox/bastion.sh %s '%s' %s >&2", what, sbx("SBX_DIR"),
             which ? which : "");
    return system(cmd);
}

static int group_setup(void **state)
{
    if (sandbox_load(state) < 0)
        return -1;
    snprintf(env_file, sizeof(env_file), "%s/bastion/bastion.env", sbx("SBX_DIR"));
    if (bastion("up", NULL) != 0)
        return -1;
    /* the ssh config of the aliases: jump hosts are resolved as ssh does */
    char path[600];
    snprintf(path, sizeof(path), "%s", jenv("SBX_JUMP_SSH_CONFIG"));
    setenv("OPSDECK_SSH_CONFIG", path, 1);
    return 0;
}

static int group_teardown(void **state)
{
    bastion("down", NULL);
    return 0;
}

/* ---- a host, its transport and the loop ---- */

typedef struct target {
    char name[32], addr[64], user[64], key[600], known[600], jump[300];
    host_config hc;
    transport_t *t;
} target;

static void target_init(target *x, const char *name, const char *which, const char *jump)
{
    memset(x, 0, sizeof(*x));
    snprintf(x->name, sizeof(x->name), "%s", name);
    char k[64];
    snprintf(k, sizeof(k), "SBX_%s_ADDR", which);
    snprintf(x->addr, sizeof(x->addr), "%s", jenv(k));
    snprintf(k, sizeof(k), "SBX_%s_PORT", which);
    x->hc.ssh_port = atoi(jenv(k));
    snprintf(x->user, sizeof(x->user), "%s", sbx("SBX_USER"));
    snprintf(x->key, sizeof(x->key), "%s", sbx("SBX_KEY"));
    snprintf(x->known, sizeof(x->known), "%s", jenv("SBX_JUMP_KNOWN_HOSTS"));
    if (jump)
        snprintf(x->jump, sizeof(x->jump), "%s", jump);
    x->hc.name = x->name;
    x->hc.env = (char *)"production";
    x->hc.ssh = x->addr;
    x->hc.ssh_host = x->addr;
    x->hc.ssh_user = x->user;
    x->hc.identity = x->key;
    x->hc.known_hosts = x->known;
    x->hc.jump = jump ? x->jump : NULL;
    x->hc.docker = (char *)"docker";
}

/* user@addr:port of a jump host of bastion.env ("JUMP_A", "JUMP_B") */
static const char *hop(const char *which, char *buf, size_t size)
{
    char a[64], p[64];
    snprintf(a, sizeof(a), "SBX_%s_ADDR", which);
    snprintf(p, sizeof(p), "SBX_%s_PORT", which);
    snprintf(buf, size, "%s@%s:%s", sbx("SBX_USER"), jenv(a), jenv(p));
    return buf;
}

static loop_t *loop;
static char rundir[64];

static transport_t *start(target *x, bool interactive)
{
    transport_options o = {.interactive = interactive,
                           .connect_timeout_ms = 10000,
                           .keepalive_s = 15,
                           .runtime_dir = rundir};
    x->t = transport_new(loop, &x->hc, &o, NULL, NULL);
    assert_non_null(x->t);
    transport_start(x->t);
    return x->t;
}

static int test_setup(void **state)
{
    loop = loop_new();
    snprintf(rundir, sizeof(rundir), "/tmp/opsdeck-jtest-XXXXXX");
    return loop && mkdtemp(rundir) ? 0 : -1;
}

static int test_teardown(void **state)
{
    loop_free(loop);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs the loop until every transport given is in state, or the wait ends. */
static bool run_until(transport_state state, int wait_ms, transport_t *a, transport_t *b)
{
    int64_t end = loop_update_time(loop) + wait_ms;
    while (loop_update_time(loop) < end) {
        if (transport_get_state(a) == state && (!b || transport_get_state(b) == state))
            return true;
        loop_run_once(loop, 50);
    }
    return false;
}

static void expect_up(transport_t *t)
{
    if (!run_until(TRANSPORT_UP, WAIT_MS, t, NULL))
        fail_msg("state %s, error: %s", transport_state_name(transport_get_state(t)),
                 transport_error(t));
}

static void expect_down_with(transport_t *t, const char *want)
{
    if (!run_until(TRANSPORT_DOWN, WAIT_MS, t, NULL))
        fail_msg("not down: %s", transport_state_name(transport_get_state(t)));
    if (!strstr(transport_error(t), want))
        fail_msg("error \"%s\" lacks \"%s\"", transport_error(t), want);
}

typedef struct result {
    bool done, ran;
    char out[256], error[512];
} result;

static void on_done(const exec_result *r, void *arg)
{
    result *x = arg;
    x->done = true;
    x->ran = r->ran;
    snprintf(x->out, sizeof(x->out), "%s", r->out);
    snprintf(x->error, sizeof(x->error), "%s", r->error);
}

/* The host a session landed on says its name (sshd's SetEnv SBX_HOST) */
static void expect_landed_on(transport_t *t, const char *want)
{
    result r = {0};
    assert_non_null(transport_exec(t, "echo $SBX_HOST", 256, 60000, on_done, NULL, &r));
    int64_t end = loop_update_time(loop) + 65000;
    while (!r.done && loop_update_time(loop) < end)
        loop_run_once(loop, 50);
    if (!r.ran)
        fail_msg("did not run: %s", r.error);
    r.out[strcspn(r.out, "\n")] = '\0';
    assert_string_equal(r.out, want);
}

/* ---- the tests ---- */

static void hidden_host_refused_directly(void **state)
{
    target h, b;
    target_init(&h, "hidden", "HIDDEN", NULL);
    target_init(&b, "jump-b", "JUMP_B", NULL);
    start(&h, false);
    start(&b, false);
    expect_down_with(h.t, "Connection refused");
    expect_down_with(b.t, "Connection refused");
    transport_free(h.t);
    transport_free(b.t);
}

static void hidden_host_through_a_jump_host(void **state)
{
    char j[300];
    target h;
    target_init(&h, "hidden", "HIDDEN", hop("JUMP_A", j, sizeof(j)));
    start(&h, false);
    expect_up(h.t);
    expect_landed_on(h.t, "hidden");
    /* a tunnel over the session over the jump host: production's Redis as
     * the hidden host sees it */
    char path[600];
    const char *p = transport_tunnel(h.t, sbx("SBX_PRODUCTION_ADDR"),
                                     atoi(sbx("SBX_PRODUCTION_REDIS_PORT")), "redis/r.sock");
    assert_non_null(p);
    snprintf(path, sizeof(path), "%s", p);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%.107s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(fd, "PING\r\n", 6, MSG_NOSIGNAL), 6);
    /* the loop runs (it carries the bytes) while the answer is awaited */
    char got[256] = "";
    size_t len = 0;
    int64_t end = loop_update_time(loop) + WAIT_MS;
    while (!strstr(got, "+PONG") && loop_update_time(loop) < end) {
        loop_run_once(loop, 20);
        ssize_t n = recv(fd, got + len, sizeof(got) - 1 - len, MSG_DONTWAIT);
        if (n == 0)
            break;
        if (n > 0) {
            len += (size_t)n;
            got[len] = '\0';
        }
    }
    close(fd);
    if (!strstr(got, "+PONG"))
        fail_msg("Redis through the jump host answered \"%s\"", got);
    transport_free(h.t);
}

static void hidden_host_through_a_chain(void **state)
{
    char a[300], b[300], chain[700];
    snprintf(chain, sizeof(chain), "%s,%s", hop("JUMP_A", a, sizeof(a)),
             hop("JUMP_B", b, sizeof(b)));
    target h;
    target_init(&h, "hidden", "HIDDEN", chain);
    start(&h, false);
    expect_up(h.t);
    expect_landed_on(h.t, "hidden");
    transport_free(h.t);
}

/* jump-a's address filed with the hidden host's key */
static void jump_host_with_a_changed_key_refused(void **state)
{
    char known[] = "/tmp/opsdeck-jknown-XXXXXX";
    int fd = mkstemp(known);
    assert_true(fd >= 0);
    FILE *pub = fopen(jenv("SBX_HIDDEN_HOSTKEY"), "r");
    assert_non_null(pub);
    char key[900];
    assert_non_null(fgets(key, sizeof(key), pub));
    fclose(pub);
    dprintf(fd, "[%s]:%s %s", jenv("SBX_JUMP_A_ADDR"), jenv("SBX_JUMP_A_PORT"), key);
    close(fd);
    char j[300];
    target h;
    target_init(&h, "hidden", "HIDDEN", hop("JUMP_A", j, sizeof(j)));
    h.hc.known_hosts = known;
    start(&h, true);
    expect_down_with(h.t, "through ");
    expect_down_with(h.t, "HOST KEY CHANGED");
    /* and neither tries again */
    int64_t end = loop_update_time(loop) + 2500;
    while (loop_update_time(loop) < end)
        loop_run_once(loop, 100);
    assert_int_equal(transport_get_state(h.t), TRANSPORT_DOWN);
    transport_free(h.t);
    unlink(known);
}

static int sessions_accepted(const char *log)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "grep -c 'Accepted publickey' '%s'", log);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

static void jump_host_killed_and_back(void **state)
{
    char j[300], log[700];
    snprintf(log, sizeof(log), "%s/bastion/jump-a.log", sbx("SBX_DIR"));
    int before = sessions_accepted(log);
    target h, b;
    target_init(&h, "hidden", "HIDDEN", hop("JUMP_A", j, sizeof(j)));
    target_init(&b, "jump-b", "JUMP_B", j);
    start(&h, true);
    start(&b, true);
    if (!run_until(TRANSPORT_UP, WAIT_MS, h.t, b.t))
        fail_msg("not both up: %s / %s", transport_error(h.t), transport_error(b.t));
    /* one session to the jump host carries both */
    assert_int_equal(sessions_accepted(log), before + 1);

    assert_int_equal(bastion("stop", "a"), 0);
    if (!run_until(TRANSPORT_DOWN, WAIT_MS, h.t, b.t))
        fail_msg("not both down: %s / %s", transport_state_name(transport_get_state(h.t)),
                 transport_state_name(transport_get_state(b.t)));
    char want[320];
    snprintf(want, sizeof(want), "through %s: ", j);
    for (int i = 0; i < 2; i++) {
        const char *err = transport_error(i ? b.t : h.t);
        if (!strstr(err, want))
            fail_msg("error \"%s\" lacks \"%s\"", err, want);
    }
    /* it stays down while the jump host is, with the jump host's reason */
    int64_t end = loop_update_time(loop) + 2500;
    while (loop_update_time(loop) < end)
        loop_run_once(loop, 100);
    if (!strstr(transport_error(h.t), "Connection refused"))
        fail_msg("error \"%s\" lacks the jump host's \"Connection refused\"", transport_error(h.t));

    assert_int_equal(bastion("start", "a"), 0);
    if (!run_until(TRANSPORT_UP, WAIT_MS, h.t, b.t))
        fail_msg("not both back: %s / %s", transport_error(h.t), transport_error(b.t));
    expect_landed_on(h.t, "hidden");
    expect_landed_on(b.t, "jump-b");
    transport_free(h.t);
    transport_free(b.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hidden_host_refused_directly, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(hidden_host_through_a_jump_host, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(hidden_host_through_a_chain, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(jump_host_with_a_changed_key_refused, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(jump_host_killed_and_back, test_setup, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
