"""tools/validation_table.py on hand-made run folders: which observations become rows, and the
model figures it computes (mean arrivals, largest queue, mean departures of the overlap days;
corridors summed day by day), the difference and whether it is within the published range."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from helpers import tool

ROOT = Path(__file__).parents[1]


def _tool():
    return tool("validation_table")


def _folder(folder: Path, dispatch: str, name: str, start: str, days: int,
            queues: pd.DataFrame) -> Path:
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"dispatch": dispatch}))
    (folder / "run.json").write_text(json.dumps({"scenario": {
        "name": name, "horizon": {"start": start, "days": days}}}))
    queues.to_csv(folder / "queues.csv", index=False)
    return folder


def _run(folder: Path, dispatch: str, arrivals: list[float]) -> Path:
    dates = [f"2021-11-{d}" for d in (29, 30)] + [f"2021-12-0{d}" for d in (1, 2, 3, 4)]
    return _folder(folder, dispatch, "boten-2021", "2021-11-29", 4, pd.DataFrame({
        "crossing_id": "boten-mohan", "direction": "a_to_b", "date": dates,
        "arrivals_trucks": arrivals, "queue_trucks": 0.0, "departures_trucks": 150.0}))


def _row(text: str, event: str, scenario: str) -> list[str]:
    row = next(line for line in text.splitlines()
               if line.startswith(f"| {event} |") and f"| {scenario} |" in line)
    return [c.strip() for c in row.split("|")]


def test_boten_arrivals_row_uses_only_the_horizon_days_inside_the_observation(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(ROOT)
    tool = _tool()
    # in-horizon days 29 Nov - 2 Dec; the observation covers 1-31 Dec: 1 and 2 Dec count
    # (3 and 4 Dec are the run-out tail), so the means are 300 and 175 against 350 (300-350)
    a = _run(tmp_path / "a", "foresight", [999, 999, 250, 350, 999, 999])
    b = _run(tmp_path / "b", "realistic", [0, 0, 150, 200, 0, 0])
    text = tool.table([a, b])
    cells = _row(text, "boten-2021-arrivals", "boten-2021")
    assert cells[6:11] == ["300", "175", "-50 (0.86×)", "-175 (0.50×)", "yes / no"]
    # the Lang Son corridor rows and the inputs (closures, throttles allowed) are not rows
    assert "lang-son" not in text and "boten-2021-throttle" not in text


def test_corridor_queue_is_summed_over_its_gates_day_by_day(tmp_path, monkeypatch):
    # lang-son-2021-12-queue (15-21 Dec, 4,500 in 4,300-4,800): the largest day's sum over
    # Huu Nghi, Tan Thanh, Chi Ma (a_to_b); other crossings and directions do not count.
    # 15 Dec: 1,000 + 2,000 + 500 = 3,500; 16 Dec: 1,500 + 2,500 + 600 = 4,600 (in range);
    # 14 Dec (before the observation) 9,999 and the b_to_a queue 7,000 are left out.
    monkeypatch.chdir(ROOT)
    tool = _tool()
    rows = []
    for date, hn, tt, cm in [("2021-12-14", 9999, 0, 0), ("2021-12-15", 1000, 2000, 500),
                             ("2021-12-16", 1500, 2500, 600)]:
        rows += [("huu-nghi-youyiguan", "a_to_b", date, hn), ("tan-thanh-puzhai", "a_to_b",
                 date, tt), ("chi-ma-aidian", "a_to_b", date, cm),
                 ("huu-nghi-youyiguan", "b_to_a", date, 7000), ("boten-mohan", "a_to_b", date,
                                                                 5000)]
    q = pd.DataFrame(rows, columns=["crossing_id", "direction", "date", "queue_trucks"])
    q["arrivals_trucks"] = q["departures_trucks"] = 0.0
    run = _folder(tmp_path / "w", "realistic", "winter", "2021-12-14", 3, q)
    notes = tmp_path / "old.md"
    notes.write_text("# old\n| stale |\n\n## Reading the rows\n\nkept by hand\n")
    text = tool.table([run], notes)
    cells = _row(text, "lang-son-2021-12-queue", "winter")
    assert cells[6:11] == ["—", "4,600", "—", "+100 (1.02×)", "— / yes"]
    assert "| tan-thanh-2021-12-queue |" not in text  # 18 Dec: outside the horizon
    assert text.endswith("## Reading the rows\n\nkept by hand\n") and "stale" not in text


def test_a_folder_without_a_run_is_refused_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "validation_table.py"),
                          str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().endswith("not a dated run folder (no summary.json or queues.csv)")


def test_rows_only_for_gates_the_scenario_touches_and_missing_days_count_zero(tmp_path,
                                                                            monkeypatch):
    # a run touching only mong-cai-dongxing: bac-luan-2021-12-21-queue (346 on 21 Dec) is a
    # row although queues.csv has no line that day (no traffic: 0 trucks queued, "no"); the
    # Boten row is not, though Boten has traffic in the horizon (the scenario does not model
    # its throttle)
    monkeypatch.chdir(ROOT)
    tool = _tool()
    q = pd.DataFrame({"crossing_id": ["mong-cai-dongxing", "boten-mohan"],
                      "direction": "a_to_b", "date": ["2021-12-20", "2021-12-21"],
                      "arrivals_trucks": [50.0, 300.0], "queue_trucks": [5.0, 900.0],
                      "departures_trucks": [45.0, 150.0]})
    run = _folder(tmp_path / "m", "foresight", "mong-cai", "2021-12-20", 2, q)
    meta = json.loads((run / "run.json").read_text())
    meta["scenario"]["events"] = [{"crossing": "mong-cai-dongxing", "context": False},
                                  {"crossing": "boten-mohan-rail", "context": True}]
    (run / "run.json").write_text(json.dumps(meta))
    text = tool.table([run])
    assert _row(text, "bac-luan-2021-12-21-queue", "mong-cai")[6:11] == [
        "0", "—", "-346 (0.00×)", "—", "no / —"]
    assert "| boten-2021-arrivals |" not in text


def test_the_tool_runs_from_any_folder_with_the_same_output(tmp_path):
    # the observations are found beside the tool, run folders and --notes as given: the same
    # Markdown from the repo root (absolute paths) and from the runs' folder (relative ones),
    # the header quoting the paths as given
    _run(tmp_path / "a", "foresight", [999, 999, 250, 350, 999, 999])
    (tmp_path / "notes.md").write_text("# old\n\n## Reading the rows\n\nkept by hand\n")
    script = str(ROOT / "tools" / "validation_table.py")

    def run(cwd: Path, folder: str, notes: str) -> str:
        out = subprocess.run([sys.executable, script, folder, "--notes", notes],
                             capture_output=True, text=True, cwd=cwd, check=True)
        return out.stdout

    from_root = run(ROOT, str(tmp_path / "a"), str(tmp_path / "notes.md"))
    from_runs = run(tmp_path, "a", "notes.md")
    assert "| boten-2021-arrivals |" in from_root and from_root.endswith("kept by hand\n")
    assert from_runs == from_root.replace(f"`python tools/validation_table.py {tmp_path / 'a'}`",
                                          "`python tools/validation_table.py a`")
    assert from_runs != from_root


def test_one_command_solves_both_modes_and_writes_the_document(tmp_path, tiny_tables):
    """``--solve OUT --write FILE`` on the tiny realistic network (X1 closed on days 2-3 by
    surprise, 6 days): ``borderflow solve`` runs each mode into ``OUT/NAME-MODE`` (verified),
    and the document's row holds each folder's largest end-of-day queue at X1. A closure the
    dispatcher cannot see coming queues the trucks sent before the news; with foresight
    nobody is sent into it. ``--reuse`` then re-solves nothing, until a data table changes (both
    solved again); a ``--write`` file that is not a validation document is refused in one line,
    untouched."""
    from helpers import border_data, realistic_network

    data = border_data(tmp_path, "data", realistic_network(tiny_tables))
    scenario = tmp_path / "surprise.yaml"
    scenario.write_text("name: surprise\nhorizon: {start: 2024-01-01, days: 6}\nevents:\n"
                        "  - {crossing: x1, close: {from: 2024-01-03, to: 2024-01-04}}\n")
    observations = tmp_path / "obs.csv"
    header = (ROOT / "data" / "default" / "disruption_observations.csv"
              ).read_text().splitlines()[0]
    observations.write_text(header + "\nx1-queue,crossing,x1,a_to_b,2024-01-01,2024-01-06,"
                            "queue,20,trucks,10,30,trucks queued at X1,hand-made (test),2024,"
                            "estimate,\n")
    assert header.startswith("event_id,")
    doc = tmp_path / "validation.md"
    script = str(ROOT / "tools" / "validation_table.py")
    args = [sys.executable, script, "--solve", str(tmp_path / "runs"), "--scenarios",
            str(scenario), "--data", str(data), "--observations", str(observations),
            "--write", str(doc)]
    out = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    largest = {}
    for mode in ("foresight", "realistic"):
        folder = tmp_path / "runs" / f"surprise-{mode}"
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["verified"] is True and summary["dispatch"] == mode
        q = pd.read_csv(folder / "queues.csv")
        at = q[(q["crossing_id"] == "x1") & (q["direction"] == "a_to_b")
               & (q["date"] <= "2024-01-06")]
        largest[mode] = at["queue_trucks"].max() if len(at) else 0.0
    assert largest["foresight"] == 0 and largest["realistic"] > 0
    cells = _row(doc.read_text(), "x1-queue", "surprise")
    assert cells[6:8] == [f"{largest['foresight']:,.0f}", f"{largest['realistic']:,.0f}"]
    assert doc.read_text().startswith("# Validation on disruptions") and "--solve" in \
        doc.read_text().splitlines()[2]

    again = subprocess.run(args + ["--reuse"], capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.count("re-used (a verified") == 2
    assert "solve --scenario" not in again.stderr
    # a run made on other inputs is not re-used: an edited data table is solved again
    supply = next(data.rglob("supply.csv"))
    supply.write_text(supply.read_text() + "\n")
    stale = subprocess.run(args + ["--reuse"], capture_output=True, text=True, cwd=tmp_path)
    assert stale.returncode == 0 and "re-used" not in stale.stderr
    assert stale.stderr.count("solve --scenario") == 2

    mine = tmp_path / "mine.md"
    mine.write_text("my notes\n")
    refused = subprocess.run(args[:-1] + [str(mine), "--reuse"], capture_output=True,
                             text=True, cwd=tmp_path)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "is not a validation document" in refused.stderr and mine.read_text() == "my notes\n"


def test_a_time_limit_that_is_not_positive_is_refused_before_out_is_made(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "validation_table.py"),
                          "--solve", str(tmp_path / "runs"), "--time-limit", "-5"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "--time-limit: must be a positive number of seconds, got -5"
    assert not (tmp_path / "runs").exists()
