"""BENCHMARKS.md rendered from a run file (tests/benchmarks/report.py, targets.py, derive.py).

The fixture ``tests/data/benchmark-run.jsonl`` is a hand-made run whose every target is met
just inside its threshold; each case below moves one value just across it and expects the
computed status to turn. No timing: only the rendering and the MET / NOT MET logic.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import derive  # noqa: E402
import report  # noqa: E402
import targets  # noqa: E402

FIXTURE = Path(__file__).parent / "data" / "benchmark-run.jsonl"


def _rows() -> list[dict]:
    return [json.loads(x) for x in FIXTURE.read_text().splitlines()]


def _find(rows: list[dict], bench: str, approach: str, **keys) -> dict:
    return next(r for r in rows if r["bench"] == bench and r.get("approach") == approach
                and all(r.get(k) == v for k, v in keys.items()))


def _status(rows: list[dict], name: str) -> str:
    return next(t.status for t in targets.targets(rows) if t.name.startswith(name))


def test_the_fixture_renders_with_every_target_met():
    text = report.render(_rows(), source="tests/data/benchmark-run.jsonl")
    assert "{{" not in text and "tests/data/benchmark-run.jsonl" in text
    assert "**The full run of 2026-12-05 01:00:00 UTC at commit `abc1234`.**" in text
    assert "2026-12-05 01:00:00 / 2026-12-05 01:29:00" in text
    assert "0.5 / mean 0.6, max 0.6 / 0.7" in text  # load before / during / after
    statuses = {t.name: t.status for t in targets.targets(_rows())}
    assert statuses == {
        "1. exact 365-day run": "MET", "2. dated build vs direct": "MET",
        "3. dated sweep": "MET", "4. region 10x": "MEASURED",
        "(a) static 1e6, Pyomo vs direct": "MET", "(b) warm static N-1 sweep": "MET",
        "(c) 365-day run (superseded by 1)": "MET", "(d) Dask, hundreds of scenarios": "MET",
        "(e) uncertainty samples": "MET"}
    for title in report.TITLES.values():
        assert f"### {title}" in text
    assert "| **MET** |" in text


# (target, bench, approach, selector keys, key, value just across the threshold)
ACROSS = [
    ("1.", "dated", "default", {"days": 365}, "total_s", 60.0),
    ("1.", "dated", "default", {"days": 365}, "peak_rss_mb", 1500.5),
    ("1.", "dated", "default", {"days": 730}, "total_s", 600.0),  # exponent 1.25
    ("1.", "dated", "default", {"days": 365}, "status", "time_limit"),
    ("1.", "dated", "default", {"days": 365}, "routing", "restricted"),
    ("2.", "dated_build", "pyomo", {"days": 365}, "ratio_total_vs_direct", 1.21),
    ("2.", "dated_build", "pyomo", {"days": 365}, "ratio_rss_vs_direct", 1.21),
    ("2.", "dated_build", "pyomo", {"days": 30}, "optima_equal", False),
    ("3.", "dated_sweep", "warm", {}, "total_s", 300.5),
    ("3.", "dated_sweep", "warm", {}, "speedup_vs_cold_per_scenario", 19.9),
    ("3.", "dated_sweep", "warm", {}, "scenarios", 50),
    ("3.", "dated_sweep", "warm", {}, "optima_equal", False),
    ("(a)", "static", "pyomo", {}, "ratio_total_vs_direct", 1.51),
    ("(a)", "static", "pyomo", {}, "ratio_rss_vs_direct", 1.51),
    ("(b)", "sweep", "warm", {}, "sweep_speedup_vs_rebuild", 49.9),
    ("(c)", "dated", "default", {"days": 365}, "peak_rss_mb", 4100.0),
    ("(d)", "dask", "dask-2w", {}, "speedup_vs_1_worker", 1.69),
    ("(e)", "uncertainty", "warm-vs-rebuild", {}, "ratio_median", 29.9),
    ("(e)", "uncertainty", "warm-vs-rebuild", {}, "end_to_end_s", 120.1),
]


@pytest.mark.parametrize("name, bench, approach, keys, key, value", ACROSS,
                         ids=[f"{a[0]}{a[4]}={a[5]}" for a in ACROSS])
def test_a_value_just_across_its_threshold_is_not_met(name, bench, approach, keys, key, value):
    rows = copy.deepcopy(_rows())
    assert _status(rows, name) == "MET"
    _find(rows, bench, approach, **keys)[key] = value
    assert _status(rows, name).startswith("NOT MET")


def test_target_1_names_the_options_that_meet_it_when_the_default_does_not():
    rows = _rows()
    _find(rows, "dated", "default", days=365)["total_s"] = 131.4
    status = _status(rows, "1.")
    assert status.startswith("NOT MET by the default (+71.4 s)")
    assert status.endswith("MET with aggregated streams, window-priced start")


def test_missing_and_capped_measurements_are_not_called_met():
    rows = [r for r in _rows() if r["bench"] != "dated_build"]
    rows.append({"bench": "dated_build", "approach": "direct", "days": 365,
                 "status": "not measured", "error": "tests/benchmarks/dated_build.py is missing"})
    dated = _find(rows, "region", "dated")
    dated.clear()
    dated.update({"bench": "region", "approach": "dated", "scale": 10, "days": 30,
                  "status": "stopped at cap", "error": "stopped after 300 s",
                  "peak_rss_mb": 2400.0})
    assert _status(rows, "2.") == "NOT MEASURED"
    assert _status(rows, "4.") == "PARTLY MEASURED"
    text = report.render(rows, source="x.jsonl")
    assert "dated_build.py is missing" in text and "stopped after 300 s" in text
    assert _status([r for r in rows if r["bench"] != "uncertainty"], "(e)") == "NOT MEASURED"


def test_derive_compares_optima_and_puts_the_ratios():
    direct = {"approach": "direct", "total_s": 10.0, "peak_rss_mb": 100.0, "objective_usd": -1.0}
    pyomo = {"approach": "pyomo", "total_s": 12.0, "peak_rss_mb": 150.0,
             "objective_usd": -1.0 - 1e-9}
    assert derive.derive("static", [direct, pyomo]) == []
    assert (pyomo["ratio_total_vs_direct"], pyomo["ratio_rss_vs_direct"]) == (1.2, 1.5)
    assert pyomo["optima_equal"] is True
    one = {"approach": "one-lp", "days": 90, "status": "optimal", "total_s": 30.0,
           "objective_usd": -100.0}
    arm = {"approach": "aggregated", "days": 90, "status": "optimal", "total_s": 10.0,
           "objective_usd": -100.1}
    assert derive.derive("dated", [one, arm]) == ["dated aggregated 90"]
    assert arm["optima_equal"] is False and arm["speedup_vs_exact"] == 3.0


def test_run_py_renders_from_a_run_file_without_measuring(tmp_path):
    out = tmp_path / "B.md"
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--from-jsonl", str(FIXTURE),
                    "--write", str(out)], check=True, capture_output=True)
    assert out.read_text() == report.render(_rows(), source="tests/data/benchmark-run.jsonl")


def test_a_build_without_a_solve_is_not_an_optimum_mismatch():
    direct = {"approach": "direct", "build_s": 10.0, "peak_rss_mb": 100.0, "objective_usd": None}
    pyomo = {"approach": "pyomo", "build_s": 11.0, "peak_rss_mb": 110.0, "objective_usd": None}
    assert derive.derive("dated_build", [direct, pyomo]) == []
    assert "optima_equal" not in pyomo and pyomo["ratio_total_vs_direct"] == 1.1


def _build_row(approach: str, build_s: float, peak: float, **extra) -> dict:
    return {"bench": "dated_build", "approach": approach, "days": 365, "build_s": build_s,
            "peak_rss_mb": peak, "objective_usd": None, **extra}


def test_rounds_of_a_pair_are_read_by_their_medians():
    # three rounds of (direct, pyomo); hand-computed medians: direct 1.0 s, 700 MB;
    # pyomo 1.1 s, 770 MB; per round 3.0 / 1.1 = 2.73x (a slow pyomo round), 1.1, 0.55
    rounds = [[_build_row("direct", 1.0, 700.0), _build_row("pyomo", 3.0, 770.0)],
              [_build_row("direct", 0.9, 710.0), _build_row("pyomo", 1.1, 760.0)],
              [_build_row("direct", 2.0, 690.0), _build_row("pyomo", 1.1, 780.0)]]
    direct, pyomo = derive.combine_rounds(rounds)
    assert (direct["build_s"], direct["peak_rss_mb"], direct["rounds"]) == (1.0, 700.0, 3)
    assert (pyomo["build_s"], pyomo["peak_rss_mb"]) == (1.1, 770.0)
    assert pyomo["build_s_each"] == [3.0, 1.1, 1.1]
    assert derive.derive("dated_build", [direct, pyomo]) == []
    assert pyomo["ratio_total_vs_direct"] == pytest.approx(1.1)
    assert pyomo["ratio_rss_vs_direct"] == pytest.approx(1.1)
    assert pyomo["ratio_total_each"] == pytest.approx([3.0, 1.1 / 0.9, 0.55])
    assert derive.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    text = next(t.measured for t in targets.targets(
        [r for r in _rows() if r["bench"] != "dated_build"] + [direct, pyomo])
        if t.name.startswith("2."))
    assert "medians of 3 rounds; per round 0.55-3.00x" in text


def test_a_round_that_failed_is_kept_and_not_compared():
    failed = {**_build_row("pyomo", 0.0, 0.0), "status": "failed", "error": "exit 1"}
    rounds = [[_build_row("direct", 1.0, 700.0), _build_row("pyomo", 1.1, 770.0)],
              [_build_row("direct", 1.0, 700.0), failed]]
    direct, pyomo = derive.combine_rounds(rounds)
    assert pyomo is failed and direct["rounds"] == 2
    assert derive.derive("dated_build", [direct, pyomo]) == []
    assert "ratio_total_vs_direct" not in pyomo


def test_rounds_are_interleaved_in_alternating_order(monkeypatch):
    import harness

    seen = []

    def fake(spec):
        seen.append(spec["approach"])
        return _build_row(spec["approach"], 1.0 + len(seen), 700.0)

    monkeypatch.setattr(harness, "measure", fake)
    specs = [{"bench": "dated_build", "approach": a, "rounds": 4} for a in ("direct", "pyomo")]
    direct, pyomo = harness.measure_group(specs)
    assert seen == ["direct", "pyomo", "pyomo", "direct"] * 2
    assert direct["build_s_each"] == [2.0, 5.0, 6.0, 9.0]
    assert pyomo["build_s_each"] == [3.0, 4.0, 7.0, 8.0]
    assert harness.measure_group([{"bench": "static", "approach": "direct"}]) == [
        _build_row("direct", 10.0, 700.0)]


def test_the_full_plan_measures_the_year_pair_in_rounds():
    import plan

    groups = [specs for bench, specs in plan.plan(plan.MODES["full"], lambda n: n)
              if bench == "dated_build"]
    year = [s for specs in groups for s in specs if s["days"] == 365]
    check = [s for specs in groups for s in specs if s["days"] == 30]
    assert len(year) == 4 and all(s["rounds"] == 5 and not s["solve"] for s in year)
    assert len(check) == 4 and all("rounds" not in s and s["solve"] for s in check)
