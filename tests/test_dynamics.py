"""Dated horizons on the tiny network: queues, spoilage over time, priority lanes, closures.

Network (tests/tiny.py): O -> X1 -> M takes 5 h to the gate, 2 h dwell, 5 h on (12 h in all),
durian 20 t/truck, supply 200 t/day = 10 trucks/day. X2 is closed in these tests, so X1 is the
only way. Waiting costs 40 USD/truck-day; not shipping costs 500 USD/t (10,000 USD/truck), so
the LP prefers to queue.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
import tiny
from helpers import (check_closure_queue, dated, day, only_x1, queue_series,
                     solve_closure)

from borderflow.data.scenario import (CapacityEvent, CloseEvent, Horizon, InitialQueue,
                                      PriorityEvent, PriorityRule, Scenario, Window)
from borderflow.options import RunOptions
from borderflow.solvers.rolling import RollingHorizon

TOL = 1e-6


def test_queue_builds_during_closure_and_clears_in_known_days(solve_tiny, tiny_tables):
    run = solve_closure(solve_tiny, tiny_tables)
    check_closure_queue(run)
    backlog = run.results.backlog.set_index("crossing_id")
    assert backlog.loc["x1", "peak_queue_trucks"] == pytest.approx(20, abs=TOL)
    assert backlog.loc["x1", "peak_date"] == day(2).isoformat()
    assert backlog.loc["x1", "clear_date"] == day(4).isoformat()


def test_closure_ending_mid_horizon_releases_the_backlog_on_reopening(solve_tiny, tiny_tables):
    only_x1(tiny_tables, 30)
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(1)}))
    run = solve_tiny(tiny_tables, dated("reopen", 5, close))
    assert queue_series(run, 5) == pytest.approx([10, 20, 0, 0, 0], abs=TOL)
    c = run.results.crossings
    dep = c[(c["crossing_id"] == "x1") & (c["direction"] == "a_to_b")].set_index("period")
    assert dep["flow_trucks"].loc[[0, 1, 2, 3, 4]].to_numpy() == pytest.approx(
        [0, 0, 30, 10, 10], abs=TOL)
    assert run.results.backlog.set_index("crossing_id").loc["x1", "clear_date"] == \
        day(2).isoformat()


@pytest.mark.parametrize("window", [None, 2])
@pytest.mark.parametrize("age, expiry_day", [(0, 3), (1, 2)])
def test_cargo_spoils_after_exactly_its_shelf_life_of_waiting(solve_tiny, tiny_tables, age,
                                                              expiry_day, window):
    # shelf life 72 h, route 12 h: 60 h = 2 whole days of waiting allowed; also solved in
    # 2-day rolling windows (the expiry then falls in the second window)
    options = RunOptions(rolling=RollingHorizon(window, 0)) if window else None
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 0
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(5)}))
    stuck = InitialQueue(crossing="x1", product="durian", trucks=10, age_days=age)
    run = solve_tiny(tiny_tables, dated("spoil", 6, close, queues=(stuck,)), options=options)
    sp = run.results.spoilage
    sp = sp[sp["where"] == "queue"]
    assert sp["spoiled_t"].sum() == pytest.approx(200, abs=TOL)
    assert sp["period"].tolist() == [expiry_day]
    assert run.results.summary["spoiled_t"] == pytest.approx(200, abs=TOL)


def _dispatch_on_day_0(t_per_day: float):
    """An extension that forces ``t_per_day`` of durian dispatched toward X1 on day 0 (a
    shipper's committed trucks): the LP would not send cargo it knows will expire."""
    return _dispatch({0: t_per_day})


def _dispatch(t_by_day: dict):
    """An extension that forces ``t_by_day[d]`` t of durian dispatched toward X1 on day ``d``
    (one constraint ``committed_<d>`` a day)."""

    def extra(m, ix):
        f = ix.flows
        for d, t_per_day in t_by_day.items():
            sent = f[(f["period"] == d) & f["route_id"].str.contains("x1")]["f"]
            name = "committed" if list(t_by_day) == [0] else f"committed_{d}"
            m.add_component(name, pyo.Constraint(
                expr=sum(m.route_flow[int(i)] for i in sent) >= t_per_day))

    return extra


@pytest.mark.parametrize("shelf_days, wait_days", [(3, 2), (4, 3)])
def test_dispatched_cargo_expires_the_day_after_its_last_allowed_wait(solve_tiny, tiny_tables,
                                                                       shelf_days, wait_days):
    """Cargo dispatched on day 0 reaches X1 on day 0 (5 h) and may wait W = floor((shelf -
    12 h) / 24) days, to the end of day W; X1 stays closed, so it expires on day W + 1,
    neither earlier nor later (the queue_expiry rows of route flows; the initial-queue case
    is the test above). Killed mutants: expiry on day a + W + 2 (infeasible here) and on day
    a + W (expires a day early, saving a day of waiting)."""
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = shelf_days
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(7)}))
    run = solve_tiny(tiny_tables, dated("committed", 8, close),
                     extra_constraints=_dispatch_on_day_0(200))
    sp = run.results.spoilage
    sp = sp[sp["where"] == "queue"]
    assert sp["period"].tolist() == [wait_days + 1]
    assert sp["spoiled_t"].sum() == pytest.approx(200, abs=TOL)
    assert queue_series(run, wait_days + 2)[:wait_days + 1] == pytest.approx(
        [10] * (wait_days + 1), abs=TOL)
    assert run.results.summary["expired_in_queue_t"] == pytest.approx(200, abs=TOL)
    assert run.extension["constraints"] == ["committed"]


def test_each_day_of_arrivals_expires_on_its_own_day(solve_tiny, tiny_tables):
    """Committed dispatches of 200 t on day 0 and 100 t on day 1 wait at a closed X1 (W = 2
    days with a 3-day shelf life): 200 t expire on day 3 and 100 t on day 4, never together
    on day 3 to save a day of waiting (mutmut survivor: the expiry row admitting twice the
    arrivals of day t - W - 1)."""
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(7)}))
    run = solve_tiny(tiny_tables, dated("two-days", 8, close),
                     extra_constraints=_dispatch({0: 200, 1: 100}))
    sp = run.results.spoilage
    sp = sp[sp["where"] == "queue"].groupby("period")["spoiled_t"].sum()
    assert sp.index.tolist() == [3, 4]
    assert sp.tolist() == pytest.approx([200, 100], abs=TOL)


def test_an_initial_queue_expires_alone_on_its_day(solve_tiny, tiny_tables):
    """5 trucks (100 t) already waiting at a closed X1 (age 0, W = 2 days) expire on day 3;
    200 t dispatched on day 1 expire on day 4, not partly with them on day 3 (mutmut
    survivor: the expiry row admitting twice the initial queue)."""
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(7)}))
    stuck = InitialQueue(crossing="x1", product="durian", trucks=5, age_days=0)
    run = solve_tiny(tiny_tables, dated("stuck", 8, close, queues=(stuck,)),
                     extra_constraints=_dispatch({1: 200}))
    sp = run.results.spoilage
    sp = sp[sp["where"] == "queue"].groupby("period")["spoiled_t"].sum()
    assert sp.index.tolist() == [3, 4]
    assert sp.tolist() == pytest.approx([100, 200], abs=TOL)


def test_older_initial_queue_expires_while_a_younger_one_waits(solve_tiny, tiny_tables):
    """Two queues at X1 at the start, 10 trucks each, aged 0 and 2 days (W = 2): X1 closed on
    days 0-1, so the older one expires on day 1 and the younger one crosses on day 2; the
    younger queue's place in the FIFO age rows cannot shelter the older cargo (mutmut
    survivor: the age rows counting an initial queue twice)."""
    only_x1(tiny_tables, 20)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 0
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(1)}))
    queues = tuple(InitialQueue(crossing="x1", product="durian", trucks=10, age_days=age)
                   for age in (0, 2))
    run = solve_tiny(tiny_tables, dated("two-queues", 4, close, queues=queues))
    sp = run.results.spoilage
    sp = sp[sp["where"] == "queue"].groupby("period")["spoiled_t"].sum()
    assert sp.index.tolist() == [1]
    assert sp.tolist() == pytest.approx([200], abs=TOL)
    assert queue_series(run, 3) == pytest.approx([20, 10, 0], abs=TOL)


def test_reopening_in_time_saves_the_waiting_cargo(solve_tiny, tiny_tables):
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 0
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(1)}))
    stuck = InitialQueue(crossing="x1", product="durian", trucks=10, age_days=0)
    run = solve_tiny(tiny_tables, dated("saved", 4, close, queues=(stuck,)))
    assert run.results.summary["spoiled_t"] == pytest.approx(0, abs=TOL)
    assert queue_series(run, 3) == pytest.approx([10, 10, 0], abs=TOL)


def test_priority_lane_lets_fruit_pass_while_other_goods_wait(solve_tiny, tiny_tables):
    import tiny

    only_x1(tiny_tables, 10)
    tiny.add_product(tiny_tables, "rice", supply_t_per_day=200, perishable=False, reefer=False,
                     shelf_life_days=365)
    tiny_tables["supply"].loc[1, "supply_t_per_year"] = 200 * 31 * 12
    prio = PriorityEvent(crossing="x1", priority=PriorityRule(share=1.0),
                         **{"from": day(0), "to": day(0)})
    run = solve_tiny(tiny_tables, dated("priority", 1, prio))
    f = run.results.flows
    gate = f[(f["arc_id"] == "x1:a_to_b")].pivot_table(index="period", columns="product_id",
                                                      values="trucks_per_day", aggfunc="sum"
                                                      ).fillna(0.0)
    assert gate.loc[0, "durian"] == pytest.approx(10, abs=TOL)
    assert gate.loc[0, "rice"] == pytest.approx(0, abs=TOL)
    assert gate.loc[1, "rice"] == pytest.approx(10, abs=TOL)
    assert queue_series(run, 2) == pytest.approx([10, 0], abs=TOL)


def test_throttle_calendar_and_dated_events(solve_tiny, tiny_tables):
    only_x1(tiny_tables, 10)
    throttle = CapacityEvent(crossing="x1", capacity_trucks_per_day=5,
                             **{"from": day(0), "to": day(1)})
    run = solve_tiny(tiny_tables, dated("throttle", 3, throttle))
    c = run.results.crossings
    cap = c[(c["crossing_id"] == "x1") & (c["direction"] == "a_to_b")].set_index("period")
    assert cap["capacity_trucks_per_day"].loc[[0, 1, 2]].tolist() == [5, 5, 10]
    assert queue_series(run, 5) == pytest.approx([5, 10, 10, 0, 0], abs=TOL)


def test_model_size_grows_linearly_in_days(solve_tiny, tiny_tables):
    sizes = []
    for days in (10, 20, 40):
        run = solve_tiny(tiny_tables, dated(f"size{days}", days))
        sizes.append(run.solve.variables)
    growth = np.diff(sizes)
    assert growth[1] == pytest.approx(2 * growth[0], rel=0.05)


def test_context_event_applies_to_the_baseline_too(tiny_tables, solve_tiny):
    """A ``context`` closure (a railway not yet open) is not a disruption: the undisrupted
    baseline keeps it, so the comparison isolates the real disruption (X1 throttled)."""
    from borderflow.pipeline import counterfactual, has_disruptions, solve_counterfactual

    t = tiny_tables
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 31 * 12
    context = CloseEvent(crossing="x2", context=True)
    scen = dated("ctx", 5, context, CapacityEvent(crossing="x1", capacity_trucks_per_day=5,
                                                  **{"from": day(1), "to": day(2)}))
    assert counterfactual(scen).events == (context,)
    assert not has_disruptions(counterfactual(scen))
    run = solve_tiny(t, scen)
    base = solve_counterfactual(run)
    x2 = base.crossings[base.crossings["crossing_id"] == "x2"]
    assert x2["flow_trucks"].abs().max() < TOL  # still closed in the baseline
    # throttled X1 forces queueing that the baseline does not have
    assert run.results.summary["objective_usd"] > base.summary["objective_usd"] + 1.0


def test_network_under_another_scenario_equals_a_fresh_build(tiny_tables, tmp_path):
    """``with_scenario`` (used by warm re-solves) rebuilds the same calendars as
    ``build_network``, and ``capacity_supply`` (the kept models' probes) its capacity and
    supply."""
    from borderflow.data.scenario import SupplyEvent
    from borderflow.model.network import build_network, capacity_supply, with_scenario
    from borderflow.data.dataset import load_dataset

    tables = load_dataset(tiny.write(tmp_path / "d", tiny_tables), check_borders=False)
    first = Scenario(name="a", horizon=Horizon(start=dt.date(2024, 1, 1), days=6))
    other = first.model_copy(update={"name": "b", "events": (
        CloseEvent(crossing="x1", close=Window(**{"from": dt.date(2024, 1, 2)})),
        CapacityEvent(crossing="x2", capacity_trucks_per_day=7))})
    more = other.model_copy(update={"name": "c", "events": other.events + (
        SupplyEvent(supply={"product": "durian", "factor": 1.5},
                    **{"from": dt.date(2024, 1, 3)}),)})
    for scenario in (other, more):
        fast = with_scenario(build_network(tables, first), scenario)
        fresh = build_network(tables, scenario)
        for name in ("periods", "supply", "capacity", "priority", "demand"):
            pd.testing.assert_frame_equal(getattr(fast, name), getattr(fresh, name), obj=name)
        assert fast.scenario == scenario
        capacity, supply = capacity_supply(tables, scenario)
        pd.testing.assert_frame_equal(capacity, fresh.capacity)
        pd.testing.assert_frame_equal(supply, fresh.supply)
    assert fast.supply["supply_t"].max() == pytest.approx(1.5 * fast.supply["supply_t"].min())


def test_dated_capacity_calendar_per_day_equals_the_mean_of_each_period(tiny_tables, tmp_path):
    """A dated period is one day: its capacity is gathered per day, not averaged; the frame is
    the one the per-period means give (each day given twice: the mean of x and x is x, the
    general path), byte for byte, with a closure, a throttle and an extra-capacity event."""
    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import ExtraCapacityEvent
    from borderflow.model.network import TAIL_TRAVEL_DAYS, _capacity_calendar, _period_days

    tables = load_dataset(tiny.write(tmp_path / "d", tiny_tables), check_borders=False)
    scenario = Scenario(name="s", horizon=Horizon(start=dt.date(2024, 1, 1), days=6), events=(
        CloseEvent(crossing="x1", close=Window(**{"from": dt.date(2024, 1, 2),
                                                  "to": dt.date(2024, 1, 3)})),
        CapacityEvent(crossing="x2", capacity_trucks_per_day=7.3),
        ExtraCapacityEvent(crossing="x2", extra_capacity_trucks_per_day=1.1,
                           **{"from": dt.date(2024, 1, 4)})))
    _, days = _period_days(scenario, 2 + TAIL_TRAVEL_DAYS)
    assert all(len(d) == 1 for d in days)
    fast = _capacity_calendar(tables, scenario, days)
    mean = _capacity_calendar(tables, scenario, [d * 2 for d in days])
    pd.testing.assert_frame_equal(fast, mean, check_exact=True)
    assert fast["capacity_trucks_per_day"].to_numpy().tobytes() == \
        mean["capacity_trucks_per_day"].to_numpy().tobytes()
    assert set(fast["capacity_trucks_per_day"]) >= {0.0, 8.4}  # closed; 7.3 + 1.1


def test_spoiled_and_expired_at_gates_overlap_by_the_perishables_written_off(solve_tiny,
                                                                             tiny_tables):
    """Both goods wait at a closed X1 and are written off; only the perishable one spoils.

    X1 closed on days 0-5; no supply; 10 trucks of durian (perishable, shelf life 3 days) and
    10 of rice (not perishable, shelf life 365 days) queued on day 0, aged 0; the longest wait
    (``queue_max_wait_days``) is 2 days, so both may wait W = 2 days (durian: floor((72 - 12)
    / 24) = 2 as well) and are written off on day 3: 200 t each. Hand-computed:
    ``expired_in_queue_t`` = 400 t (every good), ``spoiled_t`` = 200 t (the durian only, in a
    queue): the durian's 200 t are in both figures, so adding them (600 t) would count it
    twice; the key figures say so under the table."""
    from helpers import set_parameter

    from borderflow.present.numbers import Horizon
    from borderflow.present.views import measures_view

    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 0
    tiny.add_product(tiny_tables, "rice", supply_t_per_day=0, perishable=False, reefer=False,
                     shelf_life_days=365)
    set_parameter(tiny_tables, "queue_max_wait_days", 2, "days")
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(5)}))
    stuck = tuple(InitialQueue(crossing="x1", product=p, trucks=10, age_days=0)
                  for p in ("durian", "rice"))
    run = solve_tiny(tiny_tables, dated("overlap", 6, close, queues=stuck))
    s = run.results.summary
    assert s["expired_in_queue_t"] == pytest.approx(400, abs=TOL)
    assert s["spoiled_t"] == pytest.approx(200, abs=TOL)
    assert s["unserved_t"] == pytest.approx(0, abs=TOL)
    sp = run.results.spoilage
    assert sp["where"].tolist() == ["queue"] and sp["product_id"].tolist() == ["durian"]
    assert sp["period"].tolist() == [3]
    q = run.results.queues
    assert q.loc[q["period"] == 3, "expired_t"].sum() == pytest.approx(400, abs=TOL)
    assert q["spoiled_t"].sum() == pytest.approx(sp["spoiled_t"].sum(), abs=TOL)
    notes = measures_view(s, Horizon.from_summary(s)).notes
    assert len(notes) == 1 and "do not add them" in notes[0]
