"""Two-stage robust plan against hand-computed optima on the tiny network.

Tiny network: 200 t/day of durian, route via X1 11 USD/t, via X2 16 USD/t, price 1,000 USD/t.
Spot premium pi = 0.3 and unused booking kappa = 0.1 (the defaults). Scenarios: normal, and X1
closed with probability p.

- Booking X2 (per t): costs kappa * 16 = 1.6 in the normal year, saves pi * 16 = 4.8 when X1 is
  closed: worth it when 4.8 p > 1.6 (1 - p), i.e. p > 0.25.
- Keeping the X1 booking: saves pi * 11 = 3.3 in the normal year, costs kappa * 11 = 1.1 when
  closed: always kept for p < 0.75.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.errors import InputError
from borderflow.robust import closure_scenarios, robust_plan
from helpers import border_data

TOL = 1e-6
NORMAL = 200 * 11 - 200 * 1000                     # -197,800: all via X1
CLOSED = 200 * 16 - 200 * 1000                     # -196,800: all via X2


def _solve(tables, p):
    scenarios, probabilities = closure_scenarios(["x1"], p)
    return robust_plan(tables, scenarios, probabilities)


@pytest.fixture
def tables(tmp_path):
    import tiny
    from borderflow.data.dataset import load_dataset

    return load_dataset(tiny.write(tmp_path / "data"), check_borders=False)


def test_unlikely_closure_keeps_the_baseline_plan(tables):
    r = _solve(tables, 0.1)
    # closed with the baseline plan: spot 200 t on X2 (0.3 * 16 * 200 = 960) and the idle X1
    # booking (0.1 * 11 * 200 = 220)
    expected = 0.9 * NORMAL + 0.1 * (CLOSED + 960 + 220)
    assert r.summary["expected_cost_usd_robust"] == pytest.approx(expected, abs=TOL)
    assert r.summary["expected_cost_usd_baseline"] == pytest.approx(expected, abs=TOL)
    assert r.summary["value_of_robust_plan_usd"] == pytest.approx(0, abs=TOL)
    plan = r.plan.set_index("crossings")
    assert plan.loc["x1:a_to_b", "booked_t_per_day_robust"] == pytest.approx(200, abs=TOL)


def test_likely_closure_books_both_gates(tables):
    r = _solve(tables, 0.5)
    robust = 0.5 * (NORMAL + 0.1 * 16 * 200) + 0.5 * (CLOSED + 0.1 * 11 * 200)
    baseline = 0.5 * NORMAL + 0.5 * (CLOSED + 960 + 220)
    assert r.summary["expected_cost_usd_robust"] == pytest.approx(robust, abs=TOL)  # -197,030
    assert r.summary["expected_cost_usd_baseline"] == pytest.approx(baseline, abs=TOL)
    assert r.summary["value_of_robust_plan_usd"] == pytest.approx(320, abs=TOL)
    plan = r.plan.set_index("crossings")
    assert plan.loc["x2:a_to_b", "booked_t_per_day_robust"] == pytest.approx(200, abs=TOL)
    assert plan.loc["x2:a_to_b", "booked_t_per_day_baseline"] == pytest.approx(0, abs=TOL)
    by_gate = r.plan_crossings.set_index("crossing_id")
    assert by_gate.loc["x2", "delta_trucks_per_day"] == pytest.approx(10, abs=TOL)
    s = r.scenarios.set_index("scenario")
    # closed: baseline plan pays 960 + 220, robust plan only the idle X1 booking (220)
    assert s.loc["close-x1", "regret_usd"] == pytest.approx(960, abs=TOL)
    assert s.loc["normal", "regret_usd"] == pytest.approx(-320, abs=TOL)


def test_probabilities_must_leave_room_for_the_normal_year(tables):
    with pytest.raises(InputError, match="exceed 1"):
        closure_scenarios(["x1", "x2"], 0.6)


def test_cli_robust_writes_plan_and_summary(tmp_path):
    data = border_data(tmp_path, "data")
    out = tmp_path / "robust"
    result = CliRunner().invoke(app, ["robust", "--data", str(data), "--close", "x1",
                                      "--probability", "0.5", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["value_of_robust_plan_usd"] == pytest.approx(320, abs=TOL)
    assert {"plan.csv", "plan_crossings.parquet", "scenarios.csv", "run.json"} <= \
        {p.name for p in out.iterdir()}
