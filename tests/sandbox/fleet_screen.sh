# shellcheck shell=bash
# Reading the console's overview of a fleet of fleet.sh (bench/scale.sh and
# tests/integration/test_fleet.sh); source it. No side effects here.

# fleet_ascii: the screen on stdin with every non-ASCII character (the
# sparklines) made one '?', so that mawk, which counts bytes, finds cells
# under their headers.
fleet_ascii() { perl -CS -pe 's/[^\x00-\x7f]/?/g'; }

# fleet_rows STATE [MAX_AGE] < SCREEN: how many host rows say STATE with
# MEM% (golden signals, node_metrics) and HEALTH drawn, i.e. every source
# of the host answered, and, when MAX_AGE is given, its stalest source at
# most MAX_AGE s old (the AGE column, last).
fleet_rows() {
    fleet_ascii | awk -v want="$1" -v max="${2:-}" '
        /^ HOST +STATE/ { m = index($0, "MEM%") + 3; hh = index($0, "HEALTH") + 5; next }
        m && $1 ~ /^fleet-[0-9]+$/ {
            mem = substr($0, m - 5, 6); he = substr($0, hh - 5, 6); age = $NF
            if ($2 != want || mem !~ /%/ || he !~ /[0-9]/) next
            if (max != "" && (age !~ /^[0-9]+s$/ || age + 0 > max)) next
            n++
        }
        END { print n + 0 }'
}

# fleet_state_rows STATE < SCREEN: how many host rows say STATE, whatever
# their cells.
fleet_state_rows() { awk -v want="$1" '$1 ~ /^fleet-[0-9]+$/ && $2 == want { n++ } END { print n + 0 }'; }
