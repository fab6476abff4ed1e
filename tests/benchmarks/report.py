"""BENCHMARKS.md rendered from one run file (the JSON lines of ``run.py``).

The hand-written part is :data:`TEMPLATE` (``BENCHMARKS.template.md``, placeholders
``{{stamp}}``, ``{{run}}``, ``{{targets}}``, ``{{tables}}``, ``{{source}}``); everything else
comes from the rows: the run's machine, versions, commit and load, the targets table
(:mod:`targets`) and one table per bench with short cells.
"""

from __future__ import annotations

from pathlib import Path

from derive import measured
from targets import targets

TEMPLATE = Path(__file__).resolve().parent / "BENCHMARKS.template.md"

#: table columns per bench: (heading, key or function of the row, format)
COLUMNS = {
    "static": [("instance", "instance", "{}"), ("approach", "approach", "{}"),
               ("variables", "variables", "{:,}"), ("build s", "build_s", "{:.2f}"),
               ("solve s", "solve_s", "{:.2f}"), ("total s", "total_s", "{:.2f}"),
               ("peak MB", "peak_rss_mb", "{:,.0f}"), ("model MB", "model_rss_mb", "{:,.0f}"),
               ("time / direct", "ratio_total_vs_direct", "{:.2f}"),
               ("memory / direct", "ratio_rss_vs_direct", "{:.2f}"),
               ("objective USD", "objective_usd", "{:,.2f}")],
    "dated": [("days", "days", "{}"), ("arm", lambda r: _arm(r), "{}"),
              ("streams", lambda r: None if "aggregate_streams" not in r else
               "aggregated" if r["aggregate_streams"] else "per pair", "{}"),
              ("window start", lambda r: None if "window_pricing" not in r else
               "yes" if r["window_pricing"] else "no", "{}"),
              ("variables", "variables", "{:,}"), ("build s", "build_s", "{:.1f}"),
              ("solve s", "solve_s", "{:.1f}"), ("total s", "total_s", "{:.1f}"),
              ("CPU s", lambda r: r.get("cpu_s", r.get("child_cpu_s")), "{:.1f}"),
              ("peak MB", "peak_rss_mb", "{:,.0f}"), ("status", "status", "{}"),
              ("routing", "routing", "{}"), ("same optimum", "optima_equal", "{}"),
              ("objective USD", "objective_usd", "{:,.2f}"), ("load", "loadavg_1min", "{:.1f}")],
    "dated_build": [("days", "days", "{}"), ("approach", "approach", "{}"),
                    ("streams", lambda r: "aggregated" if r.get("aggregate_streams")
                     else "per pair", "{}"),
                    ("variables", "variables", "{:,}"), ("rows", "rows", "{:,}"),
                    ("build + translate CPU s", "build_s", "{:.1f}"),
                    ("peak MB", "peak_rss_mb", "{:,.0f}"), ("model MB", "model_rss_mb", "{:,.0f}"),
                    ("time / direct", "ratio_total_vs_direct", "{:.2f}"),
                    ("memory / direct", "ratio_rss_vs_direct", "{:.2f}"),
                    ("same optimum", "optima_equal", "{}"), ("status", "status", "{}")],
    "sweep": [("approach", "approach", "{}"), ("scenarios", "scenarios", "{}"),
              ("network s", "network_s", "{:.3f}"),
              ("bounds or model s", "bounds_or_model_s", "{:.3f}"),
              ("solve s", "solve_s", "{:.3f}"), ("total s", "total_s", "{:.3f}"),
              ("peak MB", "peak_rss_mb", "{:,.0f}"),
              ("speed-up", "sweep_speedup_vs_rebuild", "{:.1f}"),
              ("same optima", "optima_equal", "{}")],
    "dask": [("approach", "approach", "{}"), ("scenarios", "scenarios", "{}"),
             ("total s", "total_s", "{:.1f}"), ("scenarios/s", "scenarios_per_s", "{:.2f}"),
             ("vs 1 worker", "speedup_vs_1_worker", "{:.2f}"),
             ("peak MB", "peak_rss_mb", "{:,.0f}"), ("load", "loadavg_1min", "{:.1f}")],
    "dated_sweep": [("approach", "approach", "{}"), ("instance", "instance", "{}"),
                    ("scenarios", "scenarios", "{}"), ("total s", "total_s", "{:.1f}"),
                    ("per scenario s", "per_scenario_s", "{:.2f}"),
                    ("vs cold", "speedup_vs_cold_per_scenario", "{:.1f}"),
                    ("each vs cold, min", "speedup_each_scenario_min", "{:.1f}"),
                    ("each vs cold, median", "speedup_each_scenario_median", "{:.1f}"),
                    ("CPU s", "child_cpu_s", "{:.0f}"), ("peak MB", "peak_rss_mb", "{:,.0f}"),
                    ("same optima", "optima_equal", "{}"), ("load", "loadavg_1min", "{:.1f}")],
    "uncertainty": [("samples", "samples", "{:,}"), ("warm s", "warm_median_s", "{:.3f}"),
                    ("certified rebuild s", "rebuild_certified_median_s", "{:.2f}"),
                    ("ratio", "ratio_median", "{:.1f}"), ("certified", "certified", "{}"),
                    ("end to end s", "end_to_end_s", "{:.1f}"),
                    ("peak MB", "peak_rss_mb", "{:,.0f}"), ("load", "loadavg_1min", "{:.1f}")],
    "region": [("scale", "scale", "{}x"), ("case", "approach", "{}"), ("days", "days", "{}"),
               ("variables", "variables", "{:,}"), ("total s", "total_s", "{:.1f}"),
               ("CPU s", "child_cpu_s", "{:.1f}"), ("peak MB", "peak_rss_mb", "{:,.0f}"),
               ("outcome", lambda r: r.get("error") or r.get("label"), "{}"),
               ("load", "loadavg_1min", "{:.1f}")],
}
def _arm(row: dict) -> str:
    """A dated row's arm (``pyomo`` of older runs is the one LP), with a non-default window."""
    name = "one-lp" if row.get("approach") == "pyomo" else row.get("approach", "")
    w = row.get("window")
    if not w:
        return name
    return f"{name} {w[0]} d + {w[1] if w[1] is not None else 'default'} look-ahead"


TITLES = {"static": "Static model, Pyomo against a direct highspy build (target a)",
          "dated": "Dated runs of the embedded dataset (targets 1, c)",
          "dated_build": "Dated build and translation, Pyomo against direct (target 2)",
          "sweep": "Static N-1 sweep, warm against rebuilt (target b)",
          "dask": "Dask workers (target d)",
          "dated_sweep": "Dated sweep, 10-day closures (target 3)",
          "uncertainty": "Uncertainty samples (target e)",
          "region": "A region N times the embedded one (target 4)"}
MAX_CELL = 80


def cell(row: dict, key, fmt: str) -> str:
    """One table cell: the formatted value, blank when absent, at most :data:`MAX_CELL`."""
    value = key(row) if callable(key) else row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "NO"
    try:
        text = fmt.format(value)
    except (TypeError, ValueError):
        text = str(value)
    text = text.replace("|", "/").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def tables(rows: list[dict]) -> str:
    """One Markdown table per bench that has rows (in :data:`COLUMNS` order)."""
    out = []
    for bench, cols in COLUMNS.items():
        mine = [r for r in rows if r.get("bench") == bench]
        if not mine:
            continue
        out += [f"### {TITLES[bench]}", "", "| " + " | ".join(h for h, _, _ in cols) + " |",
                "|" + "---|" * len(cols)]
        for r in mine:
            cells = [cell(r, k, fmt) for _, k, fmt in cols]
            if not measured(r):  # say why in the first empty numeric cell's stead
                cells[-1] = f"{r.get('status')}: {r.get('error', '')}"[:MAX_CELL]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def targets_table(rows: list[dict]) -> str:
    """The targets, each with what was measured, its threshold and its computed status."""
    out = ["| target | threshold | measured | status |", "|---|---|---|---|"]
    for t in targets(rows):
        out.append(f"| {t.name} | {t.threshold} | {t.measured} | **{t.status}** |")
    return "\n".join(out)


def run_table(rows: list[dict]) -> str:
    """Machine, versions, commit, times and load of the run."""
    m = next((r for r in rows if r.get("bench") == "machine"), {})
    done = next((r for r in rows if r.get("bench") == "done"), {})
    loads = [r["loadavg_1min"] for r in rows
             if r.get("bench") not in ("machine", "done") and r.get("loadavg_1min") is not None]
    libs = ", ".join(f"{k} {m[k]}" for k in ("pyomo", "highspy", "numpy", "scipy", "pandas",
                                              "pyarrow", "networkx", "pydantic") if k in m)

    def num(x, fmt="{:.1f}"):
        return "—" if x is None else fmt.format(x)

    during = (f"mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f}"
              if loads else "—")
    wall = done.get("wall_s")
    lines = [
        ("mode", m.get("mode", "full")),
        ("commit", f"`{m.get('git_head', '?')}`"
         + (" with uncommitted changes" if m.get("git_dirty") else "")),
        ("start / end (UTC)", f"{m.get('start_utc', '—')} / {done.get('end_utc', '—')}"),
        ("wall / CPU", f"{num(wall and wall / 60)} min / {num(done.get('cpu_s'), '{:,.0f}')} "
                       "CPU s (children and parent)"),
        ("machine", f"{m.get('cpu', '—')}, {m.get('nproc', '—')} cores, "
                    f"{m.get('ram_gib', '—')} GiB, {m.get('platform', '—')}"),
        ("Python / libraries", f"{m.get('python', '—')} / {libs or '—'}"),
        ("load (1 min) before / during / after",
         f"{num(m.get('loadavg_1min'))} / {during} / {num(done.get('loadavg_1min'))}"),
    ]
    if m.get("note"):
        lines.append(("note", m["note"]))
    return "\n".join(["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in lines])


def stamp(rows: list[dict]) -> str:
    """One line naming the run: mode, start time, commit."""
    m = next((r for r in rows if r.get("bench") == "machine"), {})
    dirty = " (with uncommitted changes)" if m.get("git_dirty") else ""
    return (f"**The {m.get('mode', 'full')} run of {m.get('start_utc', '?')} UTC at commit "
            f"`{m.get('git_head', '?')}`{dirty}.**" + (" See its note below." if m.get("note")
                                                       else ""))


def render(rows: list[dict], source: str, template: str | None = None) -> str:
    """BENCHMARKS.md of the run ``rows`` (read from ``source``)."""
    text = TEMPLATE.read_text() if template is None else template
    for key, value in (("stamp", stamp(rows)), ("run", run_table(rows)),
                       ("targets", targets_table(rows)),
                       ("tables", tables(rows)), ("source", source)):
        text = text.replace("{{" + key + "}}", value)
    return text
