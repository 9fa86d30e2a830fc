/* The console's state and the pieces it is built from: panels, drawing
 * helpers, the status line. Internal to src/ui/; main.c only sees
 * console.h.
 *
 * Screen layout: row 0 the header (environments as tabs, READ-ONLY, the
 * clock), row 1 the selected host and its connection state, rows 2..H-2
 * the current panel, row H-1 the status line (or the `:`/`/` line being
 * edited). A pager (help, details) or a dialog is drawn over the panel. */
#ifndef OPSDECK_UI_UI_H
#define OPSDECK_UI_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "opsdeck/app.h"
#include "opsdeck/audit.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/ui/console.h"
#include "opsdeck/ui/lineedit.h"
#include "opsdeck/ui/table.h"
#include "opsdeck/ui/theme.h"

#define UI_MIN_COLS  40
#define UI_MIN_ROWS  10
#define UI_MAX_ENVS  16
#define UI_REDRAW_MS 100 /* model changes are drawn at most this often */

typedef struct ui ui_t;
typedef struct dialog dialog;
typedef struct pager pager;

typedef struct ui_rect {
    int y, x, h, w;
} ui_rect;

/* A panel, htop-style: a name, and what it does to draw and take keys.
 * Each has its own file (panel_*.c) and its own state. */
typedef struct panel {
    const char *name;
    /* its state: zeroed and freed for it when it needs nothing more... */
    size_t state_size;
    /* ...or made and freed by these (NULL: state_size is used) */
    void *(*create)(void);
    void (*destroy)(void *state);
    void (*draw)(ui_t *ui, void *state, ui_rect area);
    /* Returns true when it used the key. key is a curses key code when
     * is_code, else a character. */
    bool (*key)(ui_t *ui, void *state, int key, bool is_code);
    const char *const *help; /* "KEYS  what they do" lines, NULL-terminated */
    bool filterable;         /* `/` filters its table */
    /* The selected row as an action's target (a container's name, a
     * backend's pid), "" when none; NULL: nothing here is an action's
     * target. The actions whose table row names this panel ask it. */
    void (*selection)(const ui_t *ui, void *state, char *out, size_t size);
} panel;

/* Keys 1..8, in man/opsdeck.1's order (KEYS: 1 overview ... 8 audit). */
enum {
    PANEL_OVERVIEW,
    PANEL_CONTAINERS,
    PANEL_SIGNALS,
    PANEL_POSTGRES,
    PANEL_REDIS,
    PANEL_ALERTS,
    PANEL_RUNBOOKS,
    PANEL_AUDIT,
    PANEL_COUNT
};

/* The panel table (panels.c): key i+1 shows ui_panels[i], :panel NAME the
 * one with that name; NULL where this build has no panel in the slot. */
extern const panel *const ui_panels[PANEL_COUNT];
int ui_panel_from_name(const char *name); /* -1 unknown */

typedef enum { UI_NORMAL, UI_COMMAND, UI_FILTER } ui_mode;

struct ui {
    app_t *app;
    const console_options *opts;
    attr_t attr[THEME_COUNT];
    const char *envs[UI_MAX_ENVS]; /* the environments of the app's hosts */
    size_t nenvs, env;
    size_t env_host[UI_MAX_ENVS]; /* per environment, its selected host */
    int panel;
    void *panel_state[PANEL_COUNT];
    ui_mode mode;
    line_edit cmdline;
    line_edit filter[PANEL_COUNT];
    char status[256];
    bool status_error;
    pager *pager;    /* help or details over the panel; NULL none */
    dialog *dialogs; /* questions waiting, the first is shown */
    bool quit;
    bool pasting;                 /* between a bracketed paste's start and end (paste.h) */
    bool utf8;                    /* the locale's charset is UTF-8 */
    audit_log audit;              /* the audit log, fd -1 when it cannot be opened */
    char audit_error[256];        /* why not */
    struct action_engine *engine; /* NULL in a READONLY build */
    struct rb_engine *runbooks;   /* the runbook engine (runbooks_ui.c) */
    struct runbook_set *rbset;    /* the runbooks loaded; never NULL after init */
    char rb_error[256];           /* why there are none: a problem of the files */
    bool rb_view;                 /* the run view is open over the panel */
    bool rb_asking;               /* a dialog of the run is open */
    /* the step whose output the run view shows: -1 the current one; its
     * output scrolled back `back` lines from its end; for run run_id. drawn:
     * the row last drawn, page: the rows of output it had (for PgUp). */
    struct {
        int row, back, drawn, page;
        char run_id[48];
    } rb_shown;
    unsigned rb_generation; /* bumped when a run ends (panel 7 asks for locks again) */
    struct log_view *logs;  /* a container's log over the panel; NULL none */
    uint64_t redraw_timer, clock_timer;
    int64_t last_draw_ms;
};

/* ---- state (state.c) ---- */
void ui_state_init(ui_t *ui, app_t *app, const console_options *opts);
void ui_state_free(ui_t *ui);
const char *ui_env_name(const ui_t *ui);
/* env_is_production() of the config: production = yes, or by its name */
bool ui_env_is_production(const ui_t *ui, const char *env);
bool ui_host_in_env(const ui_t *ui, size_t host);
size_t ui_host_index(const ui_t *ui); /* the selected host */
/* Whether host's alerts count for environment env (index into envs): it is
 * there, has alertmanager =, and no earlier host there reaches the same
 * Alertmanager the same way (its alerts would be counted twice). */
bool ui_alerts_source(const ui_t *ui, size_t env, size_t host);
host_model *ui_host(const ui_t *ui);
int ui_select_env(ui_t *ui, const char *name); /* -1 unknown */
void ui_step_env(ui_t *ui, int delta);
int ui_select_host(ui_t *ui, const char *name); /* -1 unknown */
void ui_step_host(ui_t *ui, int delta);
void ui_set_host(ui_t *ui, size_t host); /* must be in the environment */
/* Shows panel i; says so in the status line when it is not built. */
void ui_show_panel(ui_t *ui, int i);
const char *ui_filter(const ui_t *ui); /* the current panel's `/` filter */
void ui_say(ui_t *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_quit(ui_t *ui);

/* ---- drawing (draw.c): every call clips to w columns ---- */
/* Text of our own (labels, numbers). Returns the columns drawn. */
int ui_put(int y, int x, int w, attr_t attr, const char *text);
/* Text that came from a host: sanitized to one line first. */
int ui_put_remote(int y, int x, int w, attr_t attr, const char *text);
/* Remote text made safe for a line we compose ourselves (ui_put then
 * keeps our own spacing, which ui_put_remote would fold). */
const char *ui_clean(const char *text, char *buf, size_t size);
/* Same, right-aligned in w columns. */
int ui_put_right(int y, int x, int w, attr_t attr, const char *text);
void ui_fill(int y, int x, int w, attr_t attr);
/* A table's heading line: the titles of the shown columns (w from
 * layout_columns), starting at column 1. */
void ui_draw_headings(ui_t *ui, int y, const column_spec *cols, int n, const int *w);
/* A framed box with a title, cleared inside; returns the inside. */
ui_rect ui_box(ui_rect r, attr_t attr, const char *title);
/* The attribute of an environment's name (production always stands out). */
attr_t ui_env_attr(const ui_t *ui, const char *env, bool active);
/* A signal's level to its role; ok is drawn as ok_role (THEME_OK where the
 * colour helps, THEME_NORMAL in a table it would flood with green). */
theme_role ui_level_role(signal_level level, theme_role ok_role);
/* State/health words to roles: running/healthy ok, restarting warn, ... */
theme_role ui_state_role(const char *word);

/* ---- actions (actions_ui.c, action_view.c) ---- */
void ui_actions_init(ui_t *ui); /* opens the audit log, makes the engine */
void ui_actions_free(ui_t *ui); /* an action still running is cut off, audited */
/* action: restart, cancel, terminate, kill-idle, flush; arg: the target
 * named on the command line, or NULL for the selected row. Read-only: a
 * denied line and a message, nothing else. */
void ui_action_request(ui_t *ui, const char *action, const char *arg);
bool ui_action_busy(const ui_t *ui);
/* The running or finished action's box over the panel. */
bool ui_action_view_active(const ui_t *ui);
void ui_action_view_draw(ui_t *ui, ui_rect screen);
bool ui_action_view_key(ui_t *ui, int key, bool is_code); /* true: it took the key */
/* R and :reconnect: the selected host, at once (reconnect.c). */
void ui_reconnect(ui_t *ui);
/* q and :quit: asks first while an action runs. */
void ui_request_quit(ui_t *ui);
/* Selections set from elsewhere (the overview's Enter): shown at the next
 * draw of that panel, when the row is there. */
void ui_containers_select(ui_t *ui, const char *name);
void ui_postgres_select_pid(ui_t *ui, int pid);
void ui_alerts_select(ui_t *ui, const char *host, const char *name, const char *starts_at,
                      bool suppressed);

/* ---- runbooks (runbooks_ui.c, runbook_view.c) ---- */
void ui_runbooks_init(ui_t *ui); /* loads the runbooks, makes the engine */
void ui_runbooks_free(ui_t *ui); /* a run going is left to go on on its host */
/* :run NAME and Enter on panel 7: starts NAME on the selected host. */
void ui_runbook_request(ui_t *ui, const char *name);
/* A runbook's own key: true when key starts one. */
bool ui_runbook_key(ui_t *ui, int key);
/* Shows the last run of NAME on the selected host, re-attached. */
void ui_runbook_show_last(ui_t *ui, const char *name);
bool ui_runbook_busy(const ui_t *ui);
/* The app changed (a host came up): re-attaches a run left unfinished. */
void ui_runbooks_poll(ui_t *ui);
/* "RUN api-down on staging-api" while a run is going; "" otherwise. */
const char *ui_runbook_header(const ui_t *ui, char *buf, size_t size);
bool ui_runbook_view_active(const ui_t *ui);
void ui_runbook_view_draw(ui_t *ui, ui_rect area);
bool ui_runbook_view_key(ui_t *ui, int key, bool is_code); /* true: it took the key */

/* ---- a container's log (log_view.c) ---- */
/* l on panel 2 and :logs [NAME]: the log of NAME (NULL: the containers
 * panel's selection) on the selected host, followed until the view is
 * left. */
void ui_logs_open(ui_t *ui, const char *name);
void ui_logs_close(ui_t *ui); /* closes the channel that follows it */
bool ui_log_view_active(const ui_t *ui);
void ui_log_view_draw(ui_t *ui, ui_rect area);
bool ui_log_view_key(ui_t *ui, int key, bool is_code); /* true: it took the key */
/* One log line at y, x in w columns: "!" for a stderr line, then its text
 * (sanitized again as it is drawn); attr for the text. The log view's and
 * the run view's (a logs check) lines look the same. */
struct log_line;
void ui_log_line_draw(ui_t *ui, int y, int x, int w, const struct log_line *l, attr_t attr);

/* ---- sparklines (sparkline.c) ---- */
/* The last w values of h in row y from column x, scaled as
 * sparkline_heights does; each cell coloured by its value against
 * warn_crit[0..1] (NULL: no thresholds, known values are drawn as ok). */
void ui_sparkline(ui_t *ui, int y, int x, int w, const history *h, double floor_max,
                  const double *warn_crit);

/* ---- how fresh a source's data is (freshness.c) ---- */
/* "2s old", "STALE, 1m03s old: <error>", "no data: <error>", "waiting for
 * the first sample". The text may hold the host's error: draw it with
 * ui_put_remote. Returns the role to draw it in. */
theme_role ui_freshness(const host_model *h, source_kind kind, double now, char *buf, size_t size);
/* A source whose data must not be shown as current. */
bool ui_source_stale(const host_model *h, source_kind kind);

/* ---- the screen (screen.c) ---- */
void ui_draw(ui_t *ui);
void ui_draw_header(ui_t *ui);
void ui_draw_status(ui_t *ui);
/* Redraw soon (coalesced: at most every UI_REDRAW_MS). */
void ui_mark_dirty(ui_t *ui);

/* ---- keys (input.c) ---- */
void ui_key(ui_t *ui, int key, bool is_code);
/* Maps an editing key to a LINE_KEY_* value or a character; 0 to ignore. */
int ui_line_key(int key, bool is_code);

/* ---- help (help.c) ---- */
void ui_open_help(ui_t *ui);

/* ---- theme to curses (style.c) ---- */
void ui_apply_theme(ui_t *ui, const theme *t);

#endif
