#!/usr/bin/env python3
"""Turns bench/run's TSV (label, tool, wall, user, sys, maxrss_kb, rc) into a Markdown table."""
import sys
from collections import OrderedDict

rows = OrderedDict()
for line in open(sys.argv[1]):
    fields = line.rstrip("\n").split("\t")
    label, tool = fields[0], fields[1]
    if len(fields) != 7 or not fields[2]:
        # time(1) printed no figures: the command was killed (e.g. stopped to
        # fit a session); the row says so instead of a number.
        print("bench/table.py: no figures for %s / %s (killed?)" % (label, tool), file=sys.stderr)
        continue
    wall, user, sys_, rss, rc = fields[2:]
    rows.setdefault(label, {})[tool] = dict(wall=float(wall), cpu=float(user) + float(sys_),
                                            rss=int(rss), rc=int(rc))

print("| workload | ansible s | tend s | ratio | tend CPU s | tend peak RSS MiB | ssh floor s |")
print("|---|---:|---:|---:|---:|---:|---:|")
for label, tools in rows.items():
    if label.startswith("ssh floor"):
        continue
    a, t = tools.get("ansible"), tools.get("tend")
    fmt = lambda r: ("%.2f" % r["wall"]) + ("" if r["rc"] == 0 else " (rc %d)" % r["rc"]) if r else "–"
    ratio = "%.1f×" % (a["wall"] / t["wall"]) if a and t and t["wall"] > 0 else "–"
    hosts = label[label.rfind("(") + 1:label.rfind(" host")] if "(" in label else ""
    floor = rows.get("ssh floor (%s hosts)" % hosts, {}).get("ssh")
    print("| %s | %s | %s | %s | %s | %s | %s |" % (
        label, fmt(a), fmt(t), ratio,
        "%.2f" % t["cpu"] if t else "–",
        "%.0f" % (t["rss"] / 1024) if t else "–",
        "%.2f" % floor["wall"] if floor else "–"))
