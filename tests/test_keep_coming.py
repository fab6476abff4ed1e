"""Drivers who keep coming after news of a closure (issue 18, item 4), hand-computed.

The network of tests/test_realistic.py: O -> X1 -> M reaches X1 the day after dispatch (11
USD/t), O -> X2 -> M the same day (16 USD/t); 10 trucks/day of durian (20 t each); waiting
200 USD/truck-day. The plan made before the news sends every truck via X1.

X1 closed on days 2-3, a surprise (news on day 2), no reaction lag: without drivers who keep
coming the value of foresight is 3,000 USD (queue at X1 [0, 0, 10, 10, 0, 0]). With a share
of 0.5 for 1 day, day 2's dispatch keeps at least 5 of the plan's 10 trucks via X1: they reach
X1 on day 3, closed, and wait 1 day (5 truck-days = 1,000 USD) instead of the 5 USD/t detour
(5 x 20 t x 5 = 500 USD): 3,000 + 1,000 - 500 = 3,500 USD; queue [0, 0, 10, 15, 0, 0].
The other 5 go via X2 (a day's wait costs 10 USD/t, twice the detour).

X1 closed on days 2-4, lag 1 day: day 2's trucks follow the old plan (the lag; 8,000 USD,
queue [0, 0, 10, 20, 20, 0] without anyone keeping coming); with a share of 0.5 for 1 day,
day 3's dispatch keeps 5 trucks via X1, which wait on day 4: + 1,000 - 500 = 8,500 USD,
queue [0, 0, 10, 20, 25, 0]. With 2 days, day 4's 5 trucks reach X1 open on day 5 and would
go that way anyway: the same 8,500 USD.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import REALISTIC, day, dated, keep_rows, queue_series, realistic_network
from keep_helpers import keep_view

from borderflow.data.scenario import CapacityEvent, CloseEvent, Window


def _close(last):
    return CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(last)}))


CASES = [  # (closure's last day, lag, share, days, value of foresight USD, queue at X1)
    (3, 0, 0.0, 1, 3000, [0, 0, 10, 10, 0, 0]),
    (3, 0, 0.5, 1, 3500, [0, 0, 10, 15, 0, 0]),
    (4, 1, 0.5, 1, 8500, [0, 0, 10, 20, 25, 0]),
    (4, 1, 0.5, 2, 8500, [0, 0, 10, 20, 25, 0]),
]


@pytest.mark.parametrize("last, lag, share, days, value, queue", CASES)
def test_drivers_keep_coming_hand_computed(solve_tiny, tiny_tables, last, lag, share, days,
                                           value, queue):
    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(share, days, lag)
    run = solve_tiny(t, dated("keep", 6, _close(last)), options=REALISTIC)
    s = run.results.summary
    assert s["value_of_foresight_usd"] == pytest.approx(value, abs=1e-6)
    assert queue_series(run, 6) == pytest.approx(queue, abs=1e-6)
    assert s["keep_coming_share"] == share and s["keep_coming_days"] == days
    assert "behaviour.csv keep_coming_share" in s["keep_coming_source"]
    kept = run.results.keep_coming
    if share:  # the floor: 5 trucks (100 t) via X1 on the first day after the lag
        first = kept[kept["period"] == 2 + lag]
        assert first["floor_t"].sum() == pytest.approx(100, abs=1e-6)
        assert set(first["crossing_id"]) == {"x1"} and set(kept["news_date"]) == {"2024-01-03"}
        assert set(kept["period"]) == set(range(2 + lag, 2 + lag + days))
        assert s["keep_coming_floor_t"] == pytest.approx(100 * days, abs=1e-6)


def test_keep_coming_run_passes_the_verifier_and_a_tampered_floor_fails(tmp_path,
                                                                         tiny_tables):
    from borderflow import api
    from borderflow.data.dataset import load_dataset
    from borderflow.verify.dispatch import keep_coming_checks

    import tiny

    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(0.5, 1)
    folder = tiny.write(tmp_path / "data", t)
    res = api.solve(load_dataset(folder, check_borders=False), dated("keep", 6, _close(3)),
                    REALISTIC)
    report = res.verification
    assert res.summary["verified"], report[~report["ok"]].to_dict("records")
    from types import SimpleNamespace

    good, f = keep_view(res, dated("keep", 6, _close(3)))

    def failed(**change):
        r = SimpleNamespace(**{**vars(good), **change})
        return [x for x in keep_coming_checks(r, f) if not x["ok"].all()]

    assert failed() == []
    low = good.keep_coming.assign(floor_t=good.keep_coming["floor_t"] / 2)
    assert failed(keep_coming=low)  # floor is not share x pre-news flow
    late = good.keep_coming.assign(period=good.keep_coming["period"] + 1)
    assert failed(keep_coming=late)  # outside the window (day 2 only)
    lagged = {**good.summary, "reaction_lag_days": 1}
    assert failed(summary=lagged)  # the window would start on day 3
    gone = good.route_flows[good.route_flows["period"] != 2]
    assert failed(route_flows=gone)  # the flow kept is not there


def test_a_throttle_keeps_drivers_coming_and_day_zero_news_does_not():
    from borderflow.model.information import keep_coming_windows

    throttle = CapacityEvent(crossing="x1", capacity_trucks_per_day=5, announced=day(3),
                             **{"from": day(4)})
    known = CloseEvent(crossing="x2", close=Window(**{"from": day(2), "to": day(3)}),
                       announced=day(0))
    w = keep_coming_windows(dated("w", 10, throttle, known), lag=2, days=3)
    assert w.to_dict("records") == [
        {"news_period": 3, "crossing_id": "x1", "direction": d, "first_period": 5,
         "end_period": 8} for d in ("a_to_b", "b_to_a")]
    assert keep_coming_windows(dated("w", 10, throttle), lag=2, days=0).empty


def test_bad_keep_coming_share_in_the_dataset_is_refused_before_solving(solve_tiny,
                                                                        tiny_tables):
    from borderflow.data.errors import InputError

    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(1.5, 1)
    with pytest.raises(InputError, match=r"behaviour\.csv, row 2, field 'value'.*"
                                         r"keep_coming_share must be a number within 0-1"):
        solve_tiny(t, dated("keep", 6, _close(3)), options=REALISTIC)


def _gate_row(crossing, days, low=0, high=60):
    return {"parameter": "keep_coming_days", "applies_to": crossing, "value": days, "low": low,
            "high": high, "unit": "days", "source": "test", "source_year": 2024,
            "quality": "estimate", "notes": ""}


PER_GATE_CASES = [  # (rows of gates' own windows, scenario's keep_coming_days, VoF, queue)
    # X1 closed days 2-4, no lag, share 0.5; the 'any gate' window is 1 day. Day 1's 10 trucks
    # wait days 2-4 (6,000 USD) and days 2-3 detour via X2 (2,000): VoF 5,000 over foresight's
    # 3,000 of detours. X1's own 2 days keep 5 trucks via X1 on dispatch days 2 and 3: day 2's
    # wait days 3-4 (10 truck-days, 2,000 USD instead of a 500 USD detour: +1,500), day 3's
    # wait day 4 (+1,000 - 500): 7,000 USD, queue [0, 0, 10, 15, 20, 0]. X2's own 5 days change
    # nothing: the plan before the news sent nothing via X2, so nothing keeps coming there.
    ([("x1", 2), ("x2", 5)], None, 7000, [0, 0, 10, 15, 20, 0]),
    # the 'any gate' day alone (no row of X1's own): day 2's 5 trucks only, +1,500
    ([("x2", 5)], None, 6500, [0, 0, 10, 15, 15, 0]),
    # a scenario's keep_coming_days overrides the gates' own windows: 1 day everywhere
    ([("x1", 2), ("x2", 5)], 1, 6500, [0, 0, 10, 15, 15, 0]),
]


@pytest.mark.parametrize("gates, stated, value, queue", PER_GATE_CASES)
def test_each_gate_keeps_its_own_window_hand_computed(solve_tiny, tiny_tables, gates, stated,
                                                      value, queue):
    t = realistic_network(tiny_tables)
    t["behaviour"] = pd.concat([keep_rows(0.5, 1),
                                pd.DataFrame([_gate_row(c, d) for c, d in gates])],
                               ignore_index=True)
    scenario = dated("keep", 6, _close(4)).model_copy(update={"keep_coming_days": stated})
    run = solve_tiny(t, scenario, options=REALISTIC)
    s = run.results.summary
    assert s["value_of_foresight_usd"] == pytest.approx(value, abs=1e-6)
    assert queue_series(run, 6) == pytest.approx(queue, abs=1e-6)
    own = {} if stated is not None else dict(gates)
    assert s["keep_coming_days_by_gate"] == own
    assert s["keep_coming_days"] == (stated if stated is not None else 1)
    kept = run.results.keep_coming
    days = own.get("x1", s["keep_coming_days"])
    assert set(kept["period"]) == set(range(2, 2 + days))
    assert set(kept["crossing_id"]) == {"x1"}
    if "x1" in own:
        assert "behaviour.csv keep_coming_days at x1 = 2" in s["keep_coming_source"]


def test_windows_of_two_gates_with_their_own_days_and_the_default():
    from borderflow.model.information import keep_coming_windows

    close = CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(4)}),
                       direction="a_to_b")
    throttle = CapacityEvent(crossing="x2", capacity_trucks_per_day=5, announced=day(3),
                             direction="a_to_b", **{"from": day(4)})
    w = keep_coming_windows(dated("w", 20, close, throttle), lag=1, days=7,
                            days_by_gate={"x1": 2, "x2": 4})
    assert w.to_dict("records") == [
        {"news_period": 2, "crossing_id": "x1", "direction": "a_to_b", "first_period": 3,
         "end_period": 5},
        {"news_period": 3, "crossing_id": "x2", "direction": "a_to_b", "first_period": 4,
         "end_period": 8}]
    default = keep_coming_windows(dated("w", 20, close, throttle), lag=1, days=7,
                                  days_by_gate={"x1": 0})  # X1: nobody keeps coming
    assert default[["crossing_id", "first_period", "end_period"]].values.tolist() == [
        ["x2", 4, 11]]


def test_a_tampered_gate_window_is_caught_by_the_verifier(tmp_path, tiny_tables):
    from types import SimpleNamespace

    from borderflow import api
    from borderflow.data.dataset import load_dataset
    from borderflow.verify.dispatch import keep_coming_checks

    import tiny

    t = realistic_network(tiny_tables)
    t["behaviour"] = pd.concat([keep_rows(0.5, 1), pd.DataFrame([_gate_row("x1", 2)])],
                               ignore_index=True)
    scenario = dated("keep", 6, _close(4))
    res = api.solve(load_dataset(tiny.write(tmp_path / "data", t), check_borders=False),
                    scenario, REALISTIC)
    report = res.verification
    assert res.summary["verified"], report[~report["ok"]].to_dict("records")
    assert res.summary["keep_coming_days_by_gate"] == {"x1": 2}
    good, f = keep_view(res, scenario)
    assert sorted(set(good.keep_coming["period"])) == [2, 3]

    def failed(**summary):
        r = SimpleNamespace(**{**vars(good), "summary": {**good.summary, **summary}})
        return [x for x in keep_coming_checks(r, f) if not x["ok"].all()]

    assert failed() == []
    assert failed(keep_coming_days_by_gate={"x1": 1})  # day 3's floors outside the window
    assert failed(keep_coming_days_by_gate={})  # the 'any gate' day alone: the same
    assert failed(keep_coming_days_by_gate={"x1": 2.5})  # not a whole number of days
    assert failed(keep_coming_days_by_gate={"x1": 2, "x2": 61})  # beyond the 60-day limit
    late = good.keep_coming.assign(period=good.keep_coming["period"] + 1)
    assert [x for x in keep_coming_checks(SimpleNamespace(**{**vars(good), "keep_coming": late}),
                                          f) if not x["ok"].all()]


def test_a_gate_window_outside_its_range_or_at_an_unknown_crossing_is_refused(solve_tiny,
                                                                              tiny_tables):
    from borderflow.data.errors import InputError

    t = realistic_network(tiny_tables)
    t["behaviour"] = pd.concat([keep_rows(0.5, 1), pd.DataFrame([_gate_row("x1", 20, 1, 14)])],
                               ignore_index=True)
    with pytest.raises(InputError, match=r"behaviour\.csv, row 5, field 'value'.*"
                                         r"keep_coming_days 20 is outside its range 1-14"):
        solve_tiny(t, dated("keep", 6, _close(3)), options=REALISTIC)
    t["behaviour"] = pd.concat([keep_rows(0.5, 1), pd.DataFrame([_gate_row("x9", 2)])],
                               ignore_index=True)
    with pytest.raises(InputError, match=r"behaviour\.csv, row 5, field 'applies_to'.*"
                                         r"crossing id of crossings.csv, not 'x9'"):
        solve_tiny(t, dated("keep", 6, _close(3)), options=REALISTIC)
    share = keep_rows(0.5, 1)
    share.loc[0, "applies_to"] = "x1"  # the share has no per-gate rows
    t["behaviour"] = share
    with pytest.raises(InputError, match=r"behaviour\.csv, row 2, field 'applies_to'.*"
                                         r"keep_coming_share applies to 'any gate'"):
        solve_tiny(t, dated("keep", 6, _close(3)), options=REALISTIC)


@pytest.mark.parametrize("lag", [0, 1])
def test_floors_of_an_aggregated_model_are_the_per_pair_models(tmp_path, tiny_tables, lag):
    """The keep-coming floors read each route flow's queue gate per (route, product) pair:
    on the aggregated-streams model (whose ``streams`` are stream queues, labelled ``stream
    <gate>/...``) they cover the same route flows as on the per-pair model (session 27: they
    covered none, so a realistic run planned on streams lost its drivers who keep coming)."""
    import tiny

    from borderflow.behaviour import keep_coming
    from borderflow.data.dataset import load_dataset
    from borderflow.dispatch import keep_coming_floors
    from borderflow.model.routes import RouteOptions
    from borderflow.pipeline import prepare
    from borderflow.solvers.highs import SolverOptions

    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(0.5, 2, lag)
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    sc = dated("keep", 6, _close(4))
    keep = keep_coming(ds, sc)
    covered = {}
    for aggregate in (False, True):
        model = prepare(ds, sc, RouteOptions(), SolverOptions(), aggregate=aggregate)
        assert model.built.index.aggregated == aggregate
        floors, members = keep_coming_floors(model.net, model.built, model.session, lag, keep)
        flows = model.built.flows.set_index("f").loc[members["f"]]
        covered[aggregate] = sorted(zip(members["floor"], flows["route_id"],
                                        flows["product_id"], flows["period"]))
        assert floors and {(fl.first_day, fl.end_day) for fl in floors} == {(2 + lag, 4 + lag)}
    assert covered[True] == covered[False] and covered[True]


@pytest.mark.parametrize("aggregate", [False, True])
def test_a_keep_coming_table_that_lost_rows_fails_the_completeness_check(tmp_path, tiny_tables,
                                                                         aggregate):
    """``keep_coming_complete`` (borderflow/verify/dispatch.py; session 27: an empty table
    passed the verifier). X1 closed days 2-3 (a surprise) and X2 closed day 5, both announced
    on day 2; share 0.5 for 2 days: windows on days 2-3 at each gate. The plan before the
    news (day 0's) sends every truck via X1 (200 t a day: two held rows of 100 t floors) and
    nothing via X2, which the policy uses on day 2: X2's window has two zero rows. No route
    queues at either gate b_to_a: those windows have nothing to miss. The untouched run
    passes, per pair and on streams; an emptied table (with a consistent total of 0 t: what
    the session-27 bug wrote on streams), one window's rows dropped or one zero row dropped
    fails that check alone."""
    from dataclasses import replace

    import tiny

    from borderflow import api
    from borderflow.data.dataset import load_dataset
    from borderflow.verify.dispatch import keep_coming_checks

    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(0.5, 2)
    x2 = CloseEvent(crossing="x2", close=Window(**{"from": day(5), "to": day(5)}),
                    announced=day(2))
    scenario = dated("keep", 6, _close(3), x2)
    res = api.solve(load_dataset(tiny.write(tmp_path / "data", t), check_borders=False),
                    scenario, replace(REALISTIC, aggregate_streams=aggregate))
    report = res.verification
    assert res.summary["verified"], report[~report["ok"]].to_dict("records")
    kept = res.tables["keep_coming"]
    assert list(zip(kept["crossing_id"], kept["period"], kept["pre_news_flow_t"],
                    kept["floor_t"])) == [("x1", 2, 200.0, 100.0), ("x1", 3, 200.0, 100.0),
                                          ("x2", 2, 0.0, 0.0), ("x2", 3, 0.0, 0.0)]
    assert res.summary["keep_coming_floor_t"] == pytest.approx(200, abs=1e-6)
    complete = report[report["check"] == "keep_coming_complete"]
    assert list(complete["entity"].str.split(":").str[0]) == [
        f"2024-01-03 {c} {d} window days 2-3" for c in ("x1", "x2")
        for d in ("a_to_b", "b_to_a")]
    assert list(complete["entity"].str.split(": ").str[1].str[:21]) == [
        "2 route flows expecte", "0 route flows expecte"] * 2
    assert complete["ok"].all() and not complete["amount"].any()

    def failed(table, **summary):
        r, f = keep_view(res, scenario, keep_coming=table)
        r.summary.update(summary)
        got = pd.concat(keep_coming_checks(r, f), ignore_index=True)
        return got.loc[~got["ok"], ["check", "entity", "amount"]].to_numpy().tolist()

    assert failed(kept) == []
    emptied = failed(kept.iloc[:0], keep_coming_floor_t=0.0)
    assert [(c, e.split(":")[0], a) for c, e, a in emptied] == [
        ("keep_coming_complete", f"2024-01-03 {c} a_to_b window days 2-3", 2.0)
        for c in ("x1", "x2")]
    dropped = failed(kept[kept["crossing_id"] != "x2"])  # X2's window: zero rows only
    assert [(c, e.split(":")[0], a) for c, e, a in dropped] == [
        ("keep_coming_complete", "2024-01-03 x2 a_to_b window days 2-3", 2.0)]
    one = failed(kept.drop(index=3))  # X2's zero row of day 3
    assert one == [["keep_coming_complete", "2024-01-03 x2 a_to_b window days 2-3: 2 route "
                    "flows expected, 1 rows, 1 missing, 0 extra; first missing: "
                    "vn-o>cn-m|x2:a_to_b|cheapest durian day 3", 1.0]]
