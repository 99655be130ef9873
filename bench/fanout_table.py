#!/usr/bin/env python3
"""Summarises bench/fanout.sh results: the median over repeated runs of each
(N, server, setting, protocol) point, and courtcast's ratios to nginx-rtmp."""
import json
import statistics
import sys
from collections import defaultdict


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(path):
    groups = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                groups[(r["n"], r["server"], r["setting"], r["proto"])].append(r)
    order = {"nginx-rtmp": 0, "courtcast": 1}
    rows = []
    for key in sorted(groups, key=lambda k: (k[0], order.get(k[1], 9), k[2] != "low-latency", k[3] != "rtmp")):
        runs = groups[key]
        rows.append((key, {
            "runs": len(runs),
            "cpu": med([r["server_cpu_ms_per_player_s"] for r in runs]),
            "rss": med([r["server_rss_kib"] / 1024 for r in runs]),
            "kib": med([r["server_kib_per_player"] for r in runs]),
            "p50": med([r["latency_ms"]["p50"] for r in runs]),
            "p95": med([r["latency_ms"]["p95"] for r in runs]),
            "p99": med([r["latency_ms"]["p99"] for r in runs]),
            "starved": med([r["starved"] + r["players"] - r["connected"] for r in runs]),
            "kbps": med([r["bitrate_kbps"]["median"] for r in runs]),
            "ttff": med([r["first_video_ms"]["median"] for r in runs]),
            "bench": med([r["bench_cpu_pct"] for r in runs]),
        }))
    nginx = {k[0]: v for k, v in rows if k[1] == "nginx-rtmp"}
    print("| N | server | setting | protocol | runs | CPU ms/player-s | × nginx | RSS MiB | "
          "KiB/player | latency p50/p95/p99 ms | × nginx p95 | starved | median kbit/s | "
          "first video ms | bench CPU % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (n, server, setting, proto), v in rows:
        base = nginx.get(n)
        ratio = v["cpu"] / base["cpu"] if base and base["cpu"] and v["cpu"] is not None else None
        lat_ratio = v["p95"] / base["p95"] if base and base["p95"] and v["p95"] is not None else None
        print(f"| {n} | {server} | {setting} | {proto} | {v['runs']} | {fmt(v['cpu'], '.3f')} | "
              f"{fmt(ratio, '.2f')} | {fmt(v['rss'], '.1f')} | {fmt(v['kib'], '.1f')} | "
              f"{fmt(v['p50'], '.1f')} / {fmt(v['p95'], '.1f')} / {fmt(v['p99'], '.1f')} | "
              f"{fmt(lat_ratio, '.2f')} | {fmt(v['starved'], '.0f')} | {fmt(v['kbps'], '.0f')} | "
              f"{fmt(v['ttff'], '.0f')} | {fmt(v['bench'], '.0f')} |")


if __name__ == "__main__":
    main(sys.argv[1])
