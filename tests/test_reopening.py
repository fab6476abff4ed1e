"""An uncertain reopening (issue 18, item 5, planning on the expected reopening day): every
branch of ``reopening_odds`` run with realistic dispatch, hand-computed on the tiny network of
tests/test_realistic.py (X1 reached the day after dispatch, 10 trucks/day, waiting 200
USD/truck-day, the detour via X2 1,000 USD a day's trucks).

X1 closes on day 2 (a surprise), reopening on day 3 or day 5.

Odds {3: 0.5, 5: 0.5}: on day 2 the dispatcher plans on day 4 (the mean), so day 2's trucks
(reaching X1 on day 3, believed closed) go via X2. Branch "day 3": day 1's trucks wait 1 day
(2,000) + day 2's detour (1,000) = 3,000 above undisrupted; foresight 1,000 (day 1's via X2);
value of foresight 2,000. Branch "day 5": on day 3 the gate is still closed (news: the mean
of what is left is day 5), so day 3's trucks also go via X2: day 1's wait 3 days (6,000) + two
detours (2,000) = 8,000; foresight 3,000 (days 1-3 via X2); value of foresight 5,000.
Expected value of foresight 0.5 x 2,000 + 0.5 x 5,000 = 3,500.

Odds {3: 0.9, 5: 0.1}: the mean 3.2 rounds to day 3, so day 2's trucks go via X1. Branch
"day 3": only day 1's 1-day wait (2,000); foresight 1,000; value 1,000. Branch "day 5": day
1's wait 3 days (6,000), day 2's wait 2 days (4,000), day 3's detour (1,000) = 11,000;
foresight 3,000; value 8,000. Expected 0.9 x 1,000 + 0.1 x 8,000 = 1,700.
"""

from __future__ import annotations

import pytest
from helpers import day, dated, realistic_network

from borderflow.data.errors import InputError
from borderflow.data.scenario import CloseEvent, Window
from borderflow.options import RunOptions


def _uncertain(odds: dict, last: int = 2):
    return CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(last)}),
                      reopening_odds={day(k): p for k, p in odds.items()})


@pytest.mark.parametrize("odds, values, expected", [
    ({3: 0.5, 5: 0.5}, [2000, 5000], 3500),
    ({3: 0.9, 5: 0.1}, [1000, 8000], 1700)])
def test_every_branch_hand_computed_and_the_spread(solve_tiny, tiny_tables, odds, values,
                                                   expected):
    from borderflow.reopening import reopening_spread

    def solve(dataset, scenario, options):
        t = realistic_network(tiny_tables)
        return solve_tiny(t, scenario, options=options).results.summary

    table = reopening_spread(None, dated("odds", 8, _uncertain(odds)), solve=solve)
    rows = table.set_index("reopens")
    assert list(rows.index) == ["2024-01-04", "2024-01-06", "expected", "min", "max"]
    assert rows["value_of_foresight_usd"].iloc[:2].tolist() == pytest.approx(values, abs=1e-6)
    assert rows.loc["expected", "value_of_foresight_usd"] == pytest.approx(expected, abs=1e-6)
    assert rows.loc["min", "value_of_foresight_usd"] == pytest.approx(min(values), abs=1e-6)
    assert rows.loc["max", "value_of_foresight_usd"] == pytest.approx(max(values), abs=1e-6)
    assert rows["probability"].iloc[:2].tolist() == pytest.approx(list(odds.values()))


def test_branches_share_the_dispatch_until_they_can_be_told_apart(solve_tiny, tiny_tables):
    from borderflow.reopening import reopening_branches

    branches = reopening_branches(dated("odds", 8, _uncertain({3: 0.5, 5: 0.5})))
    t = realistic_network(tiny_tables)
    runs = [solve_tiny(t, s, options=RunOptions(dispatch="realistic")) for _, _, s in branches]
    # days 0-2 are decided before day 3 tells the branches apart: the same dispatch (day 2's
    # trucks via X2 in both); day 3's differ (via X1 once reopened, via X2 while still shut)
    early, day3 = [], []
    for r in runs:
        f = r.results.route_flows.sort_values(["route_id", "period"])
        early.append(f[f["period"] <= 2][["route_id", "period", "flow_t"]].round(6)
                     .values.tolist())
        day3.append(f[f["period"] == 3][["route_id", "flow_t"]].round(6).values.tolist())
    assert early[0] == early[1] and day3[0] != day3[1]
    dates = [r.results.summary["decision_dates"] for r in runs]
    assert dates == [["2024-01-01", "2024-01-03", "2024-01-04"],
                     ["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-06"]]
    from borderflow.verify import verify_results

    for r in runs:  # the verifier re-derives those dates from the odds (replanned_on_news)
        report = verify_results(r.results, r.tables, r.net.scenario)
        assert report["ok"].all(), report[~report["ok"]]
        assert report["check"].eq("replanned_on_news").any()


@pytest.mark.parametrize("kw, message", [
    (dict(odds={3: 0.5, 5: 0.4}), "sum to 1"),
    (dict(odds={3: 0.5, 5: 0.5}, last=3), "the branch that happens"),
    (dict(odds={2: 0.5, 3: 0.5}), "not after the closure's first day")])
def test_bad_odds_are_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        _uncertain(kw["odds"], kw.get("last", 2))


def test_a_scenario_without_odds_has_no_branches():
    from borderflow.reopening import reopening_branches

    with pytest.raises(InputError, match="no closure has reopening_odds"):
        reopening_branches(dated("plain", 6))


@pytest.mark.parametrize("line, message", [
    ("reaction_lag_days: -1", r"row 3, field 'reaction_lag_days'.*greater than or equal to 0"),
    ("reaction_lag_days: 2.5", r"row 3, field 'reaction_lag_days'.*valid integer"),
    ("events:\n  - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}, reopening_odds: "
     "{2024-01-04: 0.5, 2024-01-06: 0.4}}", r"row 4, field 'events\[0\]'.*sum to 1, not 0\.9")])
def test_bad_scenario_lines_name_row_and_field(line, message):
    from borderflow.data.scenario import Scenario

    with pytest.raises(InputError, match=message):
        Scenario.from_yaml_text(f"name: a\nhorizon: {{start: 2024-01-01, days: 6}}\n{line}\n")


def test_the_default_solve_is_the_public_api(tmp_path, tiny_tables):
    """With no ``solve`` given, each branch goes through ``bf.solve`` (alone, verified; its
    full-precision ``raw_summary``): the hand-computed spread of odds {3: 0.5, 5: 0.5}."""
    import tiny

    import borderflow as bf
    from borderflow.reopening import reopening_spread

    ds = bf.load_dataset(tiny.write(tmp_path / "data", realistic_network(tiny_tables)),
                         check_borders=False)
    rows = reopening_spread(ds, dated("odds", 8, _uncertain({3: 0.5, 5: 0.5}))).set_index(
        "reopens")
    assert rows["value_of_foresight_usd"].iloc[:2].tolist() == pytest.approx([2000, 5000],
                                                                              abs=1e-6)
    assert rows.loc["expected", "value_of_foresight_usd"] == pytest.approx(3500, abs=1e-6)
