# The console in a private tmux server, for the end-to-end tests; source it
# after tests/lib.sh. Skips (and exits) when there is no sandbox or no tmux.
# start ENV ARGS runs opsdeck -c ${CONF:-$SBX_CONF} in a 120x40 pane;
# screen, keys, shows, expect... read and drive it; every wait is bounded.
ENVF=${SANDBOX_DIR:-}/sandbox.env
if [ -z "${SANDBOX_DIR:-}" ] || [ ! -f "$ENVF" ]; then
    skip "console" "no sandbox (SANDBOX_DIR/sandbox.env); run through tests/run.sh e2e"
    exit 0
fi
if ! command -v tmux >/dev/null; then
    skip "console" "tmux is not installed"
    exit 0
fi
# shellcheck disable=SC1090
. "$ENVF"

# a private tmux server per run (a fresh socket each time: a server that is
# still shutting down must not swallow the next one)
RUNS=0
TMUX_CMD=()
WORK=$(mktemp -d /tmp/opsdeck-e2e.XXXXXX)
cleanup() {
    local i
    for ((i = 1; i <= RUNS; i++)); do
        tmux -L "opsdeck-e2e-$$-$i" kill-server >/dev/null 2>&1
        rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/opsdeck-e2e-$$-$i"
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

screen() { "${TMUX_CMD[@]}" capture-pane -p -t con "$@"; }
keys() { "${TMUX_CMD[@]}" send-keys -t con "$@"; }
shows() { screen | grep -qF -- "$1"; }
shows_not() { ! screen | grep -qF -- "$1"; }
line() { screen | sed -n "$1p"; }
header_has() { line 1 | grep -qF -- "$1"; }
hostline_has() { line 2 | grep -qF -- "$1"; }
status_has() { screen | grep -v '^$' | tail -n 1 | grep -qF -- "$1"; }
pane_width_is() { [ "$("${TMUX_CMD[@]}" display -p -t con '#{pane_width}')" = "$1" ]; }
# a confirmation takes keys only once its prompt is drawn (the type-ahead
# guard, DIALOG_GUARD_MS): wait for it before answering
prompt_up() { shows "y to go ahead" || shows "type its name" || shows "Type yes"; }
# a : command, typed as a person would
cmd() {
    keys ":"
    keys -l "$1"
    keys Enter
}
expect() { # name, seconds, check...
    local name=$1 secs=$2
    shift 2
    if wait_for "$secs" "$@"; then
        pass "$name"
    else
        fail "$name" "screen never matched ($*); screen was: $(screen | grep -v '^$' | head -n 12 | tr '\n' '|')"
    fi
}

# escapes_kept_out NAME TITLE_NAME: a host's text holding ESC[31mRED, an OSC
# title (]0;pwned) and BEL is on screen: the visible remains may show, the
# ESC and BEL bytes may not reach the terminal, and the pane's title stays
escapes_kept_out() {
    local raw title
    raw=$(screen -e)
    if grep -q $'\e\\[31mRED' <<<"$raw" || grep -q $'\e\\]0;' <<<"$raw" || grep -q $'\a' <<<"$raw"; then
        fail "$1" "$(grep -a RED <<<"$raw" | cat -v | head -c 300)"
    else
        pass "$1"
    fi
    title=$("${TMUX_CMD[@]}" display -p -t con '#{pane_title}')
    if [ "$title" != pwned ]; then pass "$2"; else fail "$2" "pane title became '$title'"; fi
}

# say STREAM TEXT: staging's demo API writes TEXT on its stdout or stderr
# (POST /control log_stdout, log_stderr), for its container's log
say() {
    jq -cn --arg k "log_$1" --arg v "$2" '{($k): $v}' |
        curl -s -m 10 -XPOST -d @- "$SBX_STAGING_CONTROL" >/dev/null
}

# runbooks_setup FILE...: the runbooks FILE... in a copy of the sandbox's
# config ($CONF, exported) with an audit log ($AUDIT) and a state_dir of this
# test's: the runs and locks are written on the host by its deploy user,
# reachable through this test's private directory.
runbooks_setup() {
    AUDIT=$WORK/audit.log
    export XDG_STATE_HOME=$WORK/xdg
    mkdir -p "$WORK/runbooks"
    chmod 0711 "$WORK"
    install -d -o "$SBX_USER" -g "$SBX_USER" -m 0700 "$WORK/state"
    cp "$@" "$WORK/runbooks/"
    CONF=$WORK/opsdeck.conf
    sed -e "/^runbooks *=/d" -e "/^audit_log *=/d" -e "/^state_dir *=/d" \
        -e "s|^\[opsdeck\]|[opsdeck]\nrunbooks = $WORK/runbooks\naudit_log = $AUDIT|" \
        -e "s|^\[host \(.*\)\]|[host \1]\nstate_dir = $WORK/state|" "$SBX_CONF" >"$CONF"
    chmod 600 "$CONF"
    export CONF
}
audit_has() { jq -e -s "$1" "$AUDIT" >/dev/null 2>&1; }
# audit_verifies NAME: the audit log's hash chain holds (opsdeck --verify-audit)
audit_verifies() {
    if "$OPSDECK_BIN" --verify-audit "$AUDIT" >/dev/null; then pass "$1"; else
        fail "$1" "$("$OPSDECK_BIN" --verify-audit "$AUDIT")"
    fi
}

# The pane runs bash, bash runs opsdeck in the foreground, then reports its
# exit status and the terminal modes once opsdeck is gone.
start() { # extra environment / arguments
    [ "${#TMUX_CMD[@]}" = 0 ] || "${TMUX_CMD[@]}" kill-server >/dev/null 2>&1
    RUNS=$((RUNS + 1))
    TMUX_CMD=(tmux -L "opsdeck-e2e-$$-$RUNS" -f /dev/null)
    "${TMUX_CMD[@]}" new-session -d -s con -x 120 -y 40 \
        "env TERM=xterm-256color $1 '$OPSDECK_BIN' -c '${CONF:-$SBX_CONF}' $2; \
         echo \"opsdeck exited \$?\"; stty -a | tr ' ;' '\n\n' | grep -xE 'icanon|echo' | \
         tr '\n' ' '; echo; sleep 600"
    "${TMUX_CMD[@]}" set-option -t con remain-on-exit on >/dev/null
}
opsdeck_pid() {
    local pane
    pane=$("${TMUX_CMD[@]}" display -p -t con '#{pane_pid}')
    pgrep -P "$pane" -f "$OPSDECK_BIN" | head -n 1
}
