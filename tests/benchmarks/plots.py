"""Plots and Markdown tables of a benchmark run (the JSON lines written by ``run.py``).

    python tests/benchmarks/plots.py tests/benchmarks/out/full-<time>.jsonl

prints the tables of BENCHMARKS.md and saves, as PNG under docs/:

- ``docs/benchmarks_days.png``: dated runs of the embedded dataset, seconds (build, solve,
  total) and peak memory against the days of the horizon;
- ``docs/benchmarks_variables.png``: total seconds and peak memory against variables, for the
  static Pyomo pipeline, the direct highspy build and the dated pipeline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

DOCS = Path(__file__).resolve().parents[2] / "docs"


def read(path: Path | str) -> list[dict]:
    """The measurement rows of a run file."""
    return [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]


def _series(rows: list[dict], bench: str, approach: str, x: str, y: str) -> tuple[list, list]:
    """Points of one approach with its default settings (rows with a ``window`` left out)."""
    pts = sorted((r[x], r[y]) for r in rows if r["bench"] == bench and "window" not in r
                 and r.get("approach") == approach and r.get(y) is not None)
    return [p[0] for p in pts], [p[1] for p in pts]


def plot_days(rows: list[dict], out: Path) -> None:
    """Seconds and peak RSS of the dated runs against days."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, style in (("build_s", "s--"), ("solve_s", "^--"), ("total_s", "o-")):
        ax.plot(*_series(rows, "dated", "pyomo", "days", key), style, label=f"{key}, one LP")
    ax.plot(*_series(rows, "dated", "exact-windows", "days", "total_s"), "P-", color="C5",
            label="total_s, exact: windows + whole LP")
    ax.plot(*_series(rows, "dated", "rolling", "days", "total_s"), "D:", color="C4",
            label="total_s, rolling 14+4 days (approx.)")
    ax.set(xlabel="days in the horizon (+21-day run-out tail)", ylabel="seconds",
           title="Dated runs, embedded dataset (IPM)")
    ax.legend()
    ax2.plot(*_series(rows, "dated", "pyomo", "days", "peak_rss_mb"), "o-", color="C3",
             label="one LP")
    ax2.plot(*_series(rows, "dated", "exact-windows", "days", "peak_rss_mb"), "P-",
             color="C5", label="exact windows")
    ax2.legend(loc="upper left")
    ax2.set(xlabel="days in the horizon", ylabel="peak RSS (MB)", title="Peak memory")
    ax3 = ax2.twinx()
    ax3.plot(*_series(rows, "dated", "pyomo", "days", "variables"), "x:", color="C2")
    ax3.set_ylabel("variables (x, dotted)", color="C2")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_variables(rows: list[dict], out: Path) -> None:
    """Total seconds and peak RSS against variables, per approach."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    lines = (("static", "pyomo", "static, Pyomo pipeline", "o-"),
             ("static", "direct", "static, direct highspy", "s-"),
             ("dated", "pyomo", "dated, whole run_scenario", "^--"),
             ("dated", "exact-windows", "dated, exact windows", "P--"),
             ("dated", "rolling", "dated, rolling horizon", "D--"))
    for ax, key, label in zip(axes, ("total_s", "peak_rss_mb"), ("total_s (s)",
                                                                 "peak RSS (MB)")):
        for bench, approach, name, style in lines:
            ax.plot(*_series(rows, bench, approach, "variables", key), style, label=name)
        ax.set(xscale="log", yscale="log", xlabel="variables", ylabel=label)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


#: table columns per bench: (heading, key, format)
COLUMNS = {
    "static": [("instance", "instance", "{}"), ("approach", "approach", "{}"),
               ("variables", "variables", "{:,}"), ("rows", "constraints", "{:,}"),
               ("prep_s", "prep_s", "{:.2f}"), ("build_s", "build_s", "{:.2f}"),
               ("solve_s", "solve_s", "{:.2f}"), ("total_s", "total_s", "{:.2f}"),
               ("peak_rss_mb", "peak_rss_mb", "{:.0f}"), ("model_rss_mb", "model_rss_mb", "{:.0f}"),
               ("ratio_total_vs_direct", "ratio_total_vs_direct", "{:.2f}"),
               ("ratio_rss_vs_direct", "ratio_rss_vs_direct", "{:.2f}"),
               ("objective_usd", "objective_usd", "{:,.2f}")],
    "dated": [("days", "days", "{}"), ("approach", "approach", "{}"),
              ("instance", "instance", "{}"),
              ("variables", "variables", "{:,}"),
              ("rows", "constraints", "{:,}"), ("build_s", "build_s", "{:.2f}"),
              ("solve_s", "solve_s", "{:.2f}"), ("total_s", "total_s", "{:.2f}"),
              ("cpu_s", "cpu_s", "{:.2f}"),
              ("peak_rss_mb", "peak_rss_mb", "{:.0f}"), ("status", "status", "{}"),
              ("solver", "solver", "{}"), ("windows", "windows", "{}"),
              ("exact", "exact", "{}"),
              ("speedup_vs_exact", "speedup_vs_exact", "{:.1f}"),
              ("objective_gap_vs_exact", "objective_gap_vs_exact", "{:.1e}"),
              ("load", "loadavg_1min", "{:.1f}")],
    "sweep": [("approach", "approach", "{}"), ("scenarios", "scenarios", "{}"),
              ("network_s", "network_s", "{:.3f}"),
              ("bounds_or_model_s", "bounds_or_model_s", "{:.3f}"),
              ("solve_s", "solve_s", "{:.3f}"), ("total_s", "total_s", "{:.3f}"),
              ("peak_rss_mb", "peak_rss_mb", "{:.0f}"),
              ("sweep_speedup_vs_rebuild", "sweep_speedup_vs_rebuild", "{:.1f}"),
              ("speedup_bounds_and_solve", "speedup_bounds_and_solve", "{:.1f}"),
              ("speedup_solve_only", "speedup_solve_only", "{:.0f}")],
    "dask": [("approach", "approach", "{}"), ("scenarios", "scenarios", "{}"),
             ("total_s", "total_s", "{:.1f}"), ("scenarios_per_s", "scenarios_per_s", "{:.2f}"),
             ("speedup_vs_1_worker", "speedup_vs_1_worker", "{:.2f}"),
             ("peak_rss_mb", "peak_rss_mb", "{:.0f}"), ("load", "loadavg_1min", "{:.1f}")],
}


def markdown(rows: list[dict]) -> str:
    """One Markdown table per bench (values as measured; blank where not applicable)."""
    out = []
    for bench, cols in COLUMNS.items():
        out += [f"#### {bench}", "", "| " + " | ".join(h for h, _, _ in cols) + " |",
                "|" + "---|" * len(cols)]
        for r in (r for r in rows if r["bench"] == bench):
            cells = ["" if r.get(k) is None else fmt.format(r[k]) for _, k, fmt in cols]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(path: str) -> None:
    """Print the tables and write both plots of the run file ``path``."""
    rows = read(path)
    print(markdown(rows))
    plot_days(rows, DOCS / "benchmarks_days.png")
    plot_variables(rows, DOCS / "benchmarks_variables.png")
    print(f"wrote {DOCS / 'benchmarks_days.png'} and {DOCS / 'benchmarks_variables.png'}")


if __name__ == "__main__":
    main(sys.argv[1])
