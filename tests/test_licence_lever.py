"""The ``license`` lever on the tiny network (tests/tiny.py), by hand.

Supply 3,000 t/day of durian at O, payload 20 t; x1 (100 trucks/day = 2,000 t) costs 11 USD/t,
x2 16 USD/t; price 1,000, unserved 500 USD/t. x2 licenses only rice, so durian cannot use it:
2,000 t via x1, 1,000 t unserved: 2,000 x (11 - 1,000) + 1,000 x 500 = -1,478,000 USD/day.
Licensed at x2: 1,000 t more via x2: 2,000 x -989 + 1,000 x -984 = -2,962,000 USD/day, so the
licence saves 1,484,000 USD/day.
"""

from __future__ import annotations

import pandas as pd
import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import Scenario
from borderflow.pipeline import run_scenario
from borderflow.responses import respond
from borderflow.verify import verify_results

import tiny
from helpers import FORESIGHT

TOL = 1e-3
NONE = -1_478_000.0
LICENSED = -2_962_000.0


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return load_dataset(tiny.write(tmp_path_factory.mktemp("lic"), tiny.licence_tables()),
                        check_borders=False)


def _run(ds, text: str):
    run = run_scenario(ds, Scenario.from_yaml_text(text, ds), FORESIGHT)  # the optimum
    rep = verify_results(run.results, ds, run.net.scenario, run.net)
    return run, rep


def _x2_durian_t(run) -> pd.Series:
    rf = run.results.route_flows
    sel = rf[(rf["product_id"] == "durian") & rf["crossings"].str.contains("x2")]
    return sel.groupby("period")["flow_t"].sum()


def test_unlicensed_gate_carries_nothing(ds):
    run, rep = _run(ds, "name: t\n")
    assert run.results.summary["objective_usd"] == pytest.approx(NONE, abs=TOL)
    assert _x2_durian_t(run).sum() == pytest.approx(0.0, abs=1e-6)
    assert rep["ok"].all()


def test_licence_opens_the_route(ds):
    run, rep = _run(ds, "name: t\nevents:\n  - {crossing: x2, license: {products: [durian]}}\n")
    assert run.results.summary["objective_usd"] == pytest.approx(LICENSED, abs=TOL)
    assert _x2_durian_t(run).sum() == pytest.approx(1000.0, abs=1e-6)
    assert rep["ok"].all()


def test_withdrawn_licence_closes_it_again(ds):
    run, _ = _run(ds, "name: t\nevents:\n  - {crossing: x2, license: {products: [durian]}}\n"
                  "  - {crossing: x2, license: {products: [durian], licensed: false}}\n")
    assert run.results.summary["objective_usd"] == pytest.approx(NONE, abs=TOL)


DATED = ("name: t\nhorizon: {start: 2024-03-01, days: 3}\nevents:\n"
         "  - {crossing: x2, license: {products: [durian]}, from: 2024-03-02}\n")


def test_dated_licence_takes_effect_on_its_day(ds):
    """1 March: x2 not licensed for durian, nothing reaches it; from 2 March durian uses it
    (830.6 t on 2 March: the rest waits at x1, 2 USD/t a day, cheaper than x2's 5 USD/t more).
    Durian is the only product supplied and reaches x2 the day it leaves (3 h), so the licence
    from 2 March is the same model as a licence on every day with x2 closed into the market on
    1 March (another row family: capacity bounds): equal cost. (A dispatch hold is not: held
    cargo waits at its origin and leaves on 2 March, model/origin_stock.py.)"""
    run, rep = _run(ds, DATED)
    by_day = _x2_durian_t(run).reindex(range(3), fill_value=0.0)
    assert by_day.iloc[0] == 0.0 and by_day.iloc[1] > 100.0
    assert rep["ok"].all()
    held, _ = _run(ds, DATED.replace("from: 2024-03-02}", "}") + "  - {crossing: x2, "
                   "close: {from: 2024-03-01, to: 2024-03-01}, direction: a_to_b}\n")
    assert run.results.summary["objective_usd"] == pytest.approx(
        held.results.summary["objective_usd"], abs=TOL)
    free, _ = _run(ds, DATED.replace("from: 2024-03-02}", "}"))
    assert _x2_durian_t(free).get(0, 0.0) > 100.0  # licensed on 1 March it would be used


def test_verifier_catches_a_flow_on_an_unlicensed_day(ds):
    """The same flows checked against a scenario licensing durian only from 3 March: the
    verifier finds the 2 March flow (50 trucks) at x2."""
    run, _ = _run(ds, DATED)
    later = Scenario.from_yaml_text(DATED.replace("2024-03-02", "2024-03-03"), ds)
    rep = verify_results(run.results, ds, later, run.net)
    bad = rep[(rep["check"] == "licence_day") & ~rep["ok"]]
    assert len(bad) == 1 and "2024-03-02" in bad["entity"].iloc[0]


STATIC_PART = ("name: t\nhorizon: {month: 7}\nevents:\n  - {crossing: x2, license: "
               "{products: [durian]}, from: 2023-07-01, to: 2023-07-%02d}\n")


def test_a_static_licence_for_part_of_the_month_is_checked_in_proportion(ds):
    """July's representative day, durian licensed at x2 from 1 to 15 July: x2 may carry 15/31
    of its 100 trucks/day of durian (48.4 trucks); it carries what x1's 2,000 t leave of July's
    supply (below that limit). Checked against a licence of 1 to 10 July (limit 10/31 x 100 =
    32.3 trucks) the trucks above 32.3 are named; a limit of twice the share (64.5) would not
    see them."""
    run, rep = _run(ds, STATIC_PART % 15)
    assert rep["ok"].all()
    x2_trucks = _x2_durian_t(run).sum() / 20
    assert 100 * 10 / 31 + 10 < x2_trucks <= 100 * 15 / 31 + 1e-6
    shorter = Scenario.from_yaml_text(STATIC_PART % 10, ds)
    rep = verify_results(run.results, ds, shorter, run.net)
    bad = rep[~rep["ok"]]
    assert set(bad["check"]) == {"licence_day"}, bad
    assert bad["amount"].sum() == pytest.approx(x2_trucks - 100 * 10 / 31, abs=1e-6)


MENU = ("levers:\n"
        "  - {name: lic-x2, crossing: x2, license: {products: [durian]}, cost_usd_per_day: %s}\n"
        "  - {name: more-x1, crossing: x1, extra_capacity_trucks_per_day: 10,\n"
        "     cost_usd_per_day: 1000}\n")


@pytest.mark.parametrize("cost, chosen", [(1000, "lic-x2;more-x1"),
                                          (2_000_000, "more-x1")])
def test_respond_chooses_the_licence_only_when_it_pays(ds, tmp_path, cost, chosen):
    """+10 trucks/day at x1 (cost 1,000) moves 200 t from unserved to x1 (saves 200 x 1,489);
    with the licence too, x1 carries 2,200 t and x2 800 t, all served. At 1,000 USD/day the
    licence pays; at 2,000,000 (more than its 1,484,000 saving) it does not."""
    menu = tmp_path / "menu.yaml"
    menu.write_text(MENU % cost)
    sc = Scenario.from_yaml_text("name: t\n", ds)
    r = respond(ds, sc, menu, budget_usd=5e6)
    best = r.best
    assert best["levers"] == chosen and best["status"] == "optimal"
    both = 2200 * -989 + 800 * -984  # x1 110 trucks, x2 the rest: all 3,000 t served
    want = both + 2000 if cost == 1000 else 2200 * -989 + 800 * 500 + 1000
    assert best["total_cost"] == pytest.approx(want, abs=1e-2)
    assert best["verified"] and best["resolved_model_cost"] == pytest.approx(
        best["model_cost"], abs=1e-2)
    alone = r.levers.set_index("name")["benefit_alone"]
    assert alone["lic-x2"] == pytest.approx(NONE - LICENSED, abs=1e-2)  # 1,484,000


def test_a_licence_for_an_unknown_product_is_refused(ds, tmp_path):
    menu = tmp_path / "menu.yaml"
    menu.write_text("levers:\n  - {name: a, crossing: x2, license: {products: [durain]}}\n")
    with pytest.raises(InputError, match=r"menu.yaml, row 2, field "
                       r"'levers\[0\]\.license\.products.0'.*durian"):
        respond(ds, Scenario.from_yaml_text("name: t\n", ds), menu, budget_usd=1e6)


def test_a_licence_earlier_than_its_lead_time_is_refused(ds, tmp_path):
    menu = tmp_path / "menu.yaml"
    menu.write_text("levers:\n  - {name: a, crossing: x2, license: {products: [durian]},\n"
                    "     from: 2024-03-02, lead_time_days: 5, cost_usd_per_day: 1}\n")
    sc = Scenario.from_yaml_text("name: t\nhorizon: {start: 2024-03-01, days: 9}\n", ds)
    with pytest.raises(InputError, match=r"levers\[0\]\.from.*2024-03-06 at the earliest"):
        respond(ds, sc, menu, budget_usd=1e6)


SIZES = ("levers:\n"
         "  - {name: x1-more, crossing: x1, extra_capacity_trucks_per_day: 1,\n"
         "     sizes: [{trucks_per_day: 10, cost_usd_per_day: 1000},\n"
         "             {trucks_per_day: 30, cost_usd_per_day: 100000},\n"
         "             {trucks_per_day: 60, cost_usd_per_day: 500000}]}\n")


def test_sizes_of_one_lever_at_most_one_chosen(ds, tmp_path):
    """x1 carries 100 trucks of 150; each extra truck serves 20 t more (saves 20 x 1,489 =
    29,780), up to the 50 trucks unserved. Nets: +10: 296,800; +30: 793,400; +60 (50 used):
    989,000. +10 and +30 together would net 1,090,200, but sizes are one lever: +60."""
    menu = tmp_path / "sizes.yaml"
    menu.write_text(SIZES)
    sc = Scenario.from_yaml_text("name: t\nevents:\n  - {crossing: x2, license: "
                                 "{products: [rice]}}\n", ds)
    r = respond(ds, sc, menu, budget_usd=1e6)
    assert r.best["levers"] == "x1-more@60" and r.best["status"] == "optimal"
    assert r.best["net_benefit"] == pytest.approx(989_000, abs=1e-2)
    assert r.best["total_cost"] == pytest.approx(NONE - 989_000, abs=1e-2)
    nets = r.levers.set_index("name")["net_benefit_alone"]
    assert nets.to_dict() == pytest.approx({"x1-more@10": 296_800, "x1-more@30": 793_400,
                                            "x1-more@60": 989_000}, abs=1e-2)
    assert set(r.portfolios["set"]) == {"none", "best", "size-1"}  # no set of 2 sizes


def test_sizes_only_for_extra_capacity(ds, tmp_path):
    menu = tmp_path / "bad.yaml"
    menu.write_text("levers:\n  - {name: a, crossing: x2, open: {}, sizes: [1, 2],\n"
                    "     cost_usd_per_day: 1}\n")
    with pytest.raises(InputError, match=r"levers\[0\]\.sizes.*only extra_capacity"):
        respond(ds, Scenario.from_yaml_text("name: t\n", ds), menu, budget_usd=1e6)


def test_baseline_of_a_licence_run_has_the_datasets_licences(ds):
    """The undisrupted baseline re-solves the licence run's own model (warm, bound updates):
    the licence rows get the dataset's state back (durian not licensed at x2), so the baseline
    costs what the run without the licence does."""
    from borderflow.pipeline import solve_baseline

    run = run_scenario(ds, Scenario.from_yaml_text(
        "name: t\nevents:\n  - {crossing: x2, license: {products: [durian]}}\n", ds))
    assert run.results.summary["objective_usd"] == pytest.approx(LICENSED, abs=TOL)
    _, base = solve_baseline(run)
    assert base.summary["objective_usd"] == pytest.approx(NONE, abs=TOL)


def test_a_model_is_not_reused_for_a_licence_it_was_not_built_with(ds):
    from borderflow.model.formulation import bound_updates
    from borderflow.model.network import with_scenario

    run = run_scenario(ds, Scenario.from_yaml_text("name: t\n", ds))
    other = Scenario.from_yaml_text(
        "name: u\nevents:\n  - {crossing: x2, license: {products: [durian]}}\n", ds)
    with pytest.raises(ValueError, match="licenses durian at x2.*build its own model"):
        bound_updates(run.built, with_scenario(run.net, other))


def test_dated_respond_starts_a_licence_after_its_lead_time(ds, tmp_path):
    """Decided on 1 March with a 1-day lead time, the licence starts on 2 March: the MIP's
    best set and doing nothing cost what the plain scenarios cost (licence from 2 March, and
    none), each verified."""
    menu = tmp_path / "dated.yaml"
    menu.write_text("levers:\n  - {name: lic, crossing: x2, license: {products: [durian]},\n"
                    "     lead_time_days: 1, cost_usd_per_day: 10}\n")
    sc = Scenario.from_yaml_text("name: t\nhorizon: {start: 2024-03-01, days: 3}\n", ds)
    r = respond(ds, sc, menu, budget_usd=1e6)
    assert r.levers["from"].iloc[0] == "2024-03-02"
    assert r.levers["cost"].iloc[0] == pytest.approx(20.0)  # 2 days in force x 10
    best = r.best
    assert best["levers"] == "lic" and best["verified"]
    plain, _ = _run(ds, DATED)
    assert best["model_cost"] == pytest.approx(plain.results.summary["objective_usd"], abs=TOL)
    none = r.portfolios.set_index("set").loc["none"]
    nothing, _ = _run(ds, "name: t\nhorizon: {start: 2024-03-01, days: 3}\n")
    assert none["model_cost"] == pytest.approx(nothing.results.summary["objective_usd"], abs=TOL)


def test_sweep_gives_a_licence_its_own_model_and_warm_equals_cold(ds, tmp_path):
    """A licence changes the route set: the sweep plans it a structure of its own (built with
    the licence); its warm and cold solves equal a direct run, and the baseline keeps the
    dataset's licences (-1,478,000)."""
    from borderflow.sweeps import Job, ModelCache, plan_scenarios, solve_job

    folder = tiny.write(tmp_path / "d", tiny.licence_tables())
    lic = Scenario.from_yaml_text("name: lic\nevents:\n  - {crossing: x2, license: "
                                  "{products: [durian]}}\n", ds)
    plan = plan_scenarios([Scenario(name="base"), lic], data=folder, tables=ds)
    assert plan.entry("lic").structure != plan.entry("base").structure
    cache = ModelCache()
    for name, want in (("lic", LICENSED), ("base", NONE)):
        e = plan.entry(name)
        for warm in (True, False):
            got = solve_job(Job(e.scenario, plan.structures[e.structure], warm), cache)
            assert got.status == "optimal"
            assert got.solve["objective_usd"] == pytest.approx(want, abs=TOL)
