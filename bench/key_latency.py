#!/usr/bin/python3
"""How fast the console answers a key, through tmux (bench/scale.sh).

usage: key_latency.py TMUX_SOCKET TARGET SAMPLES [PAUSE_S]

Each sample: send `?` to the pane, look at the pane until "this help" is on
it, send Escape, look until it is gone (not counted), wait PAUSE_S (0). The time from the
send to the first look that shows it is the sample. Talks to tmux in
control mode (one client, commands and answers over a pipe), so a look
costs no process start and takes well under a millisecond (looks are 1 ms apart): the
figure is opsdeck's, not the looking's. Prints one sample in ms a line, then
"p50 P p99 P max M" on the last line."""
import subprocess
import sys
import time

MARK = "this help"
GIVE_UP_S = 5.0


class Control:
    def __init__(self, sock, target):
        # Buffered pipes: unbuffered, readline() reads one byte per system
        # call, and a look at a 140-row overview (18 kB) took 15 ms (up to
        # 44) instead of 0.5: every sample paid one look at the old screen.
        self.p = subprocess.Popen(["tmux", "-L", sock, "-C", "attach", "-t", target],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.target = target
        self.run("refresh-client -f no-output")  # no %output notifications

    def run(self, command):
        """Runs one command; returns its output lines."""
        self.p.stdin.write((command + "\n").encode())
        self.p.stdin.flush()
        lines, inside = [], False
        while True:
            raw = self.p.stdout.readline()
            if not raw:
                raise RuntimeError("tmux control client ended")
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("%begin"):
                inside = True
            elif line.startswith("%end") or line.startswith("%error"):
                if inside:
                    return lines
            elif inside:
                lines.append(line)

    def shows(self):
        return any(MARK in line for line in self.run(f"capture-pane -p -t {self.target}"))

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=5)


def wait_until(ctl, want):
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        if ctl.shows() == want:
            return True
        time.sleep(0.001)  # the tmux server shares the two cores with opsdeck
    return False


def main():
    sock, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    ctl = Control(sock, target)
    samples = []
    for _ in range(n):
        if not wait_until(ctl, False):
            raise SystemExit("the help never closed")
        t0 = time.monotonic()
        ctl.run(f"send-keys -t {target} ?")
        if not wait_until(ctl, True):
            samples.append(GIVE_UP_S * 1000)
        else:
            samples.append((time.monotonic() - t0) * 1000)
        print(f"{samples[-1]:.1f}", flush=True)
        ctl.run(f"send-keys -t {target} Escape")
        time.sleep(pause)
    ctl.close()
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    print(f"p50 {pick(0.50):.1f} p99 {pick(0.99):.1f} max {s[-1]:.1f}")


if __name__ == "__main__":
    main()
