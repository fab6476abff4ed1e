"""Run folders of the tiny network for the output tests (tests/tiny.py): written once per module.

- ``base``: static baseline: 10 trucks/day O -> X1 -> M (200 t/day, 11 USD/t);
- ``no-x1``: X1 closed (static): the 10 trucks move to X2 at 16 USD/t, transport cost
  +1,000 USD/day; the folder holds the comparison with its counterfactual, as ``solve`` writes;
- ``dated``: X1 at 20 trucks/day a->b, closed on 2024-01-02 and 2024-01-03 (horizon from
  2024-01-01), with its comparison: a queue builds at X1 and clears once it reopens.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tiny
from borderflow.data.scenario import CloseEvent, Horizon, Scenario, Window, closing

from borderflow.compare import compare
from borderflow.io import write_run
from borderflow.data.dataset import load_dataset
from borderflow.pipeline import run_scenario, solve_counterfactual
from borderflow.verify import REPORT_TABLE, verify_solved

START = dt.date(2024, 1, 1)


def write_runs(root: Path) -> dict[str, Path]:
    """Write the three run folders (and their datasets) under ``root``; return their paths."""
    tables = load_dataset(tiny.write(root / "data"), check_borders=False)
    base = run_scenario(tables)
    write_run(root / "base", base.results, base.metadata(),
              extra={REPORT_TABLE: verify_solved(base)})
    scen = run_scenario(tables, closing(["x1"]))
    diff = compare(solve_counterfactual(scen), scen.results)
    write_run(root / "no-x1", scen.results, scen.metadata(),
              extra={**diff, REPORT_TABLE: verify_solved(scen)})
    t = tiny.base_tables()
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 20
    dated_tables = load_dataset(tiny.write(root / "data-dated", t), check_borders=False)
    close = CloseEvent(crossing="x1", close=Window(**{"from": START + dt.timedelta(1),
                                                      "to": START + dt.timedelta(2)}))
    sc = Scenario(name="x1-closed-2d", horizon=Horizon(start=START, days=6), events=(close,))
    dated = run_scenario(dated_tables, sc)
    diff = compare(solve_counterfactual(dated), dated.results)
    write_run(root / "dated", dated.results, dated.metadata(),
              extra={**diff, REPORT_TABLE: verify_solved(dated)})
    return {"root": root, "base": root / "base", "no-x1": root / "no-x1",
            "dated": root / "dated"}
