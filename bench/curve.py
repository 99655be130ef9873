#!/usr/bin/env python3
"""The fan-out curve from bench/fanout.sh results (bench/curve.sh runs both):
medians per point, courtcast ÷ nginx-rtmp within each round, issue 17's
targets, and a PNG plot drawn with gnuplot.

    python3 bench/curve.py RESULTS.jsonl [PNG]
"""
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def load(path):
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    # A server that died during its window has no CPU figure (-1): not a point.
    dead = [r for r in rows if r["server_cpu_ms_per_player_s"] < 0]
    for r in dead:
        print(f"curve.py: {r['label']} round {r['rep']}: the server died during the window; left out",
              file=sys.stderr)
    return [r for r in rows if r["server_cpu_ms_per_player_s"] >= 0]


def variant_of(r):
    return r["setting"].split("@", 1)[1] if "@" in r["setting"] else ""


def summarise(rows):
    """Medians per (n, server, variant, proto, merge), and per-round ratios to nginx-rtmp."""
    nginx_by_round = {(r["n"], r["rep"]): r for r in rows if r["server"] == "nginx-rtmp"}
    groups = defaultdict(list)
    for r in rows:
        groups[(r["n"], r["server"], variant_of(r), r["proto"], r.get("merge_ms"))].append(r)
    points = []
    for key, runs in groups.items():
        cpu_ratio, kib_ratio = [], []
        for r in runs:
            base = nginx_by_round.get((r["n"], r["rep"]))
            if base and base["server_cpu_ms_per_player_s"]:
                cpu_ratio.append(r["server_cpu_ms_per_player_s"] / base["server_cpu_ms_per_player_s"])
            if base and base["server_kib_per_player"] > 0:
                kib_ratio.append(r["server_kib_per_player"] / base["server_kib_per_player"])
        points.append(dict(
            n=key[0], server=key[1], variant=key[2], proto=key[3], merge=key[4], runs=len(runs),
            cpu=med([r["server_cpu_ms_per_player_s"] for r in runs]),
            cpu_ratio=med(cpu_ratio),
            p50=med([r["latency_ms"]["p50"] for r in runs]),
            p95=med([r["latency_ms"]["p95"] for r in runs]),
            p99=med([r["latency_ms"]["p99"] for r in runs]),
            kib=med([r["server_kib_per_player"] for r in runs]),
            kib_ratio=med(kib_ratio),
            starved=max(r["starved"] + r["players"] - r["connected"] for r in runs),
            load=med([r.get("load_avg_1m") for r in runs]),
        ))
    order = {"nginx-rtmp": 0, "courtcast": 1}
    points.sort(key=lambda p: (p["n"], order.get(p["server"], 9), p["variant"], p["proto"],
                               p["merge"] if p["merge"] is not None else -1))
    return points


def cpu_at_latency(curve, latency):
    """courtcast's CPU per player where its p99 equals `latency`, by linear
    interpolation between merge windows; None when no window is that fast."""
    curve = sorted((p for p in curve if p["p99"] is not None and p["cpu"] is not None),
                   key=lambda p: p["p99"])
    if not curve or latency < curve[0]["p99"]:
        return None
    for a, b in zip(curve, curve[1:]):
        if a["p99"] <= latency <= b["p99"]:
            t = (latency - a["p99"]) / (b["p99"] - a["p99"]) if b["p99"] > a["p99"] else 0
            return a["cpu"] + t * (b["cpu"] - a["cpu"])
    return curve[-1]["cpu"]  # slower than the slowest point measured: that point's cost


def print_tables(points):
    print("| N | server | merge ms | protocol | runs | CPU ms/player-s | × nginx | "
          "latency p50 / p95 / p99 ms | KiB/player | × nginx | starved (max) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in points:
        name = p["server"] + (f" @{p['variant']}" if p["variant"] else "")
        print(f"| {p['n']} | {name} | {fmt(p['merge'], 'd')} | {p['proto']} | {p['runs']} | "
              f"{fmt(p['cpu'], '.3f')} | {fmt(p['cpu_ratio'], '.2f')} | "
              f"{fmt(p['p50'], '.1f')} / {fmt(p['p95'], '.1f')} / {fmt(p['p99'], '.1f')} | "
              f"{fmt(p['kib'], '.1f')} | {fmt(p['kib_ratio'], '.2f')} | {p['starved']} | "
              f"{fmt(p['load'], '.1f')} |")
    print()
    print("| N | courtcast | protocol | target | figure | met |")
    print("|---|---|---|---|---|---|")
    for n in sorted({p["n"] for p in points}):
        nginx = next((p for p in points if p["n"] == n and p["server"] == "nginx-rtmp"), None)
        if not nginx:
            continue
        curves = defaultdict(list)
        for p in points:
            if p["n"] == n and p["server"] == "courtcast":
                curves[(p["variant"], p["proto"])].append(p)
        for (variant, proto), curve in sorted(curves.items()):
            who = f"{variant or 'this build'}"
            at = cpu_at_latency(curve, nginx["p99"])
            ratio = at / nginx["cpu"] if at is not None and nginx["cpu"] else None
            print(f"| {n} | {who} | {proto} | CPU at nginx's p99 ({nginx['p99']:.0f} ms) ≤ 0.5× | "
                  + (f"{at:.3f} vs {nginx['cpu']:.3f} ms = {ratio:.2f}×" if ratio is not None
                     else "no merge window reaches that p99")
                  + f" | {'yes' if ratio is not None and ratio <= 0.5 else 'no'} |")
            wide = next((p for p in curve if p["merge"] == 200), None)
            if wide:
                ok = wide["cpu_ratio"] is not None and wide["cpu_ratio"] <= 0.25
                print(f"| {n} | {who} | {proto} | CPU at 200 ms ≤ 0.25× | "
                      f"{fmt(wide['cpu_ratio'], '.2f')}× (median of per-round ratios) | "
                      f"{'yes' if ok else 'no'} |")
            worst = max((p["kib"] for p in curve if p["kib"] is not None), default=None)
            if worst is not None:
                ok = worst <= nginx["kib"]
                print(f"| {n} | {who} | {proto} | memory per player ≤ nginx's ({nginx['kib']:.1f} KiB) | "
                      f"{worst:.1f} KiB (largest over the windows) | {'yes' if ok else 'no'} |")


def plot(points, png):
    if not shutil.which("gnuplot"):
        print(f"curve.py: gnuplot is missing (scripts/bootstrap installs gnuplot-nox); no {png}",
              file=sys.stderr)
        return
    n = max(p["n"] for p in points)
    series = defaultdict(list)
    for p in points:
        if p["n"] == n and p["p99"] is not None:
            label = "nginx-rtmp" if p["server"] == "nginx-rtmp" else \
                f"courtcast {p['proto']}" + (f" @{p['variant']}" if p["variant"] else "")
            series[label].append(p)
    with tempfile.TemporaryDirectory() as tmp:
        plots_cpu, plots_kib = [], []
        for i, (label, pts) in enumerate(sorted(series.items())):
            pts.sort(key=lambda p: p["merge"] if p["merge"] is not None else -1)
            data = f"{tmp}/s{i}.dat"
            with open(data, "w") as f:
                for p in pts:
                    tag = f"{p['merge']} ms" if p["merge"] is not None else ""
                    f.write(f"{p['p99']} {p['cpu']} {p['p50']} {p['kib']} \"{tag}\"\n")
            style = ("points pt 7 ps 1.5" if label == "nginx-rtmp" else "linespoints pt 7") + f" lc {i + 1}"
            plots_cpu.append(f"'{data}' using 1:2 with {style} title '{label}', "
                             f"'{data}' using 1:2:5 with labels offset 1,0.8 tc lt {i + 1} notitle")
            plots_kib.append(f"'{data}' using 1:4 with {style} title '{label}'")
        script = f"""
set terminal pngcairo size 1100,500 font ',10' noenhanced
set output '{png}'
set multiplot layout 1,2 title 'Fan-out, {n} players, one 2.4 Mbit/s stream (medians; labels: merge window)'
set logscale x
set xlabel 'latency p99, ms (log)'
set ylabel 'server CPU, ms per player-second'
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set key top right
set grid
plot {', '.join(plots_cpu)}
set ylabel 'memory, KiB per added player'
plot {', '.join(plots_kib)}
unset multiplot
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"curve.py: wrote {png}", file=sys.stderr)


def main():
    rows = load(sys.argv[1])
    if not rows:
        sys.exit("curve.py: no results")
    points = summarise(rows)
    print_tables(points)
    if len(sys.argv) > 2:
        plot(points, sys.argv[2])


if __name__ == "__main__":
    main()
