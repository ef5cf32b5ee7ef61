#!/usr/bin/env python3
"""Tables for docs/exploration.md, produced with `diocheck explore --json`.

  explore_table.py scenarios [--budget S] [--jobs N] [--kernels K,..] [--scenarios S:fs,..]
      the standard scenarios (default S1..S4) on the kernels (default the 3.x variants),
      reduction none at preemption bound k = 0..3 and DPOR (unbounded)
  explore_table.py mutants [--budget S] [--jobs N]     every corpus/mutants/*.json: does DPOR
      find the mutant the preemption-bounded unreduced search finds (k = 2)?

Each cell is one single-threaded `diocheck explore` run with a time budget; at most --jobs
run at once (the machine is shared). Prints a Markdown table.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = ["3.11", "7b7a8665", "3.12", "3.12-fixed"]
SCENARIOS = [("S1", "ext4"), ("S2", "xfs"), ("S3", "ext4"), ("S3", "xfs"), ("S4", "ext4"), ("S4", "xfs")]
SEARCHES = [("none", k) for k in range(4)] + [("dpor", -1)]


def explore(binary, target, reduction, bound, budget):
    """One run; returns the parsed --json summary."""
    cmd = [binary, "explore", *target, "--reduction", reduction, "--time", str(budget), "--json"]
    if reduction == "none":
        cmd += ["--preemption-bound", str(bound)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        return {"error": out.stderr.strip() or f"exit {out.returncode}"}
    return json.loads(out.stdout)


def cell(r):
    if r.get("error"):
        return f"error: {r['error']}"
    found = ",".join(sorted({f["property"] for f in r.get("findings", [])})) or "-"
    return f"{r['executions']} {'✔' if r['exhausted'] else '✗'} {r['seconds']:.1f}s {found}"


def run_all(jobs, tasks):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda t: explore(*t), tasks))


def scenarios(args):
    kernels = args.kernels.split(",") if args.kernels else KERNELS
    chosen = [tuple(x.split(":")) for x in args.scenarios.split(",")] if args.scenarios else SCENARIOS
    rows = [(s, fs, k) for s, fs in chosen for k in kernels]
    tasks = [(args.binary, ["--scenario", s, "--kernel", k, "--fs", fs], red, b, args.budget)
             for s, fs, k in rows for red, b in SEARCHES]
    results = run_all(args.jobs, tasks)
    heads = [f"none k={b}" if red == "none" else "dpor" for red, b in SEARCHES]
    print("| scenario | fs | kernel | " + " | ".join(heads) + " |")
    print("|---|---|---|" + "---|" * len(heads))
    for i, (s, fs, k) in enumerate(rows):
        cells = results[i * len(SEARCHES):(i + 1) * len(SEARCHES)]
        print(f"| {s} | {fs} | {k} | " + " | ".join(cell(c) for c in cells) + " |")


def mutants(args):
    files = sorted(glob.glob(os.path.join(ROOT, "corpus/mutants/*.json")))
    searches = [("none", 2), ("dpor", -1)]
    tasks = [(args.binary, [f], red, b, args.budget) for f in files for red, b in searches]
    results = run_all(args.jobs, tasks)
    print("| reproducer | expected | none k=2 | dpor | dpor finds it |")
    print("|---|---|---|---|---|")
    for i, f in enumerate(files):
        want = json.load(open(f))["expect"]["property"]
        none, dpor = results[2 * i], results[2 * i + 1]
        got = {x["property"] for x in dpor.get("findings", [])}
        base = {x["property"] for x in none.get("findings", [])}
        verdict = "yes" if want in got else ("MISSED" if want in base else "n/a (k=2 misses it too)")
        print(f"| {os.path.basename(f)} | {want} | {cell(none)} | {cell(dpor)} | {verdict} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["scenarios", "mutants"])
    p.add_argument("--budget", type=float, default=120, help="seconds per run")
    p.add_argument("--jobs", type=int, default=2, help="runs at once")
    p.add_argument("--binary", default=os.path.join(ROOT, "build/dfs/diocheck"))
    p.add_argument("--kernels", help="comma-separated kernel variants (default: " + ",".join(KERNELS) + ")")
    p.add_argument("--scenarios", help="comma-separated SCENARIO:fs (default: S1:ext4,S2:xfs,S3:ext4,S3:xfs,S4:ext4,S4:xfs)")
    args = p.parse_args()
    scenarios(args) if args.what == "scenarios" else mutants(args)


if __name__ == "__main__":
    main()
