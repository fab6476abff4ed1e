"""The validation table (docs/validation.md): published disruption figures against the model's,
in both dispatch modes, for every shipped scenario that was run.

Run from any folder (run folders and ``--notes`` are paths as given, relative to the current
folder; the observations are the repo's, found beside this file), e.g. from the repo root after
solving the dated scenarios both ways (about 53 CPU min and 3.7 GB in all; the time limit,
600 s per HiGHS solve by default, can stop a realistic run on a loaded machine;
docs/validation.md, "How the table is made")::

    for s in boten-2021 vn-cn-winter-2021; do
      for m in foresight realistic; do
        borderflow solve --scenario data/scenarios/$s.yaml --dispatch $m --time-limit 7200 \\
            --out runs/$s-$m
      done
    done
    python tools/validation_table.py runs/*-foresight runs/*-realistic \\
        --notes docs/validation.md > /tmp/validation.md && mv /tmp/validation.md docs/

or in one command, which solves what is missing and rewrites the document (``--solve``)::

    python tools/validation_table.py --solve runs/validation --write docs/validation.md

``--solve OUT`` runs ``borderflow solve --scenario data/scenarios/NAME.yaml --dispatch MODE
--time-limit 7200 --out OUT/NAME-MODE`` for each shipped scenario of :data:`SCENARIOS` (or
``--scenarios``: names of shipped scenarios or YAML paths) in both modes, as a user would (each
run verified by the solve itself; the command line's output goes to stderr), and tabulates
those folders. A folder already there is re-used, not solved again, only when it is a complete
verified run of that dispatch whose recorded inputs (``run.json``'s ``input_sha256``: the
scenario file and every data table) are today's files byte for byte (``--reuse``); otherwise
``borderflow solve`` writes it (it refuses a folder that is not its own). ``--data`` is passed
to each solve, ``--time-limit`` too (7,200 s by default: HiGHS's wall clock per solve).
``--write FILE`` writes the Markdown to FILE, keeping FILE's reading of the rows, instead of
printing it; it refuses a FILE that exists and is not a validation document (its first line is
not :data:`TITLE`). ``--observations`` names another observations CSV (the tests' tiny ones).

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

import argparse
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from borderflow.calibration.targets import CORRIDORS
from borderflow.data.errors import display_path
from borderflow.manifest import sha256_path

#: the repo this tool belongs to (the observations are read from it, wherever it is run from)
ROOT = Path(__file__).resolve().parents[1]
OBSERVATIONS = ROOT / "data" / "default" / "disruption_observations.csv"
#: the heading from which a ``--notes`` file is kept
NOTES_HEADING = "## Reading the rows"
MODES = ("foresight", "realistic")
#: the shipped scenarios the table tests (``--solve`` without ``--scenarios``)
SCENARIOS = ("boten-2021", "vn-cn-winter-2021")
#: the first line of the document (``--write`` refuses a file that does not start with it)
TITLE = "# Validation on disruptions (model vs published figures)"


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


def table(folders: list[Path], notes: Path | None = None, command: str | None = None,
          observations: Path = OBSERVATIONS) -> str:
    """The Markdown of docs/validation.md for run folders of any shipped scenarios and modes
    (``notes``: a previous docs/validation.md whose reading of the rows is kept; ``command``:
    the command quoted as the generator, by default the tool on ``folders``)."""
    obs = pd.read_csv(observations)
    runs: dict[str, dict] = {}
    touched: dict[str, set[str] | None] = {}
    for folder in folders:
        name, mode, days, queues, touched[name] = _read(folder)
        runs.setdefault(name, {})[mode] = (days, queues)
    command = command or "python tools/validation_table.py " + " ".join(str(f) for f in folders)
    lines = [TITLE, "",
             f"Generated by `{command}` (see its docstring); scenarios " +
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


def scenario_file(name: str) -> Path:
    """A shipped scenario's YAML (``data/scenarios/NAME.yaml`` of this repo) or a path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        return path
    return ROOT / "data" / "scenarios" / f"{name}.yaml"


def complete(folder: Path, mode: str, scenario: Path | None = None) -> bool:
    """True when ``folder`` holds a finished, verified dated run of dispatch ``mode`` whose
    inputs are the files as they are now: every file ``run.json`` records in ``input_sha256``
    (the scenario and each data table read, as paths from the folder the run was started in,
    this one) has that SHA-256 today, and ``scenario``, when given, is one of them."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
        hashes = json.loads((folder / "run.json").read_text()).get("input_sha256") or {}
    except (OSError, ValueError, AttributeError):
        return False
    if not (summary.get("verified") is True and summary.get("dispatch") == mode
            and (folder / "queues.csv").exists() and hashes):
        return False
    if scenario is not None and display_path(scenario) not in hashes:
        return False
    try:
        return all(sha256_path(name) == digest for name, digest in hashes.items())
    except OSError:  # an input moved or deleted since
        return False


def borderflow_command() -> list[str]:
    """The ``borderflow`` command of this interpreter's environment."""
    beside = Path(sys.executable).with_name("borderflow")
    return [str(beside) if beside.exists() else shutil.which("borderflow") or "borderflow"]


def solve_all(out: Path, scenarios: list[Path], data: Path | None, time_limit: float,
              reuse: bool) -> list[Path]:
    """Each scenario in both modes solved by ``borderflow solve`` into ``out/NAME-MODE`` (or
    re-used, ``reuse``: a complete verified run of that mode on today's inputs); the folders,
    or exit with the solve's code and one line on stderr."""
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    for path in scenarios:
        for mode in MODES:
            folder = out / f"{path.stem}-{mode}"
            folders.append(folder)
            if reuse and complete(folder, mode, path):
                print(f"{folder}: re-used (a verified {mode} run)", file=sys.stderr)
                continue
            cmd = borderflow_command() + ["solve", "--scenario", str(path), "--dispatch", mode,
                                          "--time-limit", f"{time_limit:g}", "--out",
                                          str(folder)] + (["--data", str(data)] if data else [])
            print(" ".join(cmd), file=sys.stderr, flush=True)
            solve = subprocess.Popen(cmd, stdout=sys.stderr)
            try:
                code = solve.wait()
            except BaseException:  # interrupted or terminated: the solve stops too (it
                solve.terminate()  # writes nothing on SIGTERM), then this exits
                solve.wait()
                raise
            if code:
                print(f"{path.stem} ({mode}): borderflow solve ended with exit code {code}",
                      file=sys.stderr)
                sys.exit(code)
    return folders


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(2)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        _fail(f"validation_table.py: {message}")


def main(argv: list[str]) -> None:
    """The command line of the module docstring (SIGTERM: the running solve is stopped, exit
    143)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = _Parser(prog="python tools/validation_table.py",
                description="The validation table (docs/validation.md): published disruption "
                            "figures against the model's, in both dispatch modes.")
    p.add_argument("folders", nargs="*", type=Path,
                   help="dated run folders to tabulate (or --solve OUT instead)")
    p.add_argument("--notes", type=Path,
                   help="a validation document whose reading of the rows is kept")
    p.add_argument("--solve", type=Path, metavar="OUT",
                   help="solve each scenario in both modes into OUT/NAME-MODE, then tabulate")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated shipped scenario names or YAML paths "
                        "(default: %(default)s)")
    p.add_argument("--data", type=Path, help="dataset folder passed to each solve")
    p.add_argument("--time-limit", type=float, default=7200.0,
                   help="HiGHS wall-clock seconds per solve (default: %(default).0f)")
    p.add_argument("--reuse", action="store_true",
                   help="keep a folder in OUT that is a complete verified run of its mode")
    p.add_argument("--write", type=Path, metavar="FILE",
                   help="write the Markdown to FILE (a validation document) instead of stdout")
    p.add_argument("--observations", type=Path, default=OBSERVATIONS,
                   help="disruption observations CSV (default: the embedded dataset's)")
    a = p.parse_args(argv)
    if a.solve is None and not a.folders:
        _fail("usage: python tools/validation_table.py RUN_FOLDER [RUN_FOLDER ...] "
              "[--notes docs/validation.md] | --solve OUT [--write docs/validation.md]")
    if a.solve is not None and a.folders:
        _fail("validation_table.py: give run folders or --solve OUT, not both")
    if not a.time_limit > 0:  # refused here, before OUT is made, not by the first solve
        _fail(f"--time-limit: must be a positive number of seconds, got {a.time_limit:g}")
    if not a.observations.is_file():
        _fail(f"--observations: {a.observations} is not a file")
    if a.write is not None and a.write.exists():
        first = a.write.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
        if first != TITLE:
            _fail(f"--write: {a.write} exists and is not a validation document (its first "
                  f"line is not {TITLE!r}); nothing written")
    scenarios = [scenario_file(n) for n in a.scenarios.split(",") if n.strip()]
    for path in scenarios if a.solve is not None else ():
        if not path.is_file():
            _fail(f"--scenarios: {path} is not a scenario file")
    for f in a.folders:
        if not (f / "summary.json").exists() or not (f / "queues.csv").exists():
            _fail(f"{f}: not a dated run folder (no summary.json or queues.csv)")
    notes = a.notes if a.notes is not None else a.write
    if a.solve is not None:
        folders = solve_all(a.solve, scenarios, a.data, a.time_limit, a.reuse)
        command = ("python tools/validation_table.py --solve "
                   + " ".join([str(a.solve)] + ([f"--scenarios {a.scenarios}"]
                                                if a.scenarios != ",".join(SCENARIOS) else [])))
    else:
        folders, command = a.folders, None
    text = table(folders, notes, command, a.observations)
    if a.write is not None:
        a.write.write_text(text, encoding="utf-8")
        print(f"wrote {a.write}", file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
