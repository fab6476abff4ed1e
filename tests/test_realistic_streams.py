"""The realistic dispatch with its plans on the aggregated-streams LP (the default of
``--dispatch realistic`` since session 32; issue 18, session 27: docs/dynamics.md), on the
hand-computed networks of tests/test_realistic.py and tests/test_keep_coming.py, against the
per-pair plans of the same run (``--per-pair-streams``); tests/benchmarks/realistic_streams.py
times this path.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import (REALISTIC, day, dated, keep_rows, phantom_write_off, queue_series,
                     realistic_network)

import tiny
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import CloseEvent, Window
from borderflow.pipeline import run_scenario

#: the realistic plans on streams (the default) and per pair (``--per-pair-streams``)
STREAMS, PAIRS = REALISTIC, replace(REALISTIC, aggregate_streams=False)


def _closure(last=3, **kw):
    return CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(last)}), **kw)


def _solve(tmp_path, t, scenario):
    """The run with its plans on streams, and with its plans per pair."""
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    return run_scenario(ds, scenario, STREAMS), run_scenario(ds, scenario, PAIRS)


def test_surprise_closure_on_streams_strands_exactly_the_trucks_sent_before_it(tmp_path,
                                                                                tiny_tables):
    """tests/test_realistic.py's hand-computed case: the value of foresight 3,000 USD, ten
    trucks queued at X1 at the end of days 2 and 3, as per pair."""
    streams, pairs = _solve(tmp_path, realistic_network(tiny_tables), dated("s", 6, _closure()))
    s = streams.results.summary
    assert streams.built.index.aggregated and not pairs.built.index.aggregated
    assert s["value_of_foresight_usd"] == pytest.approx(3000, abs=1e-6)
    assert queue_series(streams, 6) == pytest.approx([0, 0, 10, 10, 0, 0], abs=1e-6)
    assert s["objective_usd"] == pytest.approx(pairs.results.summary["objective_usd"],
                                               abs=1e-6)
    assert s["stream_aggregation"]["split"].startswith("exact")
    assert s.get("fifo_repair") is None and s["decision_days"] == 2


@pytest.mark.parametrize("warning_days", [1, 2])
def test_closure_known_in_time_on_streams_is_the_foresight_optimum(tmp_path, tiny_tables,
                                                                   warning_days):
    """Nothing a surprise: the policy planned on streams costs the foresight optimum."""
    streams, _ = _solve(tmp_path, realistic_network(tiny_tables),
                        dated("s", 6, _closure(announced=day(2 - warning_days))))
    s = streams.results.summary
    assert s["value_of_foresight_usd"] == pytest.approx(0, abs=1e-6)
    assert s["objective_usd"] == pytest.approx(s["foresight_objective_usd"], abs=1e-6)
    assert queue_series(streams, 6) == pytest.approx([0] * 6, abs=1e-6)


def test_drivers_keep_coming_on_streams(tmp_path, tiny_tables):
    """tests/test_keep_coming.py's case (share 0.5, 1 day, no lag): 3,500 USD, queue [0, 0,
    10, 15, 0, 0]; the floor (100 t via X1 on day 2) is in the run's table, as per pair (it
    covered no route flow of an aggregated model before session 27)."""
    t = realistic_network(tiny_tables)
    t["behaviour"] = keep_rows(0.5, 1)
    streams, pairs = _solve(tmp_path, t, dated("keep", 6, _closure()))
    s = streams.results.summary
    assert s["value_of_foresight_usd"] == pytest.approx(3500, abs=1e-6)
    assert queue_series(streams, 6) == pytest.approx([0, 0, 10, 15, 0, 0], abs=1e-6)
    assert s["keep_coming_floor_t"] == pytest.approx(100, abs=1e-6)
    kept, ref = streams.results.keep_coming, pairs.results.keep_coming
    assert kept[["route_id", "period", "floor_t"]].values.tolist() == \
        ref[["route_id", "period", "floor_t"]].values.tolist()


def test_a_policy_that_writes_off_early_on_streams_stands_with_its_repair(tmp_path,
                                                                        tiny_tables):
    """tests/test_fifo_writeoffs.py's network (X1 alone at 10 trucks/day, shelf life 3 days,
    20 trucks queued on day 0, aged 2 and 0 days), X1 closed on day 1 only, its reopening
    unknown until day 2: foresight writes nothing off, but the plan of day 1 takes the closure
    as open-ended and writes 200 t off before their deadline. The per-pair policy writes the
    same 200 t off early (each stream here holds one pair), so a realistic run does not fall
    back for its policy's write-offs (``pipeline.disaggregated``, session 27): the run stays on
    streams, reports the repair, and gives the per-pair policy's answer."""
    base = phantom_write_off(tiny_tables)
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(1)}),
                       reopening_announced=day(2))
    scenario = base.model_copy(update={"events": (close,)})
    streams, pairs = _solve(tmp_path, tiny_tables, scenario)
    s = streams.results.summary
    assert streams.built.index.aggregated and "fallback" not in s["stream_aggregation"]
    assert s["fifo_repair"]["written_off_early_t"] == pytest.approx(200, abs=1e-6)
    assert pairs.results.summary["fifo_repair"]["written_off_early_t"] == pytest.approx(
        200, abs=1e-6)
    assert s["objective_usd"] == pytest.approx(pairs.results.summary["objective_usd"],
                                               abs=1e-6)
