"""Drivers keep coming from a gate's FIRST news of a disruption episode (issue 18), by hand.

The network of tests/test_realistic.py: O -> X1 -> M reaches X1 the day after dispatch (11
USD/t), O -> X2 -> M the same day (16 USD/t: a detour of 100 USD/truck); 10 trucks/day of
durian (20 t); waiting 200 USD/truck-day. The plan made before any news sends every truck via
X1. No reaction lag, keep_coming_share 0.5, keep_coming_days 1 (every gate).

Two news days, one episode: X1 closed on days 2-3 (news on day 2, the reopening on day 4
known with it), then closed again on days 4-5 (news on day 4): the closures touch, so it is
one episode and drivers keep coming 1 day from its first news only (dispatch day 2).
Foresight sends days 1-4 via X2: 4 x 1,000 = 4,000 USD. Realistic: day 1's 10 trucks wait
at X1 on days 2-5 (40 truck-days, 8,000 USD); day 2: 5 trucks kept via X1 wait days 3-5
(15 truck-days, 3,000) and 5 go via X2 (500); day 3's 10 trucks, planned on the reopening of
day 4, go via X1 and wait days 4-5 (4,000); day 4's 10 go via X2 (1,000): nothing keeps
coming, the news of day 4 starts no window. 16,500 - 4,000 = 12,500 USD of value of
foresight, queue at X1 [0, 0, 10, 15, 25, 25, 0, 0]. (Restarting the window at the news of
day 4, as before, would keep 5 of day 4's trucks via X1 for a day's wait: 13,000 USD.)

A gate that reopens and closes again: X1 closed on days 2-3 (news day 2) and on days 6-7
(news day 6), open on days 4-5 between: two episodes, each with its own window, each costing
what the single closure of tests/test_keep_coming.py costs (value of foresight 3,500, queue
10 then 15): 7,000 USD, queue [0, 0, 10, 15, 0, 0, 10, 15, 0, 0]. (One window for the gate's
whole run would leave day 6's dispatch free: 6,500 USD.)
"""

from __future__ import annotations

import pytest
from helpers import REALISTIC, day, dated, keep_rows, queue_series, realistic_network
from keep_helpers import keep_view

from borderflow.data.scenario import CapacityEvent, CloseEvent, Window


def _closed(first, last, **kw):
    return CloseEvent(crossing="x1", close=Window(**{"from": day(first), "to": day(last)}),
                      **kw)


EPISODES = [  # (name, events, days, value of foresight USD, queue at X1, news days of floors)
    ("tightened", (_closed(2, 3), _closed(4, 5)), 8, 12500, [0, 0, 10, 15, 25, 25, 0, 0],
     {"2024-01-03"}),
    ("reclosed", (_closed(2, 3), _closed(6, 7)), 10, 7000, [0, 0, 10, 15, 0, 0, 10, 15, 0, 0],
     {"2024-01-03", "2024-01-07"}),
]


@pytest.mark.parametrize("name, events, days, value, queue, news", EPISODES,
                         ids=[c[0] for c in EPISODES])
def test_drivers_keep_coming_from_the_first_news_of_an_episode(solve_tiny, tiny_tables, name,
                                                               events, days, value, queue,
                                                               news):
    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(0.5, 1)
    run = solve_tiny(t, dated(name, days, *events), options=REALISTIC)
    s = run.results.summary
    assert s["value_of_foresight_usd"] == pytest.approx(value, abs=1e-6)
    assert queue_series(run, days) == pytest.approx(queue, abs=1e-6)
    kept = run.results.keep_coming
    assert set(kept["news_date"]) == news
    # 5 trucks (100 t) kept via X1 on the first day of each window only
    assert kept.groupby("period")["floor_t"].sum().to_dict() == pytest.approx(
        {2 + 4 * k: 100.0 for k in range(len(news))})


def test_episode_windows_count_from_the_first_news_after_day_zero():
    from borderflow.model.information import keep_coming_windows, restriction_episodes
    from borderflow.verify.dispatch import _keep_windows

    # the Lang Son shape: a throttle known on day 0 (days 0-3), cut further from day 4 (news
    # on day 4), closed from day 6 (news on day 6): one episode; the window runs W = 5 days
    # from the first news after day 0 plus the lag (2): dispatch days 6-10, whatever day 6
    # says. In the other direction nothing was news: no window.
    events = (CapacityEvent(crossing="x1", capacity_trucks_per_day=50, direction="a_to_b",
                            **{"from": day(0), "to": day(3)}),
              CapacityEvent(crossing="x1", capacity_trucks_per_day=20, direction="a_to_b",
                            **{"from": day(4), "to": day(5)}),
              CloseEvent(crossing="x1", close=Window(**{"from": day(6)}), direction="a_to_b"),
              # X2: closed days 3-4 (news day 3), reopened day 5, throttled from day 7
              # announced on day 4: a second episode whose first news comes inside the first
              CloseEvent(crossing="x2", close=Window(**{"from": day(3), "to": day(4)})),
              CapacityEvent(crossing="x2", capacity_trucks_per_day=5, announced=day(4),
                            **{"from": day(7)}))
    scenario = dated("w", 20, *events)
    episodes = restriction_episodes(scenario)
    assert [e[:4] for e in episodes] == [
        ("x1", "a_to_b", 0, 10**6), ("x2", "a_to_b", 3, 4), ("x2", "a_to_b", 7, 10**6),
        ("x2", "b_to_a", 3, 4), ("x2", "b_to_a", 7, 10**6)]
    assert episodes[0][4] == [0, 4, 6]
    w = keep_coming_windows(scenario, lag=2, days=5)
    assert w.values.tolist() == [
        [3, "x2", "a_to_b", 5, 10], [3, "x2", "b_to_a", 5, 10],
        [4, "x1", "a_to_b", 6, 11], [4, "x2", "a_to_b", 6, 11], [4, "x2", "b_to_a", 6, 11]]
    # the verifier's own derivation (no import of the model's) agrees
    assert _keep_windows(scenario, 2, 5) == {
        (c, d, day(a).isoformat(), f, e) for a, c, d, f, e in w.values.tolist()}
    # known in full on day 0: planned for, nobody caught
    assert keep_coming_windows(dated("w", 20, events[0]), lag=2, days=5).empty
    assert _keep_windows(dated("w", 20, events[0]), 2, 5) == set()


def test_the_verifier_refuses_a_window_restarted_by_later_news(tmp_path, tiny_tables):
    from types import SimpleNamespace

    from borderflow import api
    from borderflow.data.dataset import load_dataset
    from borderflow.verify.dispatch import keep_coming_checks

    import tiny

    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(0.5, 1)
    scenario = dated("tightened", 8, _closed(2, 3), _closed(4, 5))
    res = api.solve(load_dataset(tiny.write(tmp_path / "data", t), check_borders=False),
                    scenario, REALISTIC)
    report = res.verification
    assert res.summary["verified"], report[~report["ok"]].to_dict("records")
    good, f = keep_view(res, scenario)

    def failed(table):
        r = SimpleNamespace(**{**vars(good), "keep_coming": table})
        return [x for x in keep_coming_checks(r, f) if not x["ok"].all()]

    assert failed(good.keep_coming) == []
    # a floor at the news of day 4 (the old rule's second window) is outside every window,
    # even where the flow is there (day 4's flow via X1 is 0: take a floor of 0 t)
    import pandas as pd

    extra = good.keep_coming.iloc[:1].assign(news_date="2024-01-05", period=4, floor_t=0.0,
                                             pre_news_flow_t=0.0)
    bad = failed(pd.concat([good.keep_coming, extra], ignore_index=True))
    assert len(bad) == 1 and "2024-01-05 x1" in bad[0].loc[~bad[0]["ok"], "entity"].iloc[0]


def test_news_bounding_the_dispatch_is_refused_inside_the_episode_window_only():
    from borderflow.data.errors import InputError
    from borderflow.data.scenario import SupplyChange, SupplyEvent
    from borderflow.model.information import check_lag_conflicts

    def cut(k):
        return SupplyEvent(supply=SupplyChange(product="durian", factor=0.5),
                           **{"from": day(k)})

    # one episode (X1 closed days 2-3, then 4-5, news on days 2 and 4), 2 days of keeping
    # coming, no lag: drivers keep coming on dispatch days 2-3 only; a supply cut announced
    # on day 3 is refused, one on day 5 (inside a window the day-4 news would have started
    # under a rule restarting at each news) is not
    with pytest.raises(InputError, match=r"events\[2\]\.announced.*news of 2024-01-03"):
        check_lag_conflicts(dated("c", 10, _closed(2, 3), _closed(4, 5), cut(3)), 0, 2)
    check_lag_conflicts(dated("c", 10, _closed(2, 3), _closed(4, 5), cut(5)), 0, 2)
    # a second episode (closed again on days 6-7, news day 6) has its own window: day 7 refused
    with pytest.raises(InputError, match=r"events\[2\]\.announced.*news of 2024-01-07"):
        check_lag_conflicts(dated("c", 10, _closed(2, 3), _closed(6, 7), cut(7)), 0, 2)
