#!/usr/bin/env python3
"""Table of bench/program.sh results: medians per configuration and the
figures issue 4's target is judged on.

    python3 bench/program_table.py results.jsonl [more.jsonl ...]
"""

import collections
import json
import statistics
import sys

ORDER = ["baseline", "program", "switching", "card", "delay10", "delay30", "baseline-rec", "program-rec"]
DELAYS = sorted((int(c[5:]), c) for c in {json.loads(l)["config"] for p in sys.argv[1:] for l in open(p) if l.strip()}
                if c.startswith("delay") and c[5:].isdigit())

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]
groups = collections.defaultdict(list)
for r in rows:
    groups[r["config"]].append(r)
configs = [c for c in ORDER if c in groups] + sorted(set(groups) - set(ORDER))


def med(config, key):
    return statistics.median(r[key] for r in groups[config])


def paired(config, ref, key):
    """Median over the repetitions of (config - ref) within the same repetition."""
    ref_by_rep = {r["rep"]: r[key] for r in groups.get(ref, [])}
    d = [r[key] - ref_by_rep[r["rep"]] for r in groups[config] if r["rep"] in ref_by_rep]
    return statistics.median(d) if d else None


def fmt(v, spec):
    return format(v, spec) if v is not None else format("-", ">" + spec.lstrip("+").split(".")[0])


input_bps = statistics.median(r["input_bps"] for r in rows)
print(f"input: {input_bps / 1e6:.3f} Mbit/s per camera (file), "
      f"{statistics.median(r['cam_a_bps_reported'] for r in rows) / 1e6:.3f} Mbit/s as the server "
      f"measures cam-a; window {statistics.median(r['window_s'] for r in rows):.1f} s; "
      f"load average (1 min) {min(r['load_1m'] for r in rows):.2f}-{max(r['load_1m'] for r in rows):.2f}")
print("CPU in % of one core (utime + stime, /proc/PID/stat); medians over the runs;")
print("'+ vs base' = median(config) - median(baseline), '(paired)' = median over runs of the")
print("difference within the same repetition; RSS at the window's end.")
print(f"{'config':<13} {'runs':>4} {'CPU %':>6} {'sched %':>7} {'+ vs base':>9} {'(paired)':>8} "
      f"{'RSS MiB':>7} {'anon MiB':>8} {'air kbit/s':>10} {'on air':>7} {'switches':>8}")
base = {"baseline": "baseline", "baseline-rec": "baseline-rec", "program-rec": "baseline-rec"}
for c in configs:
    ref = base.get(c, "baseline")
    added = med(c, "cpu_pct") - med(ref, "cpu_pct") if ref in groups and c != ref else None
    pair = paired(c, ref, "cpu_pct") if c != ref else None
    on_air = ",".join(sorted({r["on_air"] for r in groups[c] if r["on_air"]})) or "-"
    switches = f"{med(c, 'program_switches'):.0f}/{med(c, 'takes'):.0f}" if c == "switching" else ""
    print(f"{c:<13} {len(groups[c]):>4} {med(c, 'cpu_pct'):>6.2f} {med(c, 'sched_pct'):>7.2f} "
          f"{fmt(added, '+9.2f')} {fmt(pair, '+8.2f')} {med(c, 'rss_kib') / 1024:>7.1f} "
          f"{med(c, 'rss_anon_kib') / 1024:>8.1f} {med(c, 'air_kbps'):>10.0f} {on_air:>7} {switches:>8}")

print()
print("Target 1: switching, card and delay add < 1 % of one core (vs baseline, recording off)")
for c in ["program", "switching", "card"] + [c for _, c in DELAYS]:
    if c in groups and "baseline" in groups:
        added = med(c, "cpu_pct") - med("baseline", "cpu_pct")
        print(f"  {c:<10} {added:+.2f} % (paired {paired(c, 'baseline', 'cpu_pct'):+.2f})"
              f"  {'met' if added < 1 else 'NOT met'}")

print("Target 2: RSS added by the delay (vs program at delay 0) <= 1.2 x (delay x input bitrate)")
for seconds, c in DELAYS:
    if c in groups and "program" in groups:
        added = (med(c, "rss_kib") - med("program", "rss_kib")) * 1024
        pair = paired(c, "program", "rss_kib") * 1024
        media = seconds * input_bps / 8
        print(f"  {c:<10} +{added / 2**20:.1f} MiB (paired +{pair / 2**20:.1f}); {seconds} s of input = "
              f"{media / 2**20:.1f} MiB; ratio {added / media:.2f} (paired {pair / media:.2f})"
              f"  {'met' if added <= 1.2 * media else 'NOT met'}")

if "program-rec" in groups and "baseline-rec" in groups:
    print("Recording (program + air streams):")
    print(f"  rec:air1* threads {med('program-rec', 'rec_air_pct'):.2f} % of one core; "
          f"rec:cam-* threads {med('program-rec', 'rec_inputs_pct'):.2f} %")
    if "program" in groups and "baseline" in groups:
        whole = (med("program-rec", "cpu_pct") - med("program", "cpu_pct")) - \
                (med("baseline-rec", "cpu_pct") - med("baseline", "cpu_pct"))
        print(f"  whole server: (program-rec - program) - (baseline-rec - baseline) = {whole:+.2f} %")
        print(f"  program with recording vs baseline without: "
              f"{med('program-rec', 'cpu_pct') - med('baseline', 'cpu_pct'):+.2f} %")
