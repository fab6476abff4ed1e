"""Response levers and ``bf.respond`` on the tiny network (tests/tiny.py), by hand.

Supply 3,000 t/day of durian at O, payload 20 t (150 trucks/day); x1 (100 trucks/day) costs
11 USD/t, x2 16 USD/t, price 1,000 USD/t, unserved 500 USD/t. With x2 closed: 2,000 t via x1,
1,000 t unserved: cost 2,000 x (11 - 1,000) + 1,000 x 500 = -1,478,000 USD/day.
"""

from __future__ import annotations

import itertools

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


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 3000 * 365
    return load_dataset(tiny.write(tmp_path_factory.mktemp("resp"), t), check_borders=False)


def _cost(ds, yaml_text: str) -> tuple[float, object]:
    run = run_scenario(ds, Scenario.from_yaml_text(yaml_text, ds), FORESIGHT)  # the optimum
    return run.results.summary["objective_usd"], run


BASE = "name: t\nevents:\n  - {crossing: x2}\n"


def test_extra_capacity_adds_trucks(ds):
    cost, _ = _cost(ds, BASE + "  - {crossing: x1, extra_capacity_trucks_per_day: 30}\n")
    assert cost == pytest.approx(2600 * -989 + 400 * 500, abs=TOL)


def test_extra_capacity_on_a_closed_gate_adds_nothing(ds):
    cost, _ = _cost(ds, BASE + "  - {crossing: x2, extra_capacity_trucks_per_day: 30}\n")
    assert cost == pytest.approx(NONE, abs=TOL)


def test_open_resumes_a_closed_gate_with_its_capacity(ds):
    cost, _ = _cost(ds, BASE + "  - {crossing: x2, open: {capacity_trucks_per_day: 20}}\n")
    assert cost == pytest.approx(2000 * -989 + 400 * -984 + 600 * 500, abs=TOL)


def test_slot_quota_limits_trucks_and_is_verified(ds):
    cost, run = _cost(ds, BASE + "  - {crossing: x1, slot_quota: {trucks_per_day: 40}}\n")
    assert cost == pytest.approx(800 * -989 + 2200 * 500, abs=TOL)
    rep = verify_results(run.results, ds, run.net.scenario, run.net)
    quota = rep[rep["check"] == "slot_quota"]
    assert len(quota) == 1 and quota["ok"].all()


def test_slot_quota_of_an_unknown_origin_is_refused(ds):
    with pytest.raises(InputError, match="origin"):
        Scenario.from_yaml_text(BASE + "  - {crossing: x1, slot_quota: {trucks_per_day: 40, "
                                "origins: [vn-zz]}}\n", ds)


def test_static_hold_on_half_the_year_halves_the_gate(ds):
    """Held 1 Jan - 30 Jun (181 of 365 days): x1 carries (1 - 181/365) x 100 trucks/day, and
    the verifier's hold row allows exactly that (the gate's capacity on the days not held)."""
    cost, run = _cost(ds, BASE + "  - {crossing: x1, hold_dispatch: {}, to: 2023-06-30}\n")
    trucks = (1 - 181 / 365) * 100
    assert cost == pytest.approx(trucks * 20 * -989 + (3000 - trucks * 20) * 500, abs=TOL)
    rep = verify_results(run.results, ds, run.net.scenario, run.net)
    assert rep["ok"].all(), rep[~rep["ok"]]
    hold = rep[rep["check"] == "hold_dispatch"]
    assert len(hold) == 1  # one row: the static hold, checked against its mixed limit


def test_dated_hold_stops_dispatch_on_held_days(ds):
    _, run = _cost(ds, "name: t\nhorizon: {start: 2023-01-01, days: 3}\nevents:\n"
                   "  - {crossing: x2, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-02}\n")
    rf = run.results.route_flows
    via = rf[rf["crossings"].str.startswith("x2") & (rf["period"] == 1)]
    assert via["flow_t"].sum() == pytest.approx(0, abs=TOL)
    assert rf[rf["crossings"].str.startswith("x2") & (rf["period"] == 0)]["flow_t"].sum() > 1
    rep = verify_results(run.results, ds, run.net.scenario, run.net)
    assert rep["ok"].all()
    assert (rep["check"] == "hold_dispatch").sum() == 1


def test_verifier_catches_a_broken_quota(ds):
    _, run = _cost(ds, BASE + "  - {crossing: x1, slot_quota: {trucks_per_day: 40}}\n")
    tampered = run.net.scenario.model_copy(update={"events": run.net.scenario.events[:1] + (
        Scenario.from_yaml_text(BASE + "  - {crossing: x1, slot_quota: {trucks_per_day: 30}}\n",
                                ds).events[1],)})
    rep = verify_results(run.results, ds, tampered)
    bad = rep[(rep["check"] == "slot_quota") & ~rep["ok"]]
    assert len(bad) == 1 and bad["amount"].iloc[0] == pytest.approx(10, abs=1e-6)


def _menu(tmp_path, lines: list[str]):
    path = tmp_path / "menu.yaml"
    path.write_text("levers:\n" + "".join(f"  - {line}\n" for line in lines))
    return path


#: two levers that substitute: with x2 closed, 50 trucks/day are short; b fills them at x1
#: (saves 50 x 20 x 1,489 = 1,489,000), a fills them at x2 (50 x 20 x 1,484 = 1,484,000);
#: both together save no more than b. A greedy choice (add every lever in order of its net
#: benefit alone while the budget lasts) takes both: net 1,489,000 - 2,000 = 1,487,000; the
#: optimum is b alone: 1,488,000.
SUBSTITUTES = [
    "{name: a, crossing: x2, open: {capacity_trucks_per_day: 50}, cost_usd_per_day: 1000}",
    "{name: b, crossing: x1, extra_capacity_trucks_per_day: 50, cost_usd_per_day: 1000}"]


def test_greedy_is_wrong_and_the_mip_is_right(ds, tmp_path):
    res = respond(ds, Scenario.from_yaml_text(BASE, ds), _menu(tmp_path, SUBSTITUTES), 2000)
    alone = res.levers.set_index("name")
    assert alone["benefit_alone"].to_dict() == pytest.approx(
        {"a": 1_484_000, "b": 1_489_000}, abs=TOL)
    greedy = [n for n in alone.sort_values("net_benefit_alone", ascending=False).index
              if alone.loc[n, "net_benefit_alone"] > 0]
    assert greedy == ["b", "a"]  # both fit the budget: greedy takes both
    assert res.best["levers"] == "b"
    assert res.best["net_benefit"] == pytest.approx(1_488_000, abs=TOL)
    both = res.portfolios.set_index("set").loc["size-2"]
    assert both["net_benefit"] == pytest.approx(1_487_000, abs=TOL)
    assert res.best["status"] == "optimal" and res.best["mip_gap"] <= 1e-6
    # the independent check: none and the best set re-solved as plain scenarios, verified
    for name in ("none", "best"):
        row = res.portfolios.set_index("set").loc[name]
        assert row["resolved_model_cost"] == pytest.approx(row["model_cost"], abs=TOL)
        assert row["verified"]


def test_budget_binds(ds, tmp_path):
    res = respond(ds, Scenario.from_yaml_text(BASE, ds), _menu(tmp_path, SUBSTITUTES), 999)
    assert res.best["levers"] == ""
    assert not (res.portfolios["set"] == "size-1").any()


def test_mip_equals_enumeration_of_every_subset(ds, tmp_path):
    """Every subset solved as a plain scenario (the levers as events, no MIP): the MIP's best
    net benefit within the budget is the best of them."""
    lines = ["{name: a, crossing: x2, open: {capacity_trucks_per_day: 30}, "
             "cost_usd_per_day: 500}",
             "{name: b, crossing: x1, extra_capacity_trucks_per_day: 20, "
             "cost_usd_per_day: 900}",
             "{name: c, crossing: x1, extra_capacity_trucks_per_day: 15, direction: b_to_a, "
             "cost_usd_per_day: 100}"]
    budget = 1400
    res = respond(ds, Scenario.from_yaml_text(BASE, ds), _menu(tmp_path, lines), budget)
    costs = {"a": 500, "b": 900, "c": 100}
    events = {"a": "  - {crossing: x2, open: {capacity_trucks_per_day: 30}}\n",
              "b": "  - {crossing: x1, extra_capacity_trucks_per_day: 20}\n",
              "c": "  - {crossing: x1, extra_capacity_trucks_per_day: 15, direction: b_to_a}\n"}
    best = None
    for k in range(4):
        for subset in itertools.combinations("abc", k):
            spend = sum(costs[s] for s in subset)
            if spend > budget:
                continue
            cost, _ = _cost(ds, BASE + "".join(events[s] for s in subset))
            net = NONE - cost - spend
            if best is None or net > best[0] + 1e-6:
                best = (net, ";".join(subset))
    assert res.best["net_benefit"] == pytest.approx(best[0], abs=TOL)
    # a (30 trucks at x2) and b (20 at x1) fill the 50 trucks short; c adds the wrong way
    assert res.best["net_benefit"] == pytest.approx(30 * 20 * 1484 + 20 * 20 * 1489 - 1400,
                                                    abs=TOL)
    assert res.best["levers"] == best[1] == "a;b"
    # the best set has two levers: it is the best of two (taken, not solved again)
    sizes = res.portfolios.set_index("set")
    assert sizes.loc["size-2", "levers"] == "a;b" and sizes.loc["size-2", "seconds"] == 0
    assert sizes.loc["size-2", "net_benefit"] == pytest.approx(best[0], abs=TOL)
    one = max((NONE - _cost(ds, BASE + events[s])[0] - costs[s], s) for s in "abc")
    assert sizes.loc["size-1", "levers"] == one[1]
    assert sizes.loc["size-1", "net_benefit"] == pytest.approx(one[0], abs=TOL)


@pytest.mark.parametrize("line, field, words", [
    ("{name: z, crossing: x9, extra_capacity_trucks_per_day: 30}", "crossing",
     "unknown crossing"),
    ("{name: z, crossing: x1, extra_capacity_trucks_per_day: 30, cost_usd_per_day: -5}",
     "cost_usd_per_day", "greater than or equal"),
    ("{name: z, crossing: x1, extra_capacity_trucks_per_day: 30, from: 2030-01-01}",
     "from", "outside"),
    ("{name: z, crossing: x1, slot_quota: {trucks_per_day: 5}}", "event", "cannot lower"),
    ("{crossing: x1, extra_capacity_trucks_per_day: 30}", "name", "name"),
])
def test_bad_menu_names_file_line_field(ds, tmp_path, line, field, words):
    menu = _menu(tmp_path, [SUBSTITUTES[0], line])
    with pytest.raises(InputError) as err:
        respond(ds, Scenario.from_yaml_text(BASE, ds), menu, 2000)
    text = str(err.value)
    assert "\n" not in text and "menu.yaml, row 3" in text
    assert f"levers[1].{field}" in text and words in text


def test_dated_mip_equals_enumeration_and_costs_count_days(ds, tmp_path):
    """A 4-day horizon: a lever's cost is its cost per day x its days in force, and the MIP's
    best set is the best of every subset solved as a plain dated scenario."""
    head = "name: d\nhorizon: {start: 2023-01-01, days: 4}\nevents:\n  - {crossing: x2}\n"
    lines = ["{name: a, crossing: x2, open: {capacity_trucks_per_day: 30}, from: 2023-01-03, "
             "cost_usd_per_day: 100000}",
             "{name: b, crossing: x1, extra_capacity_trucks_per_day: 20, "
             "cost_usd_per_day: 50000}"]
    events = {"a": "  - {crossing: x2, open: {capacity_trucks_per_day: 30}, from: 2023-01-03}\n",
              "b": "  - {crossing: x1, extra_capacity_trucks_per_day: 20}\n"}
    costs = {"a": 2 * 100000, "b": 4 * 50000}
    res = respond(ds, Scenario.from_yaml_text(head, ds), _menu(tmp_path, lines), 250000)
    assert res.levers.set_index("name")["cost"].to_dict() == costs
    assert res.metadata["unit"] == "USD"
    plain = {k: _cost(ds, head + "".join(events[s] for s in k))[0]
             for k in ((), ("a",), ("b",), ("a", "b"))}
    fits = [k for k in plain if sum(costs[s] for s in k) <= 250000]
    best = min(fits, key=lambda k: plain[k] + sum(costs[s] for s in k))
    assert res.best["levers"] == ";".join(best)
    assert res.best["total_cost"] == pytest.approx(plain[best] + sum(costs[s] for s in best),
                                                   rel=1e-7)
    assert res.best["verified"] and res.best["mip_gap"] <= 1e-6
    # each lever alone (an LP solved cold after the MIPs): its plain scenario's saving
    alone = res.levers.set_index("name")["benefit_alone"]
    assert alone.to_dict() == pytest.approx({s: plain[()] - plain[(s,)] for s in "ab"},
                                            rel=1e-7)


@pytest.mark.parametrize("event, field, words", [
    ("{crossing: x1, extra_capacity_trucks_per_day: -3}", "events[1].extra_capacity_trucks_per_day",
     "greater than 0"),
    ("{crossing: x9, open: {}}", "events[1].crossing", "unknown crossing 'x9'"),
    ("{crossing: x1, slot_quota: {trucks_per_day: 3, origins: [vn-q]}}",
     "events[1].slot_quota.origins[0]", "unknown origin 'vn-q'"),
    ("{crossing: x1, hold_dispatch: {}, from: 2030-01-01}", "events[1].from", "outside"),
    ("{crossing: x1, open: {}, cost_usd_per_day: -1}", "events[1].cost_usd_per_day",
     "greater than or equal"),
])
def test_bad_lever_event_names_file_row_field(ds, event, field, words):
    with pytest.raises(InputError) as err:
        Scenario.from_yaml_text(BASE + f"  - {event}\n", ds, name="s.yaml")
    text = str(err.value)
    assert text.startswith("s.yaml, row 4, field ") and field in text and words in text
