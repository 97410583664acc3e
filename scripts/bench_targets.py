#!/usr/bin/env python3
"""The measuring half of scripts/bench.sh: times every command of the run (whole process,
median wall time, peak RSS), alternating the commands round by round so that a noisy stretch
of the machine falls on all of them alike, then prints each target of issue 14 with its ratio
and PASS or FALL SHORT, and (with --write-docs) rewrites the marked blocks of
docs/performance.md and README.md from the same figures. Nothing here is typed by hand.

Called by scripts/bench.sh with a JSON plan on stdin (see there); not meant to be run alone.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def run_once(cmd, stdout=None):
    """Runs cmd once; its standard output goes to the file `stdout` when given."""
    start = time.perf_counter()
    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        child = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        if stdout:
            sink.close()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, code


def measure(commands, runs):
    """commands: name -> {cmd, runs?, ok_codes, stdout?}; returns name -> (median wall, max RSS
    MB). A command's `stdout` file gets the output of its first run (Checkov's report, counted
    afterwards, so that Checkov runs once, not once to count and once to time)."""
    walls = {name: [] for name in commands}
    rss = {name: 0.0 for name in commands}
    for round_ in range(runs):
        for name, c in commands.items():
            if round_ >= c.get("runs", runs):
                continue
            wall, mb, code = run_once(c["cmd"], c.get("stdout") if round_ == 0 else None)
            if code not in c.get("ok_codes", [0]):
                sys.exit(f"bench: `{' '.join(c['cmd'])}` exited {code}")
            walls[name].append(wall)
            rss[name] = max(rss[name], mb)
        print(f"  round {round_ + 1}/{runs} done", file=sys.stderr)
    return {n: (statistics.median(w), rss[n]) for n, w in walls.items() if w}


def checkov_checks(plan):
    """What Checkov ran, counted from the report of its timed run."""
    path = plan.get("checkov_output")
    if not path:
        return "not run"
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return f"unknown (its report could not be read: {e})"
    reports = data if isinstance(data, list) else [data]
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    failed = sum(r.get("summary", {}).get("failed", 0) for r in reports)
    ids = {c["check_id"] for r in reports for k in ("passed_checks", "failed_checks")
           for c in r.get("results", {}).get(k, [])}
    return f"{len(ids)} distinct checks, {passed + failed} results ({failed} failed)"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), load average at the start {load}"


def fmt_s(x):
    return f"{x:.3f} s"


def main():
    plan = json.load(sys.stdin)
    runs = plan["runs"]
    commands = plan["commands"]
    m = measure(commands, runs)
    sizes = plan["sizes"]

    def wall(name):
        return m[name][0] if name in m else None

    def rss(name):
        return m[name][1] if name in m else None

    targets = []

    def target(label, value, goal, passed, note=""):
        targets.append((label, value, goal, "PASS" if passed else "FALL SHORT", note))

    def ratio(a, b):
        return a / b if a is not None and b else None

    n = plan["n"]
    r = ratio(wall("regorus"), wall("annexa_json"))
    if r is not None:
        target(f"regorus / annexa, N = {n:,} JSON", f"{r:.2f}×", "≥ 5×", r >= 5)
    else:
        targets.append((f"regorus / annexa, N = {n:,} JSON", "not run", "≥ 5×", "NOT RUN", "regorus not installed"))
    r = ratio(wall("annexa_json"), wall("annexa_parse"))
    target("annexa / annexa parse-only", f"{r:.2f}×", "≤ 1.5×", r <= 1.5)
    r = ratio(wall("annexa_parse"), wall("serde_validate"))
    target("annexa parse-only / serde_json IgnoredAny", f"{r:.2f}×", "≤ 2×", r <= 2)
    r = rss("annexa_json") / (sizes["json"] / 1e6)
    target("annexa peak RSS / JSON input size", f"{r:.2f}× ({rss('annexa_json'):.0f} MB / {sizes['json'] / 1e6:.1f} MB)", "≤ 2×", r <= 2)
    r = ratio(wall("annexa_yaml"), wall("annexa_json"))
    target("annexa YAML / annexa JSON", f"{r:.2f}×", "≤ 1.5×", r <= 1.5)
    r = ratio(wall("annexa_json"), wall("annexa_json_small"))
    target(f"annexa N = {n:,} / N = {n // 10:,}", f"{r:.2f}×", "≤ 11×", r <= 11)
    rules = plan["rules"]
    r = ratio(wall("compile_large"), wall("compile_small"))
    target(f"{rules * 10:,} rules / {rules:,} rules", f"{r:.2f}×", "≤ 10×", r <= 10)
    r = ratio(wall("repo_jobs1"), wall("annexa_repo"))
    threads = plan["jobs"]
    target(f"repository, --jobs 1 / --jobs {threads}", f"{r:.2f}×", "> 1.3× (both cores used)", r > 1.3,
           "output compared byte for byte: identical" if plan["identical"] else "OUTPUT DIFFERS")
    r = ratio(wall("annexa_json_jobs1"), wall("annexa_json"))
    target(f"one fact file (its rules shared), --jobs 1 / --jobs {threads}", f"{r:.2f}×", "> 1.3× (both cores used)", r > 1.3,
           "output compared byte for byte: identical" if plan["identical"] else "OUTPUT DIFFERS")
    r = ratio(wall("checkov"), wall("annexa_repo"))
    files = plan["repo_files"]
    if r is not None:
        target(f"checkov / annexa, {files:,}-file repository", f"{r:.1f}×", "≥ 20×", r >= 20,
               f"annexa {rss('annexa_repo'):.0f} MB, checkov {rss('checkov'):.0f} MB")
    else:
        targets.append((f"checkov / annexa, {files:,}-file repository", "not run", "≥ 20×", "NOT RUN", "REPO_PEER=0 or checkov not installed"))

    rows = []
    for name, c in commands.items():
        if name in m:
            rows.append((c["label"], fmt_s(m[name][0]), f"{m[name][1]:.0f} MB", len(range(min(runs, c.get("runs", runs))))))

    lines = []
    lines.append(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.")
    lines.append(f"Command: `{plan['command']}`. Each figure is the median of {runs} whole-process runs")
    lines.append("(checkov: its own count, below), alternating the commands round by round; peak RSS is the")
    lines.append("largest of the runs. Compare the ratios, which are measured in the same run, not the seconds.")
    lines.append("")
    lines.append("| target | measured | goal | verdict | note |")
    lines.append("|---|---|---|---|---|")
    for t in targets:
        lines.append("| " + " | ".join(t) + " |")
    lines.append("")
    lines.append("| command | median wall | peak RSS | runs |")
    lines.append("|---|---|---|---|")
    for row in rows:
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]} |")
    lines.append("")
    lines.append(f"Checks run on the repository: annexa {plan['annexa_checks']}; checkov {checkov_checks(plan)}.")
    block = "\n".join(lines)
    print()
    print(block)

    if plan.get("write_docs"):
        for path in ("docs/performance.md", "README.md"):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if BEGIN not in text or END not in text:
                sys.exit(f"bench: {path} has no {BEGIN} … {END} block to rewrite")
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            with open(path, "w", encoding="utf-8") as f:
                f.write(head + BEGIN + "\n" + block + "\n" + END + tail)
            print(f"rewrote the measured block of {path}", file=sys.stderr)
    if any(t[3] == "FALL SHORT" for t in targets) or not plan["identical"]:
        print("some targets fall short (see above)", file=sys.stderr)


if __name__ == "__main__":
    main()
