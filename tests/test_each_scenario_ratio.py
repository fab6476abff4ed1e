"""Target 3's second reading (tests/benchmarks/derive.py ``each_scenario_ratios``): each closure
solved both ways, cold CPU s over its own warm CPU s, with the minimum and median, hand-computed;
the target's status stays judged on the whole-sweep ratio."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import derive  # noqa: E402


def test_each_closure_cold_over_its_warm_min_and_median():
    cold = {"cpu_s": {"a": 10.0, "b": 12.0, "c": 9.0}}
    warm = {"cpu_s": {"a": 1.0, "b": 4.0, "c": 0.5, "d": 2.0}}  # d: warm only, left out
    out = derive.each_scenario_ratios(cold, warm)
    assert out["speedup_each_scenario"] == {"a": 10.0, "b": 3.0, "c": 18.0}
    assert out["speedup_each_scenario_min"] == 3.0
    assert out["speedup_each_scenario_median"] == 10.0
    even = derive.each_scenario_ratios({"cpu_s": {"a": 10.0, "b": 12.0}}, warm)
    assert even["speedup_each_scenario_median"] == 6.5  # (3 + 10) / 2
    assert derive.each_scenario_ratios({}, {})["speedup_each_scenario_min"] is None


def test_the_pair_derives_both_readings_and_the_target_ratio_is_unchanged():
    cold = {"approach": "cold", "objectives": {"x": 1.0}, "per_scenario_s": 5.0,
            "cpu_s": {"x": 10.0}}
    warm = {"approach": "warm", "objectives": {"x": 1.0}, "per_scenario_s": 1.0,
            "cpu_s": {"x": 0.4}}
    derive.derive("dated_sweep", [cold, warm])
    assert warm["speedup_vs_cold_per_scenario"] == 5.0  # wall per scenario, as before
    assert warm["speedup_each_scenario_min"] == 25.0
