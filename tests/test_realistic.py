"""Realistic (non-anticipative) dispatch on a hand-computed dated network (issue 18, part B).

Network (tests/tiny.py) changed so that foresight matters: O -> X1 -> M takes 30 h to the gate
(the truck reaches X1 the day after dispatch), 11 USD/t; O -> X2 -> M reaches its gate the
same day, 16 USD/t. Supply 200 t/day = 10 trucks/day of durian; waiting 200 USD/truck-day
(10 USD/t-day), so two days in a queue (20 USD/t) cost more than the detour via X2 (5 USD/t).

X1 closes on days 2-3. With foresight the LP sends day 1's and day 2's trucks via X2 (they
would reach X1 on closed days): 2 x 200 t x 5 USD/t = 2,000 USD above the undisrupted cost.
A realistic dispatcher learning of the closure on day 2 has already sent day 1's ten trucks
toward X1: they queue at X1 at the end of days 2 and 3 (20 truck-days = 4,000 USD) and cross
on day 4; day 2's trucks go via X2 (1,000 USD). The cost of not knowing is 4,000 + 1,000 -
2,000 = 3,000 USD.
"""

from __future__ import annotations

import pytest
from helpers import REALISTIC, day, dated, queue_series, realistic_network

from borderflow.data.scenario import (CloseEvent, PriorityEvent, PriorityRule, RampEvent,
                                      RampRule, Window)
from borderflow.options import RunOptions

#: the realistic plans per (route, product) pair (``--per-pair-streams``) and on streams
#: (the default): the hand-computed answers hold for both
PLANS = pytest.mark.parametrize("plans", [RunOptions(dispatch="realistic",
                                                     aggregate_streams=False), REALISTIC],
                                ids=["per-pair", "streams"])



def _closure(**kw):
    return CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(3)}), **kw)


def _both(solve_tiny, tiny_tables, *events, plans=REALISTIC):
    t = realistic_network(tiny_tables)
    scenario = dated("surprise", 6, *events)
    realistic = solve_tiny(t, scenario, options=plans)
    assert realistic.built.index.aggregated is (plans.aggregate_streams is not False)
    return solve_tiny(t, scenario), realistic


def _via_x2_t(run) -> float:
    c = run.results.crossings
    return float(c[(c["crossing_id"] == "x2") & (c["direction"] == "a_to_b")]["flow_t"].sum())


@PLANS
def test_surprise_closure_strands_exactly_the_trucks_sent_before_it_was_known(
        solve_tiny, tiny_tables, plans):
    foresight, realistic = _both(solve_tiny, tiny_tables, _closure(), plans=plans)
    assert queue_series(foresight, 6) == pytest.approx([0] * 6, abs=1e-6)
    assert queue_series(realistic, 6) == pytest.approx([0, 0, 10, 10, 0, 0], abs=1e-6)
    assert _via_x2_t(foresight) == pytest.approx(400, abs=1e-6)
    assert _via_x2_t(realistic) == pytest.approx(200, abs=1e-6)
    s = realistic.results.summary
    assert s["dispatch"] == "realistic" and s["status"] == "simulated" and not s["exact"]
    assert s["waiting_cost_usd"] == pytest.approx(4000, abs=1e-6)
    assert s["foresight_objective_usd"] == pytest.approx(
        foresight.results.summary["objective_usd"], abs=1e-6)
    assert s["value_of_foresight_usd"] == pytest.approx(3000, abs=1e-6)
    assert s["decision_days"] == 2  # day 0 and the day of the news
    assert s["decision_dates"] == ["2024-01-01", "2024-01-03"]
    assert "policy simulation" in s["solve_method"]


@PLANS
@pytest.mark.parametrize("warning_days", [1, 2])
def test_closure_announced_in_time_reproduces_the_foresight_optimum(solve_tiny, tiny_tables,
                                                                    warning_days, plans):
    # announced on day 1 (enough: day 1's trucks reach X1 on day 2) or on day 0 (no surprise)
    foresight, realistic = _both(solve_tiny, tiny_tables,
                                 _closure(announced=day(2 - warning_days)), plans=plans)
    s = realistic.results.summary
    assert s["objective_usd"] == pytest.approx(foresight.results.summary["objective_usd"],
                                               abs=1e-6)
    assert s["value_of_foresight_usd"] == pytest.approx(0, abs=1e-6)
    assert queue_series(realistic, 6) == pytest.approx([0] * 6, abs=1e-6)


@PLANS
def test_reopening_unknown_until_the_day_it_happens_costs_one_more_detour(solve_tiny,
                                                                         tiny_tables, plans):
    # until day 4 the dispatcher takes the closure as open-ended, so day 3's trucks (which
    # would reach X1 on day 4, open again) also go via X2: 1,000 USD more than 3,000
    foresight, realistic = _both(solve_tiny, tiny_tables,
                                 _closure(reopening_announced=day(4)), plans=plans)
    assert _via_x2_t(realistic) == pytest.approx(400, abs=1e-6)
    assert realistic.results.summary["value_of_foresight_usd"] == pytest.approx(4000,
                                                                                abs=1e-6)


@PLANS
def test_realistic_run_passes_the_verifier(tmp_path, tiny_tables, plans):
    from borderflow import api
    from borderflow.data.dataset import load_dataset

    import tiny

    folder = tiny.write(tmp_path / "data", realistic_network(tiny_tables))
    res = api.solve(load_dataset(folder, check_borders=False), dated("surprise", 6, _closure()),
                    plans)
    assert res.summary["verified"], res.verification[res.verification["violation"] > 0]
    assert any("foresight" in line for line in res.story)


def test_ramp_up_returns_capacity_linearly(solve_tiny, tiny_tables):
    # X1 from 2 trucks/day on day 1, back to 100 over 4 days: 2, 26.5, 51, 75.5, then 100
    ramp = RampEvent(crossing="x1", ramp=RampRule(start_trucks_per_day=2, days=4),
                     direction="a_to_b", **{"from": day(1)})
    run = solve_tiny(realistic_network(tiny_tables), dated("ramp", 6, ramp))
    c = run.results.crossings
    cap = c[(c["crossing_id"] == "x1") & (c["direction"] == "a_to_b")].set_index("period")
    assert cap["capacity_trucks_per_day"].loc[[0, 1, 2, 3, 4, 5]].to_numpy() == pytest.approx(
        [100, 2, 26.5, 51, 75.5, 100], abs=1e-9)
    assert run.results.summary["status"] == "optimal"
    from borderflow.verify import verify_results

    report = verify_results(run.results, run.tables, run.net.scenario)
    ramp = report[report["check"] == "ramp_capacity"]
    assert len(ramp) == 4 and ramp["ok"].all() and report["ok"].all()


def test_cli_realistic_run_writes_a_verified_folder_that_reads_back(tmp_path, tiny_tables):
    import json

    from clitools import invoke
    from helpers import border_data
    from typer.testing import CliRunner

    from borderflow import read_result
    from borderflow.cli import app

    data = border_data(tmp_path, "data", realistic_network(tiny_tables))
    path = tmp_path / "surprise.yaml"
    path.write_text("name: surprise\nhorizon: {start: 2024-01-01, days: 6}\nevents:\n"
                    "  - {crossing: x1, close: {from: 2024-01-03, to: 2024-01-04}}\n")
    out = tmp_path / "run"
    result = invoke(CliRunner(), app, ["solve", "--scenario", str(path), "--data", str(data),
                                       "--dispatch", "realistic", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["value_of_foresight_usd"] == pytest.approx(3000, abs=1e-6)
    assert summary["verified"] is True
    meta = json.loads((out / "run.json").read_text())
    assert meta["options"]["dispatch"] == "realistic"
    back = read_result(out)
    assert any("value of foresight" in line for line in back.story)
    assert not any("optimal over" in line for line in back.story)


def _transit_fixture(events):
    """A route passing crossing "t1" two days after dispatch (dispatched on days 0-2, reaching
    t1 on days 2-4), then queueing at its last gate."""
    from types import SimpleNamespace

    import pandas as pd

    built = SimpleNamespace(
        flows=pd.DataFrame({"f": [0, 1, 2], "route_id": "r", "product_id": "durian",
                            "period": [0, 1, 2]}),
        crossing_use=pd.DataFrame({"var": ["route_flow"] * 3, "idx": [0, 1, 2],
                                   "crossing_id": "t1", "period": [2, 3, 4]}))
    scenario = dated("bridge", 6, *events)
    return SimpleNamespace(scenario=scenario, periods=pd.DataFrame({"label": range(6)})), built


def test_surprise_on_a_crossing_passed_before_the_queue_gate_holds_back_those_route_days():
    # t1 closed on days 3-4, a surprise (news on day 3): the flows dispatched on days 1 and 2
    # (committed before the news) would reach t1 closed, with nowhere to queue: they are the
    # unwarned route-days (not dispatched); day 0's reaches t1 on day 2, open. Announced on
    # day 1, only day 0's flow was committed before: nothing is held back.
    from borderflow.unwarned import unwarned_transit

    def held(lag=0, **kw):
        close = CloseEvent(crossing="t1", close=Window(**{"from": day(3), "to": day(4)}), **kw)
        net, built = _transit_fixture([close])
        return unwarned_transit(net, built, lag)["period"].tolist()

    assert held() == [1, 2]
    assert held(announced=day(1)) == []
    assert held(announced=day(1), lag=1) == [1]  # dispatched on day 1 < news + lag = 2
    assert held(announced=day(0)) == []  # known from day 0: planned for


def test_known_calendar_and_decision_days():
    from borderflow.model.information import decision_days, known_scenario, news_days

    s = dated("news", 10, _closure(reopening_announced=day(3)),
              RampEvent(crossing="x2", ramp=RampRule(start_trucks_per_day=1, days=2),
                        announced=day(0), **{"from": day(5)}))
    assert news_days(s) == [2, 3]
    assert decision_days(s) == [0, 2, 3]
    assert [type(e).__name__ for e in known_scenario(s, day(1)).events] == ["RampEvent"]
    on_2 = known_scenario(s, day(2)).events[0]
    assert on_2.close.start == day(2) and on_2.close.end is None  # until further notice
    assert known_scenario(s, day(3)).events[0].close.end == day(3)


def test_verifier_catches_a_tampered_realistic_summary():
    # the dispatch checks recompute the decision dates and the value of foresight from the
    # scenario and the summary alone: a plan on a day without news, a missing news day or a
    # value that does not add up fails
    from types import SimpleNamespace

    from borderflow.verify.dispatch import dispatch_checks

    f = SimpleNamespace(scenario=dated("surprise", 6, _closure()))
    good = {"dispatch": "realistic", "objective_usd": -10.0, "foresight_objective_usd": -13.0,
            "value_of_foresight_usd": 3.0, "decision_days": 2,
            "decision_dates": ["2024-01-01", "2024-01-03"]}

    def failed(**change):
        report = dispatch_checks(SimpleNamespace(summary={**good, **change}), f)
        return sorted({r["check"].iloc[0] for r in report if not r["ok"].all()})

    assert failed() == []
    in_time = [r for r in dispatch_checks(SimpleNamespace(summary=good), f)
               if r["check"].iloc[0] == "announced_in_time"]
    assert list(in_time[0]["entity"]) == ["every event"]
    # a summary without its foresight bound is a failure (the value no longer adds up), not
    # a crash of the checks
    unbounded = {k: v for k, v in good.items() if k != "foresight_objective_usd"}
    report = dispatch_checks(SimpleNamespace(summary=unbounded), f)
    assert {"foresight_bound", "value_of_foresight"} <= {
        r["check"].iloc[0] for r in report if not r["ok"].all()}
    assert failed(decision_dates=["2024-01-01", "2024-01-02"]) == ["replanned_on_news"]
    assert failed(decision_days=3) == ["replanned_on_news"]
    assert failed(value_of_foresight_usd=0.0) == ["value_of_foresight"]
    assert failed(foresight_objective_usd=-5.0, value_of_foresight_usd=-5.0) == [
        "foresight_bound"]
    assert failed(reaction_lag_days=1.5) == ["reaction_lag"]
    f.scenario = f.scenario.model_copy(update={"reaction_lag_days": 2})
    assert failed(reaction_lag_days=2) == [] and failed(reaction_lag_days=3) == ["reaction_lag"]
    # a priority lane brings no news: listed before the closure, the closure's news still counts
    f.scenario = dated("surprise", 6, PriorityEvent(crossing="x1", priority=PriorityRule(
        share=1.0)), _closure())
    assert failed() == []
    assert failed(decision_dates=["2024-01-01"], decision_days=1) == ["replanned_on_news"]


# --- reaction lag (issue 18, item 4) --------------------------------------------------------
# With a lag of L days, trucks loaded on the L days after the news follow the plan made before
# it (all via X1, the cheaper way while the closure was unknown) and queue at X1.
# Closure on days 2-3: day 1's trucks queue 2 days (4,000 USD); with L = 1 day 2's trucks,
# still sent via X1, reach it on day 3 and queue 1 day (2,000 USD); day 3's reach it open.
# Foresight costs 2,000 USD: value of foresight 6,000 - 2,000 = 4,000 USD.
# Closure on days 2-4 (foresight: days 1-3 via X2, 3,000 USD): L = 0 strands day 1's trucks
# for 3 days (6,000) and sends days 2-3 via X2 (2,000): 5,000 above foresight; L = 1 also
# queues day 2's for 2 days (4,000) and sends day 3's via X2 (1,000): 11,000 - 3,000 = 8,000;
# L = 2 queues day 3's too, 1 day (2,000): 12,000 - 3,000 = 9,000.
LAG_CASES = [  # (closure's last day, lag, value of foresight USD, end-of-day queue at X1)
    (3, 1, 4000, [0, 0, 10, 20, 0, 0]),
    (4, 0, 5000, [0, 0, 10, 10, 10, 0]),
    (4, 1, 8000, [0, 0, 10, 20, 20, 0]),
    (4, 2, 9000, [0, 0, 10, 20, 30, 0]),
]


@pytest.mark.parametrize("last, lag, value, queue", LAG_CASES)
def test_reaction_lag_keeps_committed_trucks_coming_hand_computed(solve_tiny, tiny_tables,
                                                                  last, lag, value, queue):
    t = realistic_network(tiny_tables)
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(last)}))
    scenario = dated("lagged", 6, close).model_copy(update={"reaction_lag_days": lag})
    foresight = solve_tiny(t, scenario)
    realistic = solve_tiny(t, scenario, options=REALISTIC)
    s = realistic.results.summary
    assert s["value_of_foresight_usd"] == pytest.approx(value, abs=1e-6)
    assert queue_series(realistic, 6) == pytest.approx(queue, abs=1e-6)
    assert foresight.results.summary["objective_usd"] == pytest.approx(
        s["foresight_objective_usd"], abs=1e-6)
    assert s["reaction_lag_days"] == lag and "scenario" in s["reaction_lag_source"]
    assert s["decision_dates"] == ["2024-01-01", "2024-01-03"]  # no plan of its own at d + L


def _behaviour(value, low=0, high=14):
    import pandas as pd

    return pd.DataFrame([{"parameter": "dispatch_reaction_lag_days", "applies_to": "all origins",
                          "value": value, "unit": "days", "low": low, "high": high,
                          "source": "test", "source_year": 2024, "quality": "estimate",
                          "notes": ""}])


def test_reaction_lag_is_read_from_the_dataset_and_a_scenario_overrides_it(solve_tiny,
                                                                           tiny_tables):
    t = realistic_network(tiny_tables)
    t["behaviour"] = _behaviour(1)
    run = solve_tiny(t, dated("surprise", 6, _closure()), options=REALISTIC)
    s = run.results.summary
    assert s["reaction_lag_days"] == 1 and "behaviour.csv" in s["reaction_lag_source"]
    assert s["value_of_foresight_usd"] == pytest.approx(4000, abs=1e-6)
    zero = dated("surprise", 6, _closure()).model_copy(update={"reaction_lag_days": 0})
    run = solve_tiny(t, zero, options=REALISTIC)
    assert run.results.summary["value_of_foresight_usd"] == pytest.approx(3000, abs=1e-6)
    del t["behaviour"]  # no row: the dispatch reacts the day it hears, and says so
    s = solve_tiny(t, dated("surprise", 6, _closure()), options=REALISTIC).results.summary
    assert s["reaction_lag_days"] == 0 and "reacts the day it hears" in s["reaction_lag_source"]


@pytest.mark.parametrize("value, low, message", [
    (1.5, 0, r"behaviour\.csv, row 2, field 'value'.*whole number of days"),
    (3, 5, r"behaviour\.csv, row 2, field 'value'.*outside its range 5-14")])
def test_bad_reaction_lag_in_the_dataset_is_refused_before_solving(solve_tiny, tiny_tables,
                                                                   value, low, message):
    from borderflow.data.errors import InputError

    t = realistic_network(tiny_tables)
    t["behaviour"] = _behaviour(value, low=low)
    with pytest.raises(InputError, match=message):
        solve_tiny(t, dated("surprise", 6, _closure()), options=REALISTIC)


def test_news_that_bounds_the_dispatch_inside_the_lag_is_refused():
    from borderflow.data.errors import InputError
    from borderflow.data.scenario import SupplyChange, SupplyEvent
    from borderflow.model.information import check_lag_conflicts, held_until

    cut = SupplyEvent(supply=SupplyChange(product="durian", factor=0.5), **{"from": day(3)})
    s = dated("both", 8, _closure(), cut)  # closure news on day 2, supply news on day 3
    assert held_until(s, [0, 2, 3], 2) == [0, 4, 4]
    assert held_until(s, [0, 2, 3], 0) == [0, 2, 3]
    check_lag_conflicts(s, 1)  # the lag holds day 2 only
    with pytest.raises(InputError, match=r"events\[1\]\.announced.*reaction lag 2 day"):
        check_lag_conflicts(s, 2)


def test_unwarned_transit_respects_the_direction_and_the_event_window():
    from borderflow.unwarned import unwarned_transit

    other = CloseEvent(crossing="t1", close=Window(**{"from": day(4), "to": day(5)}),
                       direction="b_to_a")
    net, built = _transit_fixture([other])
    built.crossing_use["direction"] = "a_to_b"
    assert unwarned_transit(net, built, 1).empty  # the routes pass t1 a_to_b
    short = CloseEvent(crossing="t1", close=Window(**{"from": day(3), "to": day(3)}))
    net, built = _transit_fixture([short])
    assert unwarned_transit(net, built, 0)["period"].tolist() == [1]  # day 2's reaches it on 4


def test_verifier_checks_the_unwarned_transit_route_days():
    # t1 closed days 3-4, news on day 3, lag 0: a row for a flow dispatched on day 2 reaching
    # t1 on day 4 is due; one dispatched on day 3 (after the news) or reaching t1 on day 5
    # (open) is not; a held-back route-day that carries cargo fails; so does a wrong count
    from types import SimpleNamespace

    import pandas as pd

    from borderflow.verify.dispatch import unwarned_checks

    close = CloseEvent(crossing="t1", close=Window(**{"from": day(3), "to": day(4)}))
    f = SimpleNamespace(scenario=dated("bridge", 6, close), labels=[str(day(k)) for k in
                                                                    range(6)])
    row = {"route_id": "r", "product_id": "durian", "period": 2, "crossing_id": "t1",
           "direction": "a_to_b", "reached_period": 4, "news_date": "2024-01-04",
           "foresight_flow_t": 0.0}
    flows = pd.DataFrame({"route_id": ["r"], "product_id": ["durian"], "period": [1],
                          "flow_t": [200.0]})

    def failed(table_rows, count=1, route_flows=flows):
        res = SimpleNamespace(summary={"dispatch": "realistic", "reaction_lag_days": 0,
                                       "unwarned_transit_route_days": count},
                              unwarned_transit=pd.DataFrame(table_rows),
                              route_flows=route_flows)
        return sum(int((~r["ok"]).sum()) for r in unwarned_checks(res, f))

    assert failed([row]) == 0
    res = SimpleNamespace(summary={"dispatch": "realistic", "reaction_lag_days": 0,
                                   "unwarned_transit_route_days": 1},
                          unwarned_transit=pd.DataFrame([row]), route_flows=flows)
    assert [set(r["check"]) for r in unwarned_checks(res, f)] == [{"unwarned_transit"}] * 3
    assert failed([{**row, "period": 3}]) == 1  # dispatched after the news
    assert failed([{**row, "reached_period": 5}]) == 1  # reaches t1 open
    assert failed([{**row, "reached_period": 2}]) == 1  # reaches t1 before it closes
    assert failed([row], count=2) == 1
    assert failed([row], route_flows=flows.assign(period=2)) == 1  # it carried cargo
