"""Plots of a benchmark run (the JSON lines written by ``run.py``).

    python tests/benchmarks/plots.py docs/benchmark-runs/full-<time>.jsonl

saves, as PNG under docs/ (``run.py`` draws them after a full run, and with ``--from-jsonl``;
the tables and targets of BENCHMARKS.md are :mod:`report`):

- ``docs/benchmarks_days.png``: dated runs of the embedded dataset, seconds (build, solve,
  total) and peak memory against the days of the horizon (7 -> 730), per arm;
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


def _approach(row: dict) -> str:
    return "one-lp" if row.get("approach") == "pyomo" else row.get("approach", "")


def _series(rows: list[dict], bench: str, approach: str, x: str, y: str) -> tuple[list, list]:
    """Points of one approach with its default settings (rows with a ``window``, a
    ``scenario`` or a ``data`` folder, and rows not measured to the end, left out)."""
    pts = sorted((r[x], r[y]) for r in rows if r["bench"] == bench
                 and not {"window", "scenario", "data"} & set(r)
                 and _approach(r) == approach and r.get(y) is not None
                 and r.get(x) is not None)
    return [p[0] for p in pts], [p[1] for p in pts]


#: dated arms drawn: (approach, label, style)
DATED_ARMS = (("default", "default (RunOptions())", "o-"),
              ("one-lp", "one LP (interior point)", "s--"),
              ("per-pair", "per-pair streams", "P"),
              ("aggregated", "aggregated + window-priced start", "D"),
              ("exact-windows", "exact windows", "P-"),
              ("rolling", "rolling windows (approx.)", "x:"))


def plot_days(rows: list[dict], out: Path) -> None:
    """Total seconds (and the default arm's solve seconds) and peak RSS of the dated runs
    against days, with the 60 s and 1.5 GB lines of issue 20's target 1."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for approach, label, style in DATED_ARMS:
        xs, ys = _series(rows, "dated", approach, "days", "total_s")
        if xs:
            ax.plot(xs, ys, style, label=f"total, {label}")
            ax2.plot(*_series(rows, "dated", approach, "days", "peak_rss_mb"), style,
                     label=label)
    xs, ys = _series(rows, "dated", "default", "days", "solve_s")
    if xs:
        ax.plot(xs, ys, "^:", color="C7", label="HiGHS only, default")
    ax.axhline(60, color="grey", lw=0.8, ls="--")
    ax2.axhline(1500, color="grey", lw=0.8, ls="--")
    ax.set(xlabel="days in the horizon (+21-day run-out tail)", ylabel="seconds",
           title="Dated runs, embedded dataset")
    ax.legend(fontsize=7)
    ax2.legend(loc="upper left", fontsize=7)
    ax2.set(xlabel="days in the horizon", ylabel="peak RSS (MB)", title="Peak memory")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_variables(rows: list[dict], out: Path) -> None:
    """Total seconds and peak RSS against variables, per approach."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    lines = (("static", "pyomo", "static, Pyomo pipeline", "o-"),
             ("static", "direct", "static, direct highspy", "s-"),
             ("dated", "default", "dated, default", "^--"),
             ("dated", "one-lp", "dated, one LP", "P--"),
             ("dated", "aggregated", "dated, aggregated", "D--"))
    for ax, key, label in zip(axes, ("total_s", "peak_rss_mb"), ("total_s (s)",
                                                                 "peak RSS (MB)")):
        for bench, approach, name, style in lines:
            ax.plot(*_series(rows, bench, approach, "variables", key), style, label=name)
        ax.set(xscale="log", yscale="log", xlabel="variables", ylabel=label)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(path: str | Path, tables: bool = True) -> None:
    """Write both plots of the run file ``path`` (and, with ``tables``, print its report)."""
    rows = read(path)
    if tables:
        import report

        print(report.render(rows, str(path)))
    plot_days(rows, DOCS / "benchmarks_days.png")
    plot_variables(rows, DOCS / "benchmarks_variables.png")
    print(f"wrote {DOCS / 'benchmarks_days.png'} and {DOCS / 'benchmarks_variables.png'}")


if __name__ == "__main__":
    main(sys.argv[1])
