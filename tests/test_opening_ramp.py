"""New capacity ramps up by the dataset's calendar (model/opening_ramp.py), hand-computed on the
tiny network: X2 (100 trucks/day each way) opens on day 2 with ``behaviour.csv`` rows start
share 0.1 and 1 month (round(365/12) = 30 days), so day ``2 + i`` has 10 + 90 i / 30 =
10 + 3 i trucks/day: 10, 13, 16, 19 on days 2-5."""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
from helpers import day, dated

from borderflow import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import BuildEvent, CloseEvent, RampEvent, RampRule, Window
from borderflow.model.network import build_network


def _ramp_rows(*, share=0.1, months=1, only_share=False) -> pd.DataFrame:
    row = {"applies_to": "x2", "unit": "-", "source": "test", "source_year": 2024,
           "quality": "estimate", "notes": ""}
    rows = [{**row, "parameter": "capacity_ramp_up_start_share", "value": share, "low": 0,
             "high": 1}]
    if not only_share:
        rows.append({**row, "parameter": "capacity_ramp_up_months", "value": months, "low": 1,
                     "high": 30})
    return pd.DataFrame(rows)


def _load(tmp_path, t, name="data"):
    return load_dataset(tiny.write(tmp_path / name, t), check_borders=False)


def _x2(net) -> list[float]:
    c = net.capacity
    c = c[(c["crossing_id"] == "x2") & (c["direction"] == "a_to_b")].sort_values("period")
    return c["capacity_trucks_per_day"].iloc[:6].round(9).tolist()


NOT_OPEN_YET = CloseEvent(crossing="x2", close=Window(to=day(1)), context=True)


def test_a_crossing_that_opens_ramps_up_by_the_dataset_rows(tmp_path, tiny_tables):
    tiny_tables["behaviour"] = _ramp_rows()
    net = build_network(_load(tmp_path, tiny_tables), dated("opens", 6, NOT_OPEN_YET))
    assert _x2(net) == pytest.approx([0, 0, 10, 13, 16, 19], abs=1e-9)
    (added,) = [ev for ev in net.scenario.events if isinstance(ev, RampEvent)]
    # context like the opening (the baseline ramps alike), known with it (day 0), 30 days
    assert (added.start, added.context, added.announced) == (day(2), True, day(0))
    assert (added.ramp.start_trucks_per_day, added.ramp.days) == pytest.approx((10, 30))
    # a disruption's closure ends in a reopening, not new capacity: no ramp from the dataset
    net = build_network(net.tables, dated("reopens", 6, CloseEvent(
        crossing="x2", close=Window(to=day(1)))))
    assert _x2(net) == [0, 0, 100, 100, 100, 100]


def test_a_build_ramps_from_its_own_capacity_and_a_scenario_ramp_overrides(tmp_path,
                                                                           tiny_tables):
    tiny_tables["behaviour"] = _ramp_rows()
    tiny_tables["crossings"].loc[1, "status"] = "proposed"
    tables = _load(tmp_path, tiny_tables)
    build = BuildEvent(build="x2", capacity_trucks_per_day=40, **{"from": day(3)})
    # 0.1 x 40 = 4 on day 3, then + 36/30 = 1.2 a day
    assert _x2(build_network(tables, dated("build", 6, build))) == pytest.approx(
        [0, 0, 0, 4, 5.2, 6.4], abs=1e-9)
    own = RampEvent(crossing="x2", ramp=RampRule(start_trucks_per_day=50, days=2),
                    **{"from": day(2)})
    tiny_tables["crossings"].loc[1, "status"] = "open"
    net = build_network(_load(tmp_path, tiny_tables, "open"), dated("own", 6, NOT_OPEN_YET, own))
    assert _x2(net) == pytest.approx([0, 0, 50, 75, 100, 100], abs=1e-9)
    assert sum(isinstance(ev, RampEvent) for ev in net.scenario.events) == 1


def test_the_ramp_binds_the_solved_flow(solve_tiny, tiny_tables):
    # 10 trucks/day of supply; X1 closed all along, X2 opens on day 2 at 5 (share 0.05):
    # it carries at most the ramp's capacity each day and the run verifies
    tiny_tables["behaviour"] = _ramp_rows(share=0.05)
    run = solve_tiny(tiny_tables, dated("ramp", 6, NOT_OPEN_YET, CloseEvent(
        crossing="x1", close=Window(), context=True)))
    c = run.results.crossings
    x2 = c[(c["crossing_id"] == "x2") & (c["direction"] == "a_to_b")].set_index("period")
    assert x2["capacity_trucks_per_day"].loc[[2, 3, 4, 5]].to_numpy() == pytest.approx(
        [5, 5 + 95 / 30, 5 + 190 / 30, 14.5], abs=1e-9)  # 5 + 95 i / 30
    assert (x2["flow_trucks"] <= x2["capacity_trucks_per_day"] + 1e-6).all()
    assert x2["flow_trucks"].loc[2] == pytest.approx(5, abs=1e-6)  # 10 waiting, 5 cross
    from borderflow.verify import verify_results

    report = verify_results(run.results, run.tables, run.net.scenario)
    assert (report["check"] == "ramp_capacity").any() and report["ok"].all()


def test_half_a_ramp_is_refused_naming_the_row(tmp_path, tiny_tables):
    tiny_tables["behaviour"] = _ramp_rows(only_share=True)
    with pytest.raises(InputError, match=r"behaviour\.csv, row 2, field 'parameter'.*x2 has "
                                         r"no capacity_ramp_up_months"):
        build_network(_load(tmp_path, tiny_tables), dated("opens", 6, NOT_OPEN_YET))


def test_an_opening_before_the_horizon_ramps_part_way(tmp_path, tiny_tables):
    # X2 opened on day -10 (not open until day -11): the 30-day ramp has run 10 days on day 0,
    # 10 + 90 x 10 / 30 = 40, then + 3 a day; known since it opened
    tiny_tables["behaviour"] = _ramp_rows()
    tables = _load(tmp_path, tiny_tables)
    before = CloseEvent(crossing="x2", close=Window(to=day(-11)), context=True)
    net = build_network(tables, dated("before", 6, before))
    assert _x2(net) == pytest.approx([40, 43, 46, 49, 52, 55], abs=1e-9)
    (added,) = [ev for ev in net.scenario.events if isinstance(ev, RampEvent)]
    assert (added.start, added.announced) == (day(-10), day(-10))
    # opened 40 days before: the ramp is over, full capacity
    long_ago = CloseEvent(crossing="x2", close=Window(to=day(-41)), context=True)
    assert _x2(build_network(tables, dated("long", 6, long_ago))) == [100] * 6
    # the scenario checks keep such a closure; a disruption's closure before the horizon is
    # still refused
    from borderflow.data.scenario_checks import Catalog, scenario_problems

    catalog = Catalog.of(tables)
    assert scenario_problems(dated("before", 6, before), catalog) == []
    (problem,) = scenario_problems(dated("typo", 6, CloseEvent(
        crossing="x2", close=Window(to=day(-11)))), catalog)
    assert "lies outside the horizon" in problem[2]
    # a build 10 days before the horizon: 0.1 x 40 = 4 then + 1.2 a day, 16 on day 0
    tiny_tables["crossings"].loc[1, "status"] = "proposed"
    build = BuildEvent(build="x2", capacity_trucks_per_day=40, **{"from": day(-10)})
    net = build_network(_load(tmp_path, tiny_tables, "proposed"), dated("build", 6, build))
    assert _x2(net) == pytest.approx([16, 17.2, 18.4, 19.6, 20.8, 22], abs=1e-9)


def test_the_ramp_rows_are_read_once_per_tables_and_file_content(tmp_path, tiny_tables,
                                                                  monkeypatch):
    """``behaviour.csv`` is read and checked once for the same crossings table and file bytes
    (a sweep's scenarios), again when the file's bytes change (the new rows), and a bad file
    is refused every time (nothing kept)."""
    from borderflow.model import opening_ramp

    reads = []
    real = opening_ramp.read_table_file
    monkeypatch.setattr(opening_ramp, "read_table_file",
                        lambda *a: reads.append(a[0]) or real(*a))
    tiny_tables["behaviour"] = _ramp_rows()
    tables = _load(tmp_path, tiny_tables)
    first = opening_ramp.ramp_rows(tables)
    first["x2"]["capacity_ramp_up_months"] = 99.0  # a caller's copy: what is kept stays
    assert opening_ramp.ramp_rows(tables) == {"x2": {"capacity_ramp_up_start_share": 0.1,
                                                     "capacity_ramp_up_months": 1.0}}
    assert len(reads) == 1
    path = reads[0]
    _ramp_rows(share=0.2).to_csv(path, index=False)  # the same tables, the file changed
    assert opening_ramp.ramp_rows(tables)["x2"]["capacity_ramp_up_start_share"] == 0.2
    assert len(reads) == 2
    _ramp_rows(only_share=True).to_csv(path, index=False)
    for _ in range(2):
        with pytest.raises(InputError, match="no capacity_ramp_up_months"):
            opening_ramp.ramp_rows(tables)
    assert len(reads) == 4
