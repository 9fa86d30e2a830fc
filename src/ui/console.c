/* console_run(): the terminal's life. ncurses is set up, the terminal and
 * the signals are watched on the app's loop, and on every way out the
 * terminal is given back as it was. See include/opsdeck/ui/console.h.
 *
 * Signals (SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGTSTP) reach the loop
 * through a self-pipe: the handler only writes the signal number. SIGTSTP
 * (Ctrl-Z) is ours rather than curses's so that bracketed paste (paste.h)
 * is turned off while the shell has the terminal. */
#include "opsdeck/ui/console.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "opsdeck/ui/dialog.h"
#include "opsdeck/ui/paste.h"
#include "opsdeck/ui/ui.h"

#define EXIT_THEME  78
#define CLOCK_MS    1000
#define ESCDELAY_MS 25

static const int watched_signals[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGTSTP};
#define NSIGNALS ((int)(sizeof(watched_signals) / sizeof(*watched_signals)))

typedef struct console {
    ui_t ui;
    SCREEN *screen;
    int sigpipe[2];
    struct sigaction old[NSIGNALS];
} console;

static int signal_write_fd = -1;
static SCREEN *active_screen; /* for the atexit safety net */

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (signal_write_fd >= 0 && write(signal_write_fd, &b, 1) < 0) {
        /* the pipe is full: a wake-up is already pending */
    }
    errno = saved;
}

/* Whatever ends the process (an exit() deep in a library), the terminal
 * must not be left in raw mode. */
static void restore_terminal_at_exit(void)
{
    if (active_screen) {
        endwin();
        paste_mode_off();
        active_screen = NULL;
    }
}

static int make_pipe(int fds[2])
{
    if (pipe(fds) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void install_signals(console *c)
{
    signal_write_fd = c->sigpipe[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < NSIGNALS; i++)
        sigaction(watched_signals[i], &sa, &c->old[i]);
}

static void restore_signals(console *c)
{
    for (int i = 0; i < NSIGNALS; i++)
        sigaction(watched_signals[i], &c->old[i], NULL);
    signal_write_fd = -1;
}

static void resize(ui_t *ui)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    clear(); /* the terminal's own contents are unknown after a resize */
    ui_draw(ui);
}

/* Ctrl-Z: the terminal back as the shell expects it, stop, and on `fg`
 * everything as it was. The handler is put back to default only for the
 * moment of raising the stop. */
static void suspend(console *c)
{
    endwin();
    paste_mode_off();
    int i = 0;
    while (watched_signals[i] != SIGTSTP)
        i++;
    struct sigaction ours;
    sigaction(SIGTSTP, &c->old[i], &ours);
    raise(SIGTSTP); /* stopped here until SIGCONT */
    sigaction(SIGTSTP, &ours, NULL);
    paste_mode_on();
    resize(&c->ui);
}

static void on_signal_pipe(loop_t *loop, int fd, int revents, void *arg)
{
    (void)loop;
    (void)revents;
    console *c = arg;
    unsigned char sigs[64];
    ssize_t n;
    bool winch = false, stop = false;
    while ((n = read(fd, sigs, sizeof(sigs))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (sigs[i] == SIGWINCH)
                winch = true;
            else if (sigs[i] == SIGTSTP)
                stop = true;
            else
                ui_quit(&c->ui);
        }
    }
    if (stop && !c->ui.quit)
        suspend(c);
    else if (winch && !c->ui.quit)
        resize(&c->ui);
}

static void on_terminal(loop_t *loop, int fd, int revents, void *arg)
{
    (void)loop;
    (void)fd;
    console *c = arg;
    ui_t *ui = &c->ui;
    if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
        ui_quit(ui); /* the terminal went away */
        return;
    }
    wint_t ch;
    int rc, keys = 0;
    while (!ui->quit && (rc = get_wch(&ch)) != ERR && keys++ < 256) {
        if (rc == KEY_CODE_YES && ch == KEY_RESIZE) {
            resize(ui);
            continue;
        }
        ui_key(ui, (int)ch, rc == KEY_CODE_YES);
    }
    if (!ui->quit)
        ui_draw(ui); /* a key shows its effect at once */
}

static void on_clock(loop_t *loop, void *arg)
{
    ui_t *ui = arg;
    ui->clock_timer = loop_timer_add(loop, CLOCK_MS, on_clock, ui);
    ui_mark_dirty(ui); /* the clock and every age move on */
}

static void on_changed(app_t *app, void *arg)
{
    (void)app;
    ui_runbooks_poll(arg); /* a host up again: a run left unfinished is re-attached */
    ui_mark_dirty(arg);
}

static void on_hostkey(app_t *app, size_t host, const char *jump, const char *keytype,
                       const char *fp, void *arg)
{
    (void)app;
    dialog_hostkey_open(arg, host, jump, keytype, fp);
}

static void on_passphrase(app_t *app, size_t host, const char *identity, void *arg)
{
    (void)app;
    dialog_passphrase_open(arg, host, identity);
}

static int load_theme(const console_options *opts, theme *t)
{
    char err[512] = "";
    if (theme_load(opts->theme, t, err, sizeof(err)) < 0) {
        fprintf(stderr, "opsdeck: theme: %s\n", err);
        return -1;
    }
    /* https://no-color.org: present, whatever its value, means no colour */
    if (getenv("NO_COLOR"))
        theme_to_mono(t);
    return 0;
}

static int start_curses(console *c, const theme *t)
{
    c->screen = newterm(NULL, stdout, stdin);
    if (!c->screen) {
        const char *term = getenv("TERM");
        fprintf(stderr, "opsdeck: cannot use the terminal (TERM=%s)\n", term ? term : "unset");
        return -1;
    }
    active_screen = c->screen;
    set_term(c->screen);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(ESCDELAY_MS);
    curs_set(0);
    if (has_colors() && !getenv("NO_COLOR")) {
        start_color();
        use_default_colors();
    }
    ui_apply_theme(&c->ui, t);
    paste_mode_on();
    return 0;
}

static void stop_curses(console *c)
{
    if (!c->screen)
        return;
    endwin();
    paste_mode_off();
    delscreen(c->screen);
    c->screen = NULL;
    active_screen = NULL;
}

static void watch_everything(console *c)
{
    ui_t *ui = &c->ui;
    app_t *app = ui->app;
    /* keys first: a refresh round of many hosts must not hold them back */
    loop_watch_urgent(app->loop, STDIN_FILENO, POLLIN, on_terminal, c);
    loop_watch(app->loop, c->sigpipe[0], POLLIN, on_signal_pipe, c);
    app->events = (app_events){
        .hostkey_unknown = on_hostkey,
        .passphrase_needed = on_passphrase,
        .changed = on_changed,
        .arg = ui,
    };
    ui->clock_timer = loop_timer_add(app->loop, CLOCK_MS, on_clock, ui);
}

static void unwatch_everything(console *c)
{
    ui_t *ui = &c->ui;
    app_t *app = ui->app;
    /* questions still open are refused: nothing is trusted by default */
    dialog_refuse_all(ui);
    app->events = (app_events){0};
    loop_unwatch(app->loop, STDIN_FILENO);
    loop_unwatch(app->loop, c->sigpipe[0]);
    loop_timer_cancel(app->loop, ui->clock_timer);
    loop_timer_cancel(app->loop, ui->redraw_timer);
}

int console_run(app_t *app, const console_options *opts)
{
    static bool atexit_set;
    console_options defaults = {0};
    if (!opts)
        opts = &defaults;
    theme t;
    if (load_theme(opts, &t) < 0)
        return EXIT_THEME;
    console *c = calloc(1, sizeof(*c));
    if (!c || make_pipe(c->sigpipe) < 0) {
        fprintf(stderr, "opsdeck: cannot start the console: %s\n", strerror(errno));
        free(c);
        return EXIT_FAILURE;
    }
    if (!atexit_set)
        atexit_set = atexit(restore_terminal_at_exit) == 0;
    ui_state_init(&c->ui, app, opts);
    ui_actions_init(&c->ui);
    int rc = EXIT_SUCCESS;
    install_signals(c);
    if (start_curses(c, &t) < 0) {
        rc = EXIT_FAILURE;
    } else {
        watch_everything(c);
        ui_draw(&c->ui);
        loop_run(app->loop);
        unwatch_everything(c);
    }
    stop_curses(c);
    restore_signals(c);
    ui_actions_free(&c->ui);
    ui_state_free(&c->ui);
    close(c->sigpipe[0]);
    close(c->sigpipe[1]);
    free(c);
    return rc;
}
