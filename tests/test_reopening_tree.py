"""An uncertain reopening as a multi-stage stochastic plan (issue 18, item 5): the extensive
form over the reopening tree, hand-computed on the tiny network of tests/test_reopening.py.

Network: X1 is reached the day after dispatch, X2 the same day; 10 trucks of durian a day; a
day's trucks sent via X2 cost 1,000 USD more than via X1 (the detour); here waiting costs 300
USD/truck-day, so a day's trucks waiting one day at X1 cost 3,000 USD. X1 closes on day 2 (known
from day 0 in the tree) and reopens on day 3 (probability p) or day 5 (1 - p); the branches are
told apart on day 3 (the gate opens, or does not).

Above the undisrupted cost, per day of dispatch (X1 / X2):

- day 1's trucks reach X1 on day 2: wait 1 day (3,000) if it reopens on day 3, 3 days (9,000) on
  day 5; via X2 1,000. Both branches: X2 (1,000).
- day 2's trucks reach X1 on day 3, before the branches are told apart: via X1 they wait 0 or 2
  days, expected (1 - p) x 6,000; via X2 1,000. The tree sends them via X1 only if p > 5/6.
- day 3's trucks: the branch is known; day 3 via X1 (0), day 5 via X2 (1,000 < 3,000).

p = 0.8: tree 1,000 + 1,000 + 0.2 x 1,000 = 2,200 (branches 2,000 / 3,000); foresight 1,000 /
3,000, wait-and-see 1,400, **EVPI 800**. Planning on the mean (3.4 -> day 3) sends day 2's
trucks via X1: 1,000 / 8,000 (day 2's wait 2 days: 6,000), expected 2,400, **VSS 200**.
p = 0.9: the tree also sends day 2's trucks via X1 (0.1 x 6,000 = 600 < 1,000): 1,000 + 600 +
100 = 1,700; wait-and-see 0.9 x 1,000 + 0.1 x 3,000 = 1,200, EVPI 500; the mean (3.2 -> day 3)
makes the same choice: VSS 0 (branches 1,000 / 8,000 above undisrupted, 0 / 5,000 above
foresight).
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from clitools import invoke
from helpers import FORESIGHT, REOPENING_YAML, border_data, dated, day, reopening_network
from typer.testing import CliRunner

from borderflow.data.scenario import CloseEvent, Window
from borderflow.present import envelope as E
from borderflow.reopening_plan import reopening_plan

TOL = 1e-6


def _network(t, waiting: float = 300.0):
    return reopening_network(t, waiting)


def _tables(tmp_path, tiny_tables):
    from borderflow.data.dataset import load_dataset

    return load_dataset(border_data(tmp_path, "data", _network(tiny_tables)))


def _scenario(odds: dict):
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(min(odds) - 1)}),
                       reopening_odds={day(k): p for k, p in odds.items()})
    return dated("odds", 8, close)


def _x1_trucks(res, period: int) -> float:
    f = res.route_flows
    f = f[(f["period"] == period) & f["crossings"].astype(str).str.contains("x1")]
    return float(f["trucks_per_day"].sum())


@pytest.mark.parametrize("p, branches, evpi, vss, day2_via_x1", [
    (0.8, [1000, 0], 800, 200, 0.0),
    (0.9, [0, 5000], 500, 0, 10.0)])
def test_tree_hand_computed(tmp_path, tiny_tables, p, branches, evpi, vss, day2_via_x1):
    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({3: p, 5: round(1 - p, 10)}))
    s, b = res.summary, res.branches
    assert s["status"] == "optimal" and s["routing"] == "restricted" and s["exact"]
    assert s["evpi_usd"] == pytest.approx(evpi, abs=TOL)
    assert s["vss_usd"] == pytest.approx(vss, abs=TOL)
    assert b["value_of_foresight_usd"].tolist() == pytest.approx(branches, abs=TOL)
    assert s["lp_objective_usd"] == pytest.approx(s["expected_objective_usd"], abs=TOL)
    # the dispatch: day 1 via X2 in both; day 2 the same in both (decided before day 3);
    # day 3 via X1 once it reopened, via X2 while still shut
    r3, r5 = res.branch_results.values()
    assert [_x1_trucks(r, 1) for r in (r3, r5)] == pytest.approx([0, 0], abs=TOL)
    assert [_x1_trucks(r, 2) for r in (r3, r5)] == pytest.approx([day2_via_x1] * 2, abs=TOL)
    assert [_x1_trucks(r, 3) for r in (r3, r5)] == pytest.approx([10, 0], abs=TOL)
    report = res.verify(tables)
    assert report["ok"].all(), report[~report["ok"]]
    assert report["check"].eq("nonanticipative_dispatch").sum() >= 3


def test_planning_on_the_mean_differs_from_the_tree_and_from_foresight(tmp_path, tiny_tables):
    tables = _tables(tmp_path, tiny_tables)
    s = reopening_plan(tables, _scenario({3: 0.8, 5: 0.2})).summary
    tree, ws, mean = (s["expected_objective_usd"], s["wait_and_see_objective_usd"],
                      s["expectation_policy_objective_usd"])
    assert (tree - ws, mean - tree) == pytest.approx((800, 200), abs=TOL)
    # the scenario as written (closure a surprise on day 2): day 1's trucks go via X1 and wait
    assert s["realistic_objective_usd"] - mean == pytest.approx(0.8 * 2000 + 0.2 * 8000,
                                                                 abs=TOL)


def test_one_branch_is_the_foresight_run(tmp_path, tiny_tables):
    from borderflow.pipeline import run_scenario

    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({5: 1.0}), compare=False)
    known = dated("known", 8, CloseEvent(crossing="x1",
                                         close=Window(**{"from": day(2), "to": day(4)})))
    foresight = run_scenario(tables, known, FORESIGHT).results.summary["objective_usd"]
    assert res.summary["expected_objective_usd"] == pytest.approx(foresight, abs=TOL)
    assert res.summary["evpi_usd"] == pytest.approx(0, abs=TOL)
    assert res.summary["nonanticipativity_rows"] == 0


def test_without_the_ties_the_answer_is_the_wait_and_see_bound(tmp_path, tiny_tables):
    """The ties bind: the same model without them is each branch's foresight optimum, whose
    average is 800 USD below the tree's (p = 0.8)."""
    from borderflow.pipeline import run_scenario
    from borderflow.reopening import reopening_branches

    tables = _tables(tmp_path, tiny_tables)
    scenario = _scenario({3: 0.8, 5: 0.2})
    s = reopening_plan(tables, scenario, compare=False).summary
    alone = sum(p * run_scenario(tables, b, FORESIGHT).results.summary["objective_usd"]
                for p, _, b in reopening_branches(scenario))
    assert s["wait_and_see_lp_objective_usd"] == pytest.approx(alone, abs=TOL)
    assert s["wait_and_see_objective_usd"] == pytest.approx(alone, abs=TOL)
    assert s["lp_objective_usd"] - alone == pytest.approx(800, abs=TOL)


def test_the_verifier_catches_anticipation_and_a_wrong_expectation(tmp_path, tiny_tables):
    from borderflow.verify.reopening import verify_tree

    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({3: 0.8, 5: 0.2}), compare=False)
    contents = res.contents()
    name = list(contents["folders"])[1]
    flows = contents["folders"][name][0]["route_flows"]
    day2 = flows.index[flows["period"] == 2][0]
    flows.loc[day2, "flow_t"] += 1.0  # branch "day 5" knows on day 2 what it cannot
    contents["documents"]["summary.json"]["expected_objective_usd"] += 10.0
    report = verify_tree(contents, tables)
    bad = set(report.loc[~report["ok"], "check"])
    assert {"nonanticipative_dispatch", "expected_objective"} <= bad
    row = report[(report["check"] == "nonanticipative_dispatch")
                 & (report["entity"] == "route_flows day 2")]
    assert float(row["amount"].iloc[0]) == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize("flags, line", [
    ((), "wait-and-see over every route (certified foresight per branch): "),
    (("--no-bound",), "no gap bound over every route")])
def test_cli_writes_a_folder_that_verify_rechecks(tmp_path, tiny_tables, flags, line):
    from borderflow.cli import app

    data = border_data(tmp_path, "data", _network(tiny_tables))
    yaml = tmp_path / "odds.yaml"
    yaml.write_text(REOPENING_YAML)
    runner = CliRunner()
    out = tmp_path / "tree"
    r = invoke(runner, app, ["reopening", "--scenario", str(yaml), "--data", str(data),
                             "--out", str(out), "--no-compare", "--json", *flags])
    assert r.exit_code == 0, r.output
    env = json.loads(r.stdout)
    jsonschema.Draft202012Validator(json.loads(E.SCHEMA_PATH.read_text())).validate(env)
    assert env["command"] == "reopening" and env["summary"]["evpi_usd"] == pytest.approx(800)
    assert any("expected value of perfect information 800 USD" in x for x in env["narrative"])
    assert any(x.startswith(line) for x in env["narrative"]), env["narrative"]
    assert (out / "branch-1-reopens-2024-01-06" / "route_flows.parquet").exists()
    v = invoke(runner, app, ["verify", str(out)])
    assert v.exit_code == 0, v.output


@pytest.mark.parametrize("text, message", [
    ("name: a\nhorizon: {start: 2024-01-01, days: 6}\n", "no closure has reopening_odds"),
    ("name: a\n", "needs a dated horizon")])
def test_cli_refuses_a_scenario_without_a_tree(tmp_path, tiny_tables, text, message):
    from borderflow.cli import app

    data = border_data(tmp_path, "data", _network(tiny_tables))
    yaml = tmp_path / "s.yaml"
    yaml.write_text(text)
    out = tmp_path / "tree"
    r = invoke(CliRunner(), app, ["reopening", "--scenario", str(yaml), "--data", str(data),
                                  "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert message in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not out.exists()


def test_the_verifier_derives_the_same_information_groups_as_the_model():
    """Two uncertain closures (reopening on day 3 or 5, and on day 4 or 6): four branches.
    Days 0-2 all four together; day 3 splits by the first closure ({3,4}, {3,6} | {5,4}, {5,6});
    on day 4 the second closure reopens in {3,4} and {5,4} only: no two branches together."""
    import datetime as dt

    from borderflow.model.reopening_tree import information_groups
    from borderflow.verify.reopening import told_apart_groups

    periods = [(3, 4), (3, 6), (5, 4), (5, 6)]
    model = information_groups(periods, 8)
    start = dt.date(2024, 1, 1)
    dates = [tuple(start + dt.timedelta(days=d) for d in p) for p in periods]
    assert told_apart_groups(dates, start, 8) == model
    assert model == [(0, [0, 1, 2, 3]), (1, [0, 1, 2, 3]), (2, [0, 1, 2, 3]),
                     (3, [0, 1]), (3, [2, 3])]


# The gap bound over every route (borderflow/reopening_bound.py): each branch's certified
# foresight optimum over every route z_k*, LB = sum_k p_k z_k*, gap = tree - LB >= 0.

def _x1_only():
    """Routes enumerated within detour factor 1: only the cheapest sequence (via X1); the X2
    detour is outside the run's route set, and the foresight runs' pricing finds it."""
    from dataclasses import replace

    from borderflow.options import RunOptions

    return replace(RunOptions(), routes=replace(RunOptions().routes, detour_factor=1.0))


def test_gap_bound_is_tree_minus_the_certified_wait_and_see(tmp_path, tiny_tables):
    """Every route in the run (X1 and X2): each branch's certified foresight optimum is its
    foresight optimum over the run's routes, so LB is the wait-and-see (1,400 above the
    undisrupted run) and the bound is the EVPI, 2,200 - 1,400 = 800 USD: the ties bind, the
    tree is not proven optimal over every route by this bound."""
    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({3: 0.8, 5: 0.2}), compare=False)
    s, b = res.summary, res.branches
    assert (b["foresight_routing"] == "certified").all()
    lb = float((b["probability"] * b["certified_foresight_objective_usd"]).sum())
    assert s["wait_and_see_all_routes_usd"] == pytest.approx(lb, abs=TOL)
    assert b["certified_foresight_objective_usd"].tolist() == pytest.approx(
        b["foresight_objective_usd"].tolist(), abs=TOL)
    assert s["gap_bound_usd"] == pytest.approx(s["expected_objective_usd"] - lb, abs=TOL)
    assert s["gap_bound_usd"] == pytest.approx(800, abs=TOL) and s["gap_bound_usd"] >= 0
    assert s["routing"] == "restricted" and "within 800.00 USD" in s["optimality"]
    report = res.verify(tables)
    assert report["ok"].all(), report[~report["ok"]]
    assert report["check"].eq("gap_bound").sum() >= 5


def test_one_branch_has_a_zero_gap_bound_and_is_certified(tmp_path, tiny_tables):
    """One branch, the route set complete: the tree is the foresight run, the bound 0."""
    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({5: 1.0}), compare=False)
    assert res.summary["gap_bound_usd"] == 0.0
    assert res.summary["routing"] == "certified"
    assert res.summary["optimality"].startswith("optimal over every route")
    assert res.verify(tables)["ok"].all()


def test_a_route_outside_the_run_makes_the_bound_positive(tmp_path, tiny_tables):
    """Only X1 in the run: no decision is left (every truck via X1, waiting), so the tree is
    its own wait-and-see over the run's routes (EVPI 0): above the undisrupted run, branch
    day 3 waits day 1's trucks 1 day (3,000), branch day 5 days 1-3's 3 + 2 + 1 days
    (18,000): 0.8 x 3,000 + 0.2 x 18,000 = 6,000. With X2 priced in, each branch's certified
    foresight optimum is 1,000 / 3,000 above undisrupted (the test above), LB 1,400: the bound
    is 6,000 - 1,400 = 4,600 USD, all of it the missing route."""
    tables = _tables(tmp_path, tiny_tables)
    scenario = _scenario({3: 0.8, 5: 0.2})
    res = reopening_plan(tables, scenario, _x1_only(), compare=False)
    full = reopening_plan(tables, scenario, compare=False)
    s, b = res.summary, res.branches
    assert s["evpi_usd"] == pytest.approx(0, abs=TOL)
    assert (b["tree_objective_usd"] - full.branches["foresight_objective_usd"]).tolist() == \
        pytest.approx([2000, 15000], abs=TOL)
    assert b["certified_foresight_objective_usd"].tolist() == pytest.approx(
        full.branches["certified_foresight_objective_usd"].tolist(), abs=TOL)
    assert s["gap_bound_usd"] == pytest.approx(4600, abs=TOL)
    assert s["wait_and_see_all_routes_usd"] == pytest.approx(
        full.summary["wait_and_see_all_routes_usd"], abs=TOL)
    assert s["routing"] == "restricted" and "within 4,600.00 USD" in s["optimality"]
    report = res.verify(tables)
    assert report["ok"].all(), report[~report["ok"]]


@pytest.mark.parametrize("edit", ["gap", "lower", "certified"])
def test_the_verifier_catches_a_tampered_bound(tmp_path, tiny_tables, edit):
    from borderflow.verify.reopening import verify_tree

    tables = _tables(tmp_path, tiny_tables)
    contents = reopening_plan(tables, _scenario({3: 0.8, 5: 0.2}), compare=False).contents()
    summary, branches = contents["documents"]["summary.json"], contents["tables"]["branches"]
    if edit == "gap":
        summary["gap_bound_usd"] -= 500.0  # a tighter bound than the branches prove
    elif edit == "lower":
        branches.loc[1, "foresight_lower_bound_usd"] += 5000.0  # above its own foresight
    else:
        summary["routing"] = "certified"  # with an 800 USD bound
    report = verify_tree(contents, tables)
    bad = report[~report["ok"]]
    assert set(bad["check"]) == {"gap_bound"}, bad
    if edit == "gap":
        assert float(bad["amount"].max()) == pytest.approx(500, abs=TOL)


def test_without_the_bound_the_summary_says_so(tmp_path, tiny_tables):
    from borderflow.verify.reopening import verify_tree

    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({3: 0.8, 5: 0.2}), compare=False, bound=False)
    s = res.summary
    assert s["gap_bound_usd"] is None and s["routing"] == "restricted"
    assert "no gap bound" in s["optimality"]
    assert "certified_foresight_objective_usd" not in res.branches
    assert res.verify(tables)["ok"].all()
    contents = res.contents()
    contents["documents"]["summary.json"]["optimality"] = "optimal"
    assert not verify_tree(contents, tables).set_index("check").loc["gap_bound", "ok"]


def test_a_branch_lower_bound_from_its_own_summary():
    """Certified: its LP optimum (a FIFO repair's lower bound, not the repaired objective);
    restricted: objective - its gap bound; no bound or not verified: none, and then the tree
    has no gap bound either."""
    import numpy as np

    from borderflow.reopening_bound import bound_summary, lower_bound

    assert lower_bound({"objective_usd": 100.0, "routing": "certified", "verified": True}) \
        == (100.0, 100.0)
    assert lower_bound({"objective_usd": 100.0, "routing": "certified",
                        "fifo_repair": {"lp_lower_bound_usd": 90.0}}) == (100.0, 90.0)
    assert lower_bound({"objective_usd": 100.0, "routing": "restricted",
                        "pricing": {"gap_bound_usd": 30.0}}) == (100.0, 70.0)
    assert lower_bound({"objective_usd": 100.0, "routing": "restricted",
                        "pricing": {"gap_bound_usd": None}})[1] is None
    assert lower_bound({"objective_usd": 100.0, "routing": "certified",
                        "verified": False})[1] is None
    import pandas as pd

    bounds = pd.DataFrame({"foresight_lower_bound_usd": [70.0, np.nan]})
    s = bound_summary(120.0, np.array([0.5, 0.5]), bounds)
    assert s["gap_bound_usd"] is None and "no gap bound" in s["optimality"]
    s = bound_summary(120.0, np.array([0.5, 0.5]), bounds.fillna(110.0))
    assert s["gap_bound_usd"] == pytest.approx(30.0) and s["routing"] == "restricted"


def test_a_tree_of_one_branch_has_no_shared_day_to_tie(tmp_path, tiny_tables):
    """One branch (X1 reopens on day 5 for sure): no group of two branches on any day, so the
    verifier writes the single row "no two branches share a day" (0 t, its 1e-6 t tolerance,
    passing) instead of a row per table and day; the rest of the report passes too."""
    tables = _tables(tmp_path, tiny_tables)
    report = reopening_plan(tables, _scenario({5: 1.0}), compare=False).verify(tables)
    assert report["ok"].all(), report[~report["ok"]]
    tie = report[report["check"] == "nonanticipative_dispatch"]
    assert tie[["entity", "amount", "unit", "tolerance", "ok"]].values.tolist() == [
        ["no two branches share a day", 0.0, "t", 1e-6, True]]


def test_branches_never_told_apart_in_the_horizon_are_tied_every_day(tmp_path, tiny_tables):
    """X1 reopens on 10 or 14 January, both after the 8-day horizon (1-8 January): no day of
    the horizon tells the two branches apart, so all 8 days are tied, and the verifier writes
    a row per decision table and day, days 0-7 and no later (the last day of any decision
    table), each 0 t: the plans are the same. ``stream_queues`` has no row on day 0 (X1 is
    reached the day after dispatch) and its day-0 row is still 0 t."""
    tables = _tables(tmp_path, tiny_tables)
    res = reopening_plan(tables, _scenario({9: 0.5, 13: 0.5}), compare=False)
    first = next(iter(res.branch_results.values()))
    assert sorted(set(first.stream_queues["period"])) == list(range(1, 8))
    report = res.verify(tables)
    assert report["ok"].all(), report[~report["ok"]]
    tie = report[report["check"] == "nonanticipative_dispatch"]
    assert sorted(tie["entity"]) == sorted(f"{name} day {t}" for t in range(8)
                                           for name in ("route_flows", "stream_queues",
                                                        "unserved"))
    assert tie["amount"].tolist() == [0.0] * 24
