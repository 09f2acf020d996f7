#!/usr/bin/env python3
"""The summary of a perf-http.sh run: each view per database against issue #13's goals, the
page's bytes, its rate beside a static file's, Lighthouse and the bundle, as Markdown on stdout
and between the perf-http markers of docs/PERFORMANCE.md.

Usage: scripts/perf-summary.py USERS BACKEND...   (reads target/bench/http-BACKEND-USERS/)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# The goal of each view (ms, p95 of the whole response).
GOALS = {
    "first page": 10,
    "a page 2,000 pages in (keyset)": 10,
    "selective search (an email fragment)": 10,
    "sort by last login, descending": 10,
}


def wrk(path):
    """Requests/s and p99 latency (ms) of a wrk --latency report."""
    text = path.read_text()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rate, p99


def main():
    users, backends = sys.argv[1], sys.argv[2:]
    dirs = {b: ROOT / "target" / "bench" / f"http-{b}-{users}" for b in backends}
    views = {b: [l.split("\t") for l in (d / "views.tsv").read_text().splitlines() if l] for b, d in dirs.items()}
    out = [f"{int(users):,} users in the `demo` tenant, release build, two cores shared with the "
           "load generator. Written by `scripts/perf-http.sh`.", ""]
    out.append("| view (p95 of 20 loads, brotli) | " + " | ".join(NAMES[b] for b in backends) + " | goal |")
    out.append("| --- |" + " ---: |" * (len(backends) + 1))
    for i, row in enumerate(views[backends[0]]):
        name = row[0]
        cells = [f"{views[b][i][1]} ms" for b in backends]
        out.append(f"| {name} | " + " | ".join(cells) + f" | ≤ {GOALS.get(name, 50)} |")
    out += ["", "| the 50-row page | " + " | ".join(NAMES[b] for b in backends) + " | goal |",
            "| --- |" + " ---: |" * (len(backends) + 1)]
    for enc in ["identity", "gzip", "br"]:
        cells = []
        for b in backends:
            line = next(l for l in (dirs[b] / "page-bytes.txt").read_text().splitlines() if l.startswith(enc))
            cells.append(f"{int(line.split()[1]):,} B")
        out.append(f"| bytes, {enc} | " + " | ".join(cells) + (" | ≤ 25 KB |" if enc == "br" else " | |"))
    pages = {b: wrk(dirs[b] / "wrk-users-page.txt") for b in backends}
    statics = {b: wrk(dirs[b] / "wrk-static-css.txt") for b in backends}
    out.append("| pages/s at 64 connections (p99) | " + " | ".join(
        f"{pages[b][0]:,.0f} ({pages[b][1]:.0f} ms)" for b in backends) + " | ≥ half the static file's, p99 ≤ 100 ms |")
    out.append("| static file/s, same run | " + " | ".join(f"{statics[b][0]:,.0f}" for b in backends) + " | |")
    out.append("| ratio | " + " | ".join(f"{pages[b][0] / statics[b][0]:.2f}" for b in backends) + " | ≥ 0.5 |")
    first = dirs[backends[0]]
    out += ["", f"Lighthouse (desktop, {NAMES[backends[0]]}), goal performance ≥ 98, total blocking "
            "time ≤ 50 ms, accessibility 100:", "", "```", (first / "lighthouse.txt").read_text().strip(), "```"]
    wire = 0
    bundle, later = [], []
    for line in (first / "bundle.txt").read_text().splitlines():
        name, _, raw, _, gz, _, br = line.split()
        plain = re.sub(r"[.-][0-9a-zA-Z_-]{16,}", "", name)  # without its content hash
        row = f"| {plain} | {int(raw):,} | {int(br):,} |" if br != "-" else f"| {plain} | {int(raw):,} | - |"
        # A lazily loaded chunk (`cargo leptos build --split`) arrives when first used, not
        # with the page.
        if name.startswith("split_"):
            later.append(row)
            continue
        bundle.append(row)
        wire += int(br) if br != "-" else 0
    out += ["", "| first load | raw bytes | brotli |", "| --- | ---: | ---: |", *bundle,
            f"| **total** (goal ≤ 200 KB brotli) | | **{wire:,}** |"]
    if later:
        out += ["", "| loaded when first used | raw bytes | brotli |", "| --- | ---: | ---: |", *later]
    text = "\n".join(out)
    print(text)
    doc = ROOT / "docs" / "PERFORMANCE.md"
    body = doc.read_text()
    begin, end = "<!-- perf-http:begin -->", "<!-- perf-http:end -->"
    if begin in body and end in body:
        head, rest = body.split(begin, 1)
        body = head + begin + "\n" + text + "\n" + end + rest.split(end, 1)[1]
        doc.write_text(body)


if __name__ == "__main__":
    main()
