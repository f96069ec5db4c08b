"""What `gpu-alloc bench` prints: the figures as plain-text tables (or Markdown), and the goals
with the measured value beside each and whether it is met.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from experiments.bench.common import SECTIONS

FLAT_SHARE = 0.10  # "flat": after the first tenth of the sweep, RSS grows by at most this share


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal the results can speak to: name, measured value, target and whether it is met."""
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, target: str, met: bool | None) -> None:
        out.append({"goal": name, "value": value, "target": target, "met": met})

    if "load" in r:
        lo = r["load"]
        add("scenario load: growth for 10x the firms", lo["growth"], "<= 15x", lo["growth"] <= 15)
    if "scale" in r:
        sc = r["scale"]
        for mech, ratio in sc["growth"].items():
            add(
                f"{mech}: s/week growth {sc['growth_from']:,} -> {sc['growth_to']:,} buyers",
                ratio,
                "<= 12x",
                ratio <= 12,
            )
    if "floor" in r:
        for row in r["floor"]["rows"]:
            add(
                f"{row['mechanism']}: allocate phase vs numpy floor at {row['buyers']:,} buyers",
                row["phase_ratio"],
                "<= 3x",
                row["phase_ratio"] <= 3 and row["equal"],
            )
    if "negotiation" in r and r["negotiation"].get("negmas"):
        n = r["negotiation"]
        add(
            "negotiation engine (batch) vs NegMAS",
            n["batch_ratio"],
            ">= 50x",
            n["batch_ratio"] >= 50 and n["agreements_equal"],
        )
        add(
            "negotiation engine (one at a time) vs NegMAS",
            n["scalar_ratio"],
            ">= 50x",
            n["scalar_ratio"] >= 50 and n["agreements_equal"],
        )
    for case in r.get("sweep", {}).get("cases", []):
        ratios, what = case["ratios"], f"sweep of {case['runs']:,} x {case['steps']} weeks"
        add(
            f"{what}: process pool vs serial",
            ratios["process_vs_serial"],
            ">= 1.8x",
            ratios["process_vs_serial"] >= 1.8,
        )
        add(
            f"{what}: process pool vs mesa.batch_run",
            ratios["process_vs_batch_run"],
            ">= 1.3x",
            ratios["process_vs_batch_run"] >= 1.3,
        )
    if "memory" in r:
        m = r["memory"]
        add(
            f"driver memory flat while {m['runs']:,} runs stream to disk "
            "(MB grown after the first 10%)",
            m["streaming_growth_mb"],
            f"<= {FLAT_SHARE:.0%} of {m['rss_10pct_mb']:.0f} MB",
            m["streaming_growth_mb"] <= FLAT_SHARE * m["rss_10pct_mb"],
        )
    return out


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], markdown: bool = False) -> str:
    """Rows as an aligned text table (first column left, the rest right) or a Markdown table."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join([":--"] + ["--:"] * (len(headers) - 1)) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  "
        + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def x(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.3g}x"


def sections(r: dict[str, Any], md: bool = False) -> list[tuple[str, str]]:
    """(title, table) for each section present in the results."""
    out = []
    if "baseline" in r:
        b = r["baseline"]
        rows = [
            (row["mechanism"], ms(row["s_per_run"]), f"{row['weeks_per_s']:,.0f}")
            for row in b["rows"]
        ]
        out.append(
            (
                f"1. One baseline run of {b['weeks']} weeks per mechanism",
                table(("mechanism", "per run", "weeks/s"), rows, md),
            )
        )
    if "load" in r:
        lo = r["load"]
        rows = [(f"{row['firms']:,}", ms(row["seconds"])) for row in lo["rows"]]
        rows.append(
            (f"growth x{lo['rows'][-1]['firms'] // lo['rows'][-2]['firms']}", x(lo["growth"]))
        )
        out.append(
            (
                "1b. Reading and checking a scenario file of N firms",
                table(("firms", "load"), rows, md),
            )
        )
    if "scale" in r:
        sc = r["scale"]
        by = {(row["mechanism"], row["buyers"]): row for row in sc["rows"]}
        mechs = list(sc["growth"])
        rows = [
            (f"{n:,} (+9 firms)", *(ms(by[m, n]["s_per_week"]) for m in mechs)) for n in sc["sizes"]
        ]
        rows.append(
            (
                f"growth {sc['growth_from']:,} -> {sc['growth_to']:,}",
                *(x(sc["growth"][m]) for m in mechs),
            )
        )
        out.append(
            (
                f"2. Seconds per week against buyers (long-tail, {sc['weeks']} weeks)",
                table(("small buyers", *mechs), rows, md),
            )
        )
    if "floor" in r:
        f = r["floor"]
        rows = [
            (
                row["mechanism"],
                ms(row["floor_s"]),
                ms(row["mechanism_s"]),
                ms(row["phase_s"]),
                x(row["ratio"]),
                x(row["phase_ratio"]),
                "yes" if row["equal"] else "NO",
            )
            for row in f["rows"]
        ]
        out.append(
            (
                f"3. Allocation at {f['rows'][0]['buyers']:,} buyers against the plain-numpy floor",
                table(
                    (
                        "rule",
                        "floor",
                        "mechanism",
                        "allocate phase",
                        "mech/floor",
                        "phase/floor",
                        "same units",
                    ),
                    rows,
                    md,
                ),
            )
        )
    if "negotiation" in r:
        n = r["negotiation"]
        rows = [
            ("ours, batch (the market's)", f"{n['batch_per_s']:,.0f}", x(n.get("batch_ratio"))),
            ("ours, one at a time", f"{n['scalar_per_s']:,.0f}", x(n.get("scalar_ratio"))),
        ]
        if n.get("negmas"):
            rows.append((f"NegMAS {n['negmas']}", f"{n['negmas_per_s']:,.0f}", "1x"))
        same = {True: "all equal", False: "DIFFER", None: "NegMAS not installed"}[
            n["agreements_equal"]
        ]
        out.append(
            (
                f"4. Bilateral negotiations ({n['problems']} problems; agreements: {same})",
                table(("engine", "negotiations/s", "x NegMAS"), rows, md),
            )
        )
    if "sweep" in r:
        rows = []
        for case in r["sweep"]["cases"]:
            serial = next(row["runs_per_s"] for row in case["rows"] if row["executor"] == "serial")
            rows += [
                (
                    row["executor"],
                    case["steps"],
                    row["workers"],
                    f"{row['seconds']:.1f} s",
                    f"{row['runs_per_s']:,.1f}",
                    x(row["runs_per_s"] / serial),
                )
                for row in case["rows"]
            ]
        runs = r["sweep"]["cases"][0]["runs"]
        out.append(
            (
                f"5. Sweeps of {runs:,} {r['sweep']['scenario']} runs "
                "(whole sweep, workers' start included)",
                table(
                    ("executor", "weeks", "workers", "wall clock", "runs/s", "x serial"), rows, md
                ),
            )
        )
    if "memory" in r:
        m = r["memory"]
        rows = [
            (
                f"{m['runs']:,} runs, {m['steps']} weeks, {m['workers']} workers",
                f"{m['seconds']:.0f} s",
                *(
                    f"{m[k]:.0f}"
                    for k in (
                        "rss_before_mb",
                        "rss_10pct_mb",
                        "rss_50pct_mb",
                        "rss_streamed_mb",
                        "rss_end_mb",
                        "high_water_mb",
                    )
                ),
            )
        ]
        out.append(
            (
                "6. Driver memory (resident MB) over a long sweep: streamed, then compacted",
                table(
                    (
                        "sweep",
                        "time",
                        "start",
                        "at 10%",
                        "at 50%",
                        "all streamed",
                        "compacted",
                        "peak",
                    ),
                    rows,
                    md,
                ),
            )
        )
    runs = [r.get("runs", {}).get(name) for name in SECTIONS if name in r]
    return [
        (f"{title} {when(run)}" if run else title, body)
        for (title, body), run in zip(out, runs, strict=True)
    ]


def when(run: dict[str, Any]) -> str:
    """When a section ran and under what load: `[2026-11-29 20:52, load 0.13 -> 0.43]`."""
    a, b = run["load"][0], run["load"][-1]
    return f"[{run['date'][:16].replace('T', ' ')}, load {a:.2f} -> {b:.2f}]"


def goal_table(r: dict[str, Any], md: bool = False) -> str:
    mark = {True: "met", False: "NOT met", None: "-"}
    rows = [
        (
            g["goal"],
            x(g["value"]) if "x" in g["target"] else f"{g['value']:.1f}",
            g["target"],
            mark[g["met"]],
        )
        for g in r.get("goals", [])
    ]
    return table(("goal", "measured", "target", ""), rows, md)


def header(r: dict[str, Any]) -> str:
    m = r["machine"]
    env = "".join(f"; {k}={v}" for k, v in m.get("env", {}).items())
    repeats = sorted({run["repeats"] for run in r["runs"].values()})
    n = "one run each" if repeats == [1] else f"medians of {'/'.join(map(str, repeats))} repeats"
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
        f"numpy {m['numpy']}, Mesa {m['mesa']}{env}; {n}; "
        "[when each section ran, 1-minute load average at its start -> end]"
    )


def load(averages: list[float]) -> str:
    """1/5/15-minute load averages as `0.52/0.61/0.70`."""
    return "/".join(f"{a:.2f}" for a in averages) or "unknown"


def render_text(r: dict[str, Any]) -> str:
    parts = [f"gpu-alloc bench: {header(r)}"]
    parts += [f"\n{title}\n{body}" for title, body in sections(r)]
    parts.append(f"\nGoals\n{goal_table(r)}")
    return "\n".join(parts)


def render_markdown(r: dict[str, Any]) -> str:
    """A snippet for the README's performance section (generated; do not edit by hand)."""
    parts = [
        "<!-- generated by `gpu-alloc bench --markdown`; edit the benchmark, not this file -->",
        f"Measured on {header(r)}.",
        "",
    ]
    for title, body in sections(r, md=True):
        parts += [f"**{title}**", "", body, ""]
    parts += ["**Goals**", "", goal_table(r, md=True), "", HOW, ""]
    return "\n".join(parts)


HOW = """\
How it is measured (`experiments/bench/`): wall-clock medians. (1) building and running the
model. (2) `long-tail` with N small buyers, running time only, divided by the weeks. (3) the
model's own orders, capacity and context after 10 weeks; the floor is the simplest correct numpy
code of the rule (`experiments/bench/floor.py`), checked to give the same units; the allocate
phase is the supplier's weekly call (allocation and responsiveness). (4) the 9 strategy pairs x
both openers x 20 and 100 rounds over prices 0..100, NegMAS's `SAOMechanism` with its TB
negotiators against ours; every agreement and its round compared. (5) each sweep in a fresh
process, timed from just before it starts, so every executor pays its workers' cold start;
default metrics per run; `mesa.batch_run` runs a subclass with a DataCollector holding the same
metrics, computed once at the end, and gets the validated scenario as the sweep does. (6) a fresh
process drives a process-pool sweep and samples its own resident memory; "flat" is judged while
results stream to disk, up to the final compaction. A load near 2 during (5) and (6) is the
benchmark's own two workers. Refresh with `gpu-alloc bench --big --markdown
experiments/BENCHMARKS.md` on a quiet machine; `--only SECTION --update` measures one section
again and keeps the others."""
