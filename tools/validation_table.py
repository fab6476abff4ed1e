"""The validation table (docs/validation.md): published disruption figures against the model's,
in both dispatch modes, for every shipped scenario that was run.

Run from any folder (run folders and ``--notes`` are paths as given, relative to the current
folder; the observations are the repo's, found beside this file), e.g. from the repo root after
solving the dated scenarios both ways::

    for s in boten-2021 vn-cn-winter-2021; do
      borderflow solve --scenario data/scenarios/$s.yaml --dispatch foresight \\
          --out runs/$s-foresight
      borderflow solve --scenario data/scenarios/$s.yaml --dispatch realistic \\
          --out runs/$s-realistic
    done
    python tools/validation_table.py runs/*-foresight runs/*-realistic \\
        --notes docs/validation.md > /tmp/validation.md && mv /tmp/validation.md docs/

Rows: every observation of ``data/default/disruption_observations.csv`` about a crossing, or a
corridor of crossings (:data:`borderflow.calibration.targets.CORRIDORS`, summed day by day),
whose dates overlap a run's horizon (its run-out tail excluded) and whose measure the model
produces: ``arrivals`` (trucks/day reaching the gate's queue, mean over the overlapping days),
``queue`` (trucks queued, the largest end-of-day queue of those days), ``throttle`` measured in
trucks/day *processed* (mean departures). One row per (observation, scenario), for the
observations about a crossing the scenario's events touch (a scenario that does not model
Boten's throttle is not tested on Boten's queue). Closures and throttles "allowed" are the
scenario's inputs, not tests of the model, and are left out.
Disruption figures are never used to fit the model (docs/calibration.md): this table is
validation only. ``--notes FILE`` keeps the hand-written reading of the rows: everything of
FILE from the line ``## Reading the rows`` on is printed after the table. Prints Markdown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from borderflow.calibration.targets import CORRIDORS

#: the repo this tool belongs to (the observations are read from it, wherever it is run from)
ROOT = Path(__file__).resolve().parents[1]
OBSERVATIONS = ROOT / "data" / "default" / "disruption_observations.csv"
#: the heading from which a ``--notes`` file is kept
NOTES_HEADING = "## Reading the rows"
MODES = ("foresight", "realistic")


def members(obs) -> list[tuple[str, str]]:
    """The (crossing, direction) pairs an observation counts: its crossing, or its corridor's
    crossings (each in the direction of the corridor's exports)."""
    if obs.element_kind == "corridor":
        return list(CORRIDORS.get(obs.element_id, ()))
    return [(obs.element_id, obs.direction)] if obs.element_kind == "crossing" else []


def model_value(queues: pd.DataFrame, obs, days: set[str]) -> float | None:
    """The run's figure for one observation (``None`` if the run has none): the day-by-day
    sum over the observation's crossings, then the measure's statistic over the days the
    observation and the horizon share."""
    pairs = members(obs)
    if not pairs:
        return None
    key = pd.Series(list(zip(queues["crossing_id"], queues["direction"])), index=queues.index)
    q = queues[key.isin(pairs)]
    end = obs.date_end if isinstance(obs.date_end, str) else obs.date_start
    overlap = sorted(d for d in days if obs.date_start <= d <= end)
    if q.empty or not overlap:  # no queue gate there in the model, or no day in common
        return None
    # queues.csv lists a gate's days with traffic only: a day without a row is all zeros
    daily = q[q["date"].isin(overlap)].groupby("date")[
        ["arrivals_trucks", "queue_trucks", "departures_trucks"]].sum().reindex(
        overlap, fill_value=0.0)
    if obs.measure == "arrivals":
        return float(daily["arrivals_trucks"].mean())
    if obs.measure == "queue":
        return float(daily["queue_trucks"].max())
    if obs.measure == "throttle" and "processed" in obs.unit:
        return float(daily["departures_trucks"].mean())
    return None


def _read(folder: Path) -> tuple[str, str, set[str], pd.DataFrame, set[str] | None]:
    summary = json.loads((folder / "summary.json").read_text())
    meta = json.loads((folder / "run.json").read_text())
    horizon = meta["scenario"]["horizon"]
    start = pd.Timestamp(horizon["start"])
    days = {(start + pd.Timedelta(days=k)).date().isoformat() for k in range(horizon["days"])}
    events = meta["scenario"].get("events")
    touched = None if events is None else {ev.get("crossing") or ev.get("build")
                                            for ev in events if not ev.get("context")}
    return (meta["scenario"]["name"], summary.get("dispatch", "foresight"), days,
            pd.read_csv(folder / "queues.csv"), touched)


def _cells(value: float | None, obs) -> tuple[str, str, str]:
    """Model figure, difference from the published figure (and ratio), within the range."""
    if value is None:
        return "—", "—", "—"
    ratio = f" ({value / obs.quantity:.2f}×)" if obs.quantity else ""
    inside = "yes" if obs.low <= value <= obs.high else "no"
    return f"{value:,.0f}", f"{value - obs.quantity:+,.0f}{ratio}", inside


def table(folders: list[Path], notes: Path | None = None) -> str:
    """The Markdown of docs/validation.md for run folders of any shipped scenarios and modes
    (``notes``: a previous docs/validation.md whose reading of the rows is kept)."""
    obs = pd.read_csv(OBSERVATIONS)
    runs: dict[str, dict] = {}
    touched: dict[str, set[str] | None] = {}
    for folder in folders:
        name, mode, days, queues, touched[name] = _read(folder)
        runs.setdefault(name, {})[mode] = (days, queues)
    lines = ["# Validation on disruptions (model vs published figures)", "",
             "Generated by `python tools/validation_table.py " +
             " ".join(str(f) for f in folders) + "` (see its docstring); scenarios " +
             ", ".join(sorted(runs)) + ". Difference = model − published (central figure), "
             "with the ratio; *in range* = the model's figure within the published range. "
             "Never used for fitting.", "",
             "| event | what | published (range) | unit | scenario | "
             "model, foresight | model, realistic | difference, foresight | "
             "difference, realistic | in range (foresight / realistic) | source |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    n = 0
    for o in obs.itertuples(index=False):
        for name in sorted(runs):
            if touched[name] is not None and not {c for c, _ in members(o)} & touched[name]:
                continue
            values = {m: model_value(runs[name][m][1], o, runs[name][m][0]) if m in runs[name]
                      else None for m in MODES}
            if all(v is None for v in values.values()):
                continue
            n += 1
            f, r = _cells(values["foresight"], o), _cells(values["realistic"], o)
            lines.append(f"| {o.event_id} | {o.what} | {o.quantity:,.0f} ({o.low:,.0f}–"
                         f"{o.high:,.0f}) | {o.unit} | {name} | {f[0]} | {r[0]} | {f[1]} | "
                         f"{r[1]} | {f[2]} / {r[2]} | {o.source} ({o.source_year}) |")
    if not n:
        lines.append("| (no observation overlaps these runs) |" + " |" * 10)
    text = "\n".join(lines) + "\n"
    if notes is not None and notes.exists():
        kept = notes.read_text().split(NOTES_HEADING, 1)
        if len(kept) == 2:
            text += "\n" + NOTES_HEADING + kept[1]
    return text


if __name__ == "__main__":
    args = sys.argv[1:]
    notes = None
    if "--notes" in args:
        i = args.index("--notes")
        if i + 1 >= len(args):
            print("--notes needs a file", file=sys.stderr)
            sys.exit(2)
        notes = Path(args[i + 1])
        del args[i:i + 2]
    if not args:
        print("usage: python tools/validation_table.py RUN_FOLDER [RUN_FOLDER ...] "
              "[--notes docs/validation.md]", file=sys.stderr)
        sys.exit(2)
    for a in args:
        if not (Path(a) / "summary.json").exists() or not (Path(a) / "queues.csv").exists():
            print(f"{a}: not a dated run folder (no summary.json or queues.csv)",
                  file=sys.stderr)
            sys.exit(2)
    sys.stdout.write(table([Path(a) for a in args], notes))
