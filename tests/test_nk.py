"""Closure groups, N-2 sweeps and the guided N-k search (issue 21, item 2).

The four-gate network (tests/nk_tiny.py): routes via X1, X2, X3, X4 cost 11, 16, 12, 13
USD/t, each gate 4 trucks/day (80 t), supply 200 t/day, price 1,000 and value 500 USD/t.
All open: X1 and X3 full (80 t each), X4 40 t; cost 2,360 - 200,000 revenue.
X1 and X3 closed: X4 and X2 carry 80 t each (1,040 + 1,280), 40 t are not shipped (lost
revenue 40,000 and value 20,000): cost increase (2,320 - 160,000 + 20,000) -
(2,360 - 200,000) = 59,960 USD/day, the costliest pair.
"""

from __future__ import annotations

import shutil
import textwrap

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import nk_tiny
import tiny
from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.data.scenario_checks import Catalog
from borderflow.data.scenario_files import load_scenarios
from borderflow.model.column_generation import Pricing
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario
from borderflow.sweeps import plan_file, plan_n_k, run_n_k, run_sweep
from borderflow.sweeps.nk import decided

#: the crossings of the embedded dataset combined in the N-2 test (the Boten road and rail
#: gates, two Lang Son gates, Lao Cai, two Mekong bridges): 21 pairs, among them the three
#: costliest pairs of the whole N-2 of the calibrated dataset (docs/n-k.md)
EMBEDDED = ("boten-mohan", "boten-mohan-rail", "vientiane-nong-khai", "houayxay-chiang-khong",
            "tan-thanh-puzhai", "huu-nghi-youyiguan", "kim-thanh-hekou")


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    folder = tiny.write(tmp_path_factory.mktemp("four"), nk_tiny.four_gate_tables())
    return folder, load_dataset(folder, check_borders=False)


@pytest.fixture(scope="module")
def embedded():
    return load_dataset()


def _write(path, text: str):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _top(search: pd.DataFrame, k: int) -> list[tuple[str, float]]:
    """(set, cost rounded to the dollar) of the k first rows by rank (ties by name)."""
    s = search.dropna(subset=["rank"]).sort_values(["rank", "scenario"], kind="stable")
    return [(c, round(v)) for c, v in zip(s["crossings"].head(k), s["cost_increase_usd"])]


# ---- closure groups --------------------------------------------------------------------------
def test_groups_expand_in_close_events_grids_and_the_command_line(tmp_path, embedded):
    path = _write(tmp_path / "g.yaml", """\
        groups:
          lang-son: [huu-nghi-youyiguan, tan-thanh-puzhai, chi-ma-aidian]
        scenarios:
          - name: lang-son-shut
            events: [{crossing: lang-son, close: {from: 2023-01-01, to: 2023-01-10}}]
        grid: {crossings: [lang-son, border-la-th]}
        """)
    got = {s.name: s for s in load_scenarios(path, Catalog.of(embedded))}
    shut = got["lang-son-shut"]
    assert [e.crossing for e in shut.events] == ["huu-nghi-youyiguan", "tan-thanh-puzhai",
                                                 "chi-ma-aidian"]
    assert all(str(e.close.end) == "2023-01-10" for e in shut.events)
    la_th = embedded.crossings.query("country_a == 'LA' and country_b == 'TH' and "
                                     "status in ('open', 'upgraded', 'restricted')")
    assert [e.crossing for e in got["close-border-la-th"].events] == list(la_th["crossing_id"])
    plan = plan_file(path, tables=embedded)
    rows = {e.name: e.row() for e in plan.entries}
    assert rows["close-lang-son"]["closed_group"] == "lang-son"
    assert rows["close-lang-son"]["closed_set"] == ("huu-nghi-youyiguan + tan-thanh-puzhai + "
                                                    "chi-ma-aidian")
    assert rows["close-border-la-th"]["closed_group"] == "border-la-th"


def test_a_group_sweep_names_the_group_and_costs_what_closing_its_gates_costs(client, four,
                                                                               tmp_path):
    folder, tables = four
    path = _write(tmp_path / "g.yaml", """\
        groups: {cheap: [x1, x3]}
        grid: {crossings: [cheap]}
        """)
    res = run_sweep(plan_file(path, data=folder, tables=tables), tmp_path / "out",
                    client=client)
    row = res["comparison"].set_index("scenario").loc["close-cheap"]
    assert row["closed_group"] == "cheap" and row["closed_set"] == "x1 + x3"
    assert row["cost_increase_usd"] == pytest.approx(59_960.0)


@pytest.mark.parametrize("text, where", [
    ("groups: {ls: [huu-nghi-youyiguan, tan-thanh-puzhaii]}\nevents: [{crossing: ls}]\n",
     "row 1, field 'groups.ls[1]': group 'ls': unknown crossing 'tan-thanh-puzhaii' "
     "(did you mean 'tan-thanh-puzhai'?)"),
    ("groups:\n  ls: []\nevents: [{crossing: ls}]\n", "row 2, field 'groups.ls': group 'ls' "
     "is empty"),
    ("groups:\n  boten-mohan: [kim-thanh-hekou]\n", "row 2, field 'groups.boten-mohan': group "
     "'boten-mohan' has the name of a crossing"),
    ("events: [{crossing: lang-sonn}]\n", "row 1, field 'events[0].crossing': scenario "
     "baseline: unknown crossing 'lang-sonn'"),
    ("groups: {ls: [huu-nghi-youyiguan]}\nevents: [{crossing: ls, "
     "capacity_trucks_per_day: 5}]\n", "'ls' is a closure group: only close events"),
])
def test_bad_groups_exit_2_naming_file_row_field_and_write_nothing(tmp_path, text, where):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["solve", "--scenario", str(path), "--out",
                                   str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert where in " ".join(res.output.split())
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, where", [
    (["solve", "--close", "border-vn-xx"], "--close"),
    (["sweep", "--n-2", "--worst", "0"], "'--worst': must be at least 1 (got 0)"),
    (["sweep", "--n-2", "--among", "lang-son"], "'--among': unknown crossing or group "
                                                 "'lang-son'"),
    (["sweep", "--n-k", "1"], "'--n-k': k must be 2"),
    (["sweep", "--worst", "3", "--n-1"], "'--worst': goes with --n-2 or --n-k"),
])
def test_bad_options_exit_2_naming_the_option_and_write_nothing(tmp_path, args, where):
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert where in " ".join(res.output.split())
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert not (tmp_path / "o").exists()


def test_close_takes_a_builtin_group(embedded):
    from borderflow.cli.common import _scenario

    s = _scenario(embedded, None, ["border-cn-la"], None)
    assert [e.crossing for e in s.events] == ["boten-mohan", "boten-mohan-rail"]


# ---- N-2: bounds and the guided search -------------------------------------------------------
def _brute(k: int, out, client, tables, tol: float, resume: bool = False,
           **kw) -> pd.DataFrame:
    """``nk_search`` of a brute-force N-k sweep, after checking that every set's cost lies
    within its bounds (docs/n-k.md), to ``tol`` USD (``resume``: keeping the scenarios
    already solved in ``out``)."""
    brute, _ = run_n_k(plan_n_k(k=k, tables=tables, **kw), out, client=client, resume=resume)
    search = brute["nk_search"]
    search.attrs["solved_here"] = brute.solved
    assert (search["status"] == "solved").all()
    assert (search["lower_increase_usd"] <= search["cost_increase_usd"] + tol).all()
    assert (search["cost_increase_usd"] <= search["upper_increase_usd"] + tol).all()
    return search


def test_tiny_n2_bounds_hold_and_the_guided_search_equals_brute_force(client, four, tmp_path):
    folder, tables = four
    search = _brute(2, tmp_path / "brute", client, tables, 1e-6, data=folder)
    assert len(search) == 6
    assert _top(search, 1) == [("x1 + x3", 59_960)]  # by hand: the module's docstring
    for worst in (1, 2, 4):
        res, plan = run_n_k(plan_n_k(k=2, worst=worst, data=folder, tables=tables),
                            tmp_path / f"guided{worst}", client=client, batch=1)
        assert _top(res["nk_search"], worst) == _top(search, worst)
        assert list(res["nk_worst"]["crossings"]) == [c for c, _ in _top(search, worst)]
    # K = 1: the first round solves the pair with the highest upper bound; once it is solved,
    # its cost is above every other pair's upper bound (which none but one pair reach)
    solved = res["nk_search"]["status"].eq("solved").sum()
    assert solved < len(search)


def test_tiny_n3_guided_equals_brute_force(client, four, tmp_path):
    folder, tables = four
    search = _brute(3, tmp_path / "brute", client, tables, 1e-6, data=folder)
    assert len(search) == 4
    res, _ = run_n_k(plan_n_k(k=3, worst=2, data=folder, tables=tables), tmp_path / "guided",
                     client=client, batch=1)
    assert _top(res["nk_search"], 2) == _top(search, 2)


def test_embedded_n2_guided_equals_brute_force_and_a_cold_solve(client, embedded, tmp_path):
    """N-2 of seven embedded gates: every set certified optimal over every route (the sweep
    generates the routes a closure needs), the guided worst 5 equal to brute force, and the
    costs equal to cold certified solves built for each pair alone, Boten–Mohan + Boten rail
    among them (over the enumerated routes only it would cost +14.74 M USD/day, over every
    route about +0.43 M).

    The brute force resumes a copy of the guided search's folder (``run_n_k(...,
    resume=True)``): it keeps the scenarios the search solved (the single closures and the
    pairs it did not rule out; a scenario is kept only with the same fingerprint, and a sweep
    restarts every scenario from the reference basis, so a kept one is what a fresh solve
    gives: ``test_sweep.py::test_resumed_sweep_equals_uninterrupted``) and solves every pair
    the search pruned or knew by its bounds. Those pairs are the ones that can prove the
    search wrong, and each is solved; the brute force solving exactly them is asserted. (Until
    session 30 the brute force ran apart, solving the search's pairs a second time.)"""
    out = tmp_path / "guided"
    res = CliRunner().invoke(app, ["sweep", "--n-2", "--worst", "5", *[
        a for g in EMBEDDED for a in ("--among", g)], "--out", str(out),
        "--scheduler", client.scheduler.address, "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "the 5 costliest found with" in " ".join(res.output.split())
    guided = pd.read_csv(out / "nk_search.csv")
    worst = pd.read_csv(out / "nk_worst.csv")
    shutil.copytree(out, tmp_path / "brute", symlinks=True)
    search = _brute(2, tmp_path / "brute", client, embedded, 1e-3, resume=True,
                    among=EMBEDDED)
    assert len(search) == 21
    assert (search["routing"] == "certified").all()
    assert search.attrs["solved_here"] == guided["status"].ne("solved").sum()
    assert _top(guided, 5) == _top(search, 5)
    assert len(worst) == 5 and worst["cost_increase_usd"].is_monotonic_decreasing
    assert (worst["routing"] == "certified").all()
    assert guided["status"].eq("solved").sum() < 21  # the bounds saved solves
    # brute force of cold certified solves (no sweep, no bound, a model built per pair)
    base = run_scenario(embedded, Scenario())
    assert base.routing.certified
    cost = search.set_index("crossings")["cost_increase_usd"]
    first = worst["crossings"].iloc[0]
    for pair in dict.fromkeys([first, "boten-mohan + boten-mohan-rail",
                               "vientiane-nong-khai + houayxay-chiang-khong"]):
        cold = run_scenario(embedded, Scenario.closing(pair.split(" + ")))
        assert cold.routing.certified
        assert cold.solve.objective_usd - base.solve.objective_usd == pytest.approx(
            cost[pair], rel=1e-6, abs=1.0), pair
    # the enumerated routes alone overstate the Boten pair, and say so with a bound
    pair = ["boten-mohan", "boten-mohan-rail"]
    enumerated = run_scenario(embedded, Scenario.closing(pair),
                              RunOptions(pricing=Pricing(enabled=False)))
    gap = enumerated.solve.objective_usd - base.solve.objective_usd - cost[" + ".join(pair)]
    assert enumerated.routing.status == "restricted"
    assert 1e6 < gap <= enumerated.routing.gap_bound_usd + 1e-6


def test_decided_ranks_by_cost_then_name():
    b = pd.DataFrame({"combination": [("a", "b"), ("a", "c"), ("b", "c")],
                      "lower_usd": [1.0, 5.0, 0.0], "upper_usd": [9.0, 5.0, 0.0],
                      "upper_from": ["a", "a", "b"], "exact_by_bound": [False, True, True]})
    d = decided(b, {("a", "b"): 5.0})
    assert list(d["how"]) == ["solved", "exact_by_bound", "exact_by_bound"]
    assert list(d["objective_usd"]) == [5.0, 5.0, 0.0]
    assert np.isfinite(d["objective_usd"]).all()


def test_data_list_groups_lists_the_builtin_groups():
    res = CliRunner().invoke(app, ["data", "list", "groups", "--country", "LA", "--json"])
    assert res.exit_code == 0, res.output
    import json

    rows = json.loads(res.output)["tables"]["groups"]["rows"]
    got = {r["group"]: r["crossings"] for r in rows}
    assert set(got) == {"border-cn-la", "border-la-th", "border-la-vn", "country-la"}
    assert got["border-cn-la"] == "boten-mohan boten-mohan-rail"
