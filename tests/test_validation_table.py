"""tools/validation_table.py on hand-made run folders: which observations become rows, and the
model figures it computes (mean arrivals, largest queue, mean departures of the overlap days)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("validation_table",
                                                  ROOT / "tools" / "validation_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(folder: Path, dispatch: str, arrivals: list[float]) -> Path:
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"dispatch": dispatch}))
    (folder / "run.json").write_text(json.dumps({"scenario": {
        "name": "boten-2021", "horizon": {"start": "2021-11-29", "days": 4}}}))
    dates = [f"2021-11-{d}" for d in (29, 30)] + [f"2021-12-0{d}" for d in (1, 2, 3, 4)]
    pd.DataFrame({"crossing_id": "boten-mohan", "direction": "a_to_b", "date": dates,
                  "arrivals_trucks": arrivals, "queue_trucks": 0.0,
                  "departures_trucks": 150.0}).to_csv(folder / "queues.csv", index=False)
    return folder


def test_boten_arrivals_row_uses_only_the_horizon_days_inside_the_observation(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(ROOT)
    tool = _tool()
    # in-horizon days 29 Nov - 2 Dec; the observation covers 1-31 Dec: 1 and 2 Dec count
    # (3 and 4 Dec are the run-out tail), so the means are 300 and 175
    a = _run(tmp_path / "a", "foresight", [999, 999, 250, 350, 999, 999])
    b = _run(tmp_path / "b", "realistic", [0, 0, 150, 200, 0, 0])
    text = tool.table([a, b])
    row = next(line for line in text.splitlines() if line.startswith("| boten-2021-arrivals"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[5:9] == ["300", "175", "0.86", "0.50"]
    assert "model, foresight | model, realistic" in text
    # the Lang Son corridor rows and the inputs (closures, throttles allowed) are not rows
    assert "lang-son" not in text and "boten-2021-throttle" not in text
