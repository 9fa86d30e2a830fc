/* A host without `ssh =` is this machine: commands run through /bin/sh in
 * their own process group, with non-blocking pipes on the loop and the
 * child's exit seen through a pidfd. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport_internal.h"

#define READS_PER_WAKE 16 /* chunks read per readiness, then poll() again */
#define READ_CHUNK     16384

static void close_fd(transport_t *t, int *fd)
{
    if (*fd >= 0) {
        loop_unwatch(t->loop, *fd);
        close(*fd);
    }
    *fd = -1;
}

static void maybe_done(exec_req *req)
{
    if (req->out_fd >= 0 || req->err_fd >= 0 || !req->exited)
        return;
    transport_t *t = req->t;
    close_fd(t, &req->in_fd);
    exec_list_remove(&t->running, req);
    exec_complete(req);
}

static void on_output(loop_t *loop, int fd, int revents, void *arg)
{
    exec_req *req = arg;
    int stream = fd == req->out_fd ? 1 : 2;
    char buf[READ_CHUNK];
    /* At most READS_PER_WAKE chunks, then back to poll(): a command that
     * writes as fast as it is read must not keep the one loop (the keys,
     * the other hosts, its own timeout) waiting. */
    for (int reads = 0; reads < READS_PER_WAKE; reads++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            exec_append(req, stream, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        close_fd(req->t, stream == 1 ? &req->out_fd : &req->err_fd); /* EOF or error */
        maybe_done(req);
        return;
    }
}

static void reap(exec_req *req)
{
    int status;
    pid_t r = waitpid(req->pid, &status, WNOHANG);
    if (r != req->pid)
        return;
    req->exited = true;
    req->res.ran = WIFEXITED(status);
    if (WIFEXITED(status))
        req->res.exit_status = WEXITSTATUS(status);
    else
        snprintf(req->res.error, sizeof(req->res.error), "%s: killed by signal %d",
                 req->t->host->name, WTERMSIG(status));
    close_fd(req->t, &req->pidfd);
    maybe_done(req);
}

static void on_exit_fd(loop_t *loop, int fd, int revents, void *arg)
{
    reap(arg);
}

/* Only our end is non-blocking: the command's end stays blocking, as a
 * command expects its stdout to be (sh, tr, coreutils give up on EAGAIN
 * when the pipe is full). */
static int nonblocking_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    return fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
}

static void fail_start(exec_req *req, const char *what)
{
    snprintf(req->res.error, sizeof(req->res.error), "%s: cannot run the command: %s: %s",
             req->t->host->name, what, strerror(errno));
    req->exited = true;
    close_fd(req->t, &req->out_fd);
    close_fd(req->t, &req->err_fd);
    close_fd(req->t, &req->in_fd);
    /* reported from the loop, never from inside transport_exec() */
    loop_timer_cancel(req->t->loop, req->timer);
    req->timer = 0;
}

static void report_failed_start(loop_t *loop, void *arg)
{
    exec_req *req = arg;
    maybe_done(req);
}

static void on_input_writable(loop_t *loop, int fd, int revents, void *arg)
{
    local_exec_flush_input(arg);
}

void local_exec_flush_input(exec_req *req)
{
    while (req->in_fd >= 0 && req->in_len > 0) {
        ssize_t n = write(req->in_fd, req->in, req->in_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) { /* the command closed its stdin: what it was sent is lost */
            req->in_len = 0;
            close_fd(req->t, &req->in_fd);
            return;
        }
        memmove(req->in, req->in + n, req->in_len - (size_t)n);
        req->in_len -= (size_t)n;
    }
    if (req->in_fd >= 0)
        loop_watch(req->t->loop, req->in_fd, req->in_len ? POLLOUT : 0, on_input_writable, req);
}

void local_exec_start(exec_req *req)
{
    transport_t *t = req->t;
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
    if (nonblocking_pipe(out) < 0 || nonblocking_pipe(err) < 0 ||
        (req->keep_stdin && nonblocking_pipe(in) < 0)) {
        if (out[0] >= 0) {
            close(out[0]);
            close(out[1]);
        }
        if (err[0] >= 0) {
            close(err[0]);
            close(err[1]);
        }
        fail_start(req, "pipe");
        loop_timer_add(t->loop, 0, report_failed_start, req);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* a timeout kills the whole command, not just the shell */
        if (req->keep_stdin) {
            dup2(in[0], 0);
            fcntl(0, F_SETFL, 0); /* the command reads it blocking */
        } else {
            dup2(open("/dev/null", O_RDONLY), 0);
        }
        dup2(out[1], 1);
        dup2(err[1], 2);
        execl("/bin/sh", "sh", "-c", req->command, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (req->keep_stdin) {
        close(in[0]);
        req->in_fd = in[1];
    }
    req->out_fd = out[0];
    req->err_fd = err[0];
    if (pid < 0) {
        fail_start(req, "fork");
        loop_timer_add(t->loop, 0, report_failed_start, req);
        return;
    }
    req->pid = pid;
    req->res.ran = false;
    loop_watch(t->loop, req->out_fd, POLLIN, on_output, req);
    loop_watch(t->loop, req->err_fd, POLLIN, on_output, req);
    req->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (req->pidfd >= 0) {
        loop_watch(t->loop, req->pidfd, POLLIN, on_exit_fd, req);
        return;
    }
    /* without a pidfd (Linux < 5.3) the exit cannot be watched on the loop */
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail_start(req, "pidfd_open");
    loop_timer_add(t->loop, 0, report_failed_start, req);
}

void local_exec_cancel(exec_req *req)
{
    transport_t *t = req->t;
    close_fd(t, &req->out_fd);
    close_fd(t, &req->err_fd);
    close_fd(t, &req->in_fd);
    close_fd(t, &req->pidfd);
    if (req->pid > 0 && !req->exited) {
        kill(-req->pid, SIGKILL);
        /* SIGKILL cannot be caught: this wait is for the kernel, not the network */
        waitpid(req->pid, NULL, 0);
        req->exited = true;
    }
}
