"""The opt-in 10x dated measurement (tests/benchmarks/plan.py ``OPT_IN``, region_profile.py's
benchmark child): never part of a mode, its outcome never called optimal when restricted, a
stopped run's row saying where it stopped with the last gap bound, and target 4 reading it.
No solving and no timing: the rows are hand-made.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import plan  # noqa: E402
import region_profile  # noqa: E402
import targets  # noqa: E402


def test_opt_in_runs_are_in_no_mode():
    """The opt-in runs (no budget) are in no mode; each mode's target-4 dated arm is the
    profile with a CPU budget (900 CPU s in the full mode), stopping itself before the
    harness's cap."""
    for name in ("quick", "full"):
        specs = [s for _, group in plan.plan(plan.MODES[name], lambda n: Path(f"v{n}"))
                 for s in group]
        profiled = [s for s in specs if s.get("approach") == "dated-profile"]
        assert specs and len(profiled) == 1 and profiled[0]["budget_cpu_s"] <= 900
        assert profiled[0]["stop_s"] < profiled[0]["cap_s"]
    assert not any("budget_cpu_s" in spec for _, (spec,) in plan.OPT_IN.values())
    bench, (spec,) = plan.OPT_IN["region-dated-10x"]
    assert bench == "region" and spec["scale"] == 10 and spec["days"] == 30
    assert spec["hour_bounds"] and spec["aggregate_streams"] and spec["label_bound"]
    assert spec["stop_s"] < spec["cap_s"]  # the child reports before the harness kills it


def test_a_restricted_outcome_states_its_gap_bound_and_is_not_optimal():
    certified = SimpleNamespace(status="certified", reason=None, gap_bound_usd=1e-6)
    restricted = SimpleNamespace(status="restricted", reason="pricing stopped after 1 round",
                                 gap_bound_usd=70_752_270.0)
    unknown = SimpleNamespace(status="restricted", reason="label limit", gap_bound_usd=None)
    assert region_profile.outcome_label(certified) == "certified"
    text = region_profile.outcome_label(restricted)
    assert text == ("restricted (pricing stopped after 1 round; gap bound 70,752,270.00 USD)")
    assert "optimal" not in text
    assert region_profile.outcome_label(unknown).endswith("gap bound unknown)")


EVENTS = [{"stage": "translate", "cpu": 1.0},
          {"stage": "whole_lp", "cpu": 5.0, "objective_usd": -10.0},
          {"stage": "pricing", "cpu": 3.0, "gap": 500.0},
          {"stage": "warm_or_solve", "cpu": 7.0, "objective_usd": -12.0},
          {"stage": "pricing", "cpu": 3.0, "gap": 40.0},
          {"stage": "warm_or_solve", "cpu": 2.0}]  # stopped inside: no objective yet


def test_a_stopped_run_reports_the_last_lp_and_gap_bound_it_reached():
    assert region_profile.last_known(EVENTS) == {
        "passes_done": 2, "last_lp_objective_usd": -12.0, "last_gap_bound_usd": 40.0}
    row = {"error": "stopped after 100 s wall", "stage": "warm_or_solve", "events": EVENTS,
           "cpu_s": 21.0, "peak_mb": 900, **region_profile.last_known(EVENTS)}
    out = region_profile._bench_row(row)
    assert out["error"] == ("stopped after 100 s wall in warm_or_solve, after 2 pricing "
                            "pass(es); last gap bound 40 USD; no result")
    assert out["stages"]["pricing"] == {"n": 2, "cpu": 6.0}
    assert out["stages"]["warm_or_solve"] == {"n": 2, "cpu": 9.0}


def _static() -> dict:
    return {"bench": "region", "approach": "static", "scale": 10, "total_s": 30.0,
            "child_cpu_s": 178.0, "peak_rss_mb": 2106.0, "label": "certified"}


def test_target_4_reads_a_finished_profiled_dated_row():
    dated = {"bench": "region", "approach": "dated-profile", "scale": 10, "days": 30,
             "total_s": None, "child_cpu_s": 3000.0, "peak_rss_mb": 5000.0,
             "label": "restricted (pricing stopped after 2 rounds; gap bound 9.00 USD)"}
    capped = {"bench": "region", "approach": "dated", "scale": 10, "days": 30,
              "status": "stopped at cap", "error": "stopped after 180 s",
              "peak_rss_mb": 2400.0}
    (target,) = [t for t in targets.targets([_static(), capped, dated])
                 if t.name.startswith("4.")]
    assert target.status == "MEASURED"
    assert "dated: 3000.0 CPU s, 5,000 MB, restricted" in target.measured
    stopped = {**dated, "error": "stopped after 14400 s wall in pricing"}
    (target,) = [t for t in targets.targets([_static(), stopped]) if t.name.startswith("4.")]
    assert target.status == "PARTLY MEASURED" and "stopped after 14400 s" in target.measured


def test_a_run_stopped_in_the_verifier_keeps_its_result_and_says_the_check_is_missing():
    row = {"label": "certified", "objective_usd": -1.0, "error": "stopped after 900 s wall",
           "stage": "verify", "events": EVENTS, **region_profile.last_known(EVENTS)}
    out = region_profile._bench_row(row)
    assert out["label"] == "certified"
    assert out["error"] == "stopped after 900 s wall in verify (the result: certified)"


def test_a_run_stopped_at_its_budget_is_a_measurement_with_its_gap_bound():
    """Stopped at the CPU budget after two passes: no error, the last restricted LP objective
    and the last pass's gap bound, never "optimal"; target 4 then MEASURED. Stopped before
    any pass: the objective has no bound, and target 4 only PARTLY MEASURED."""
    row = {"error": "stopped at the budget of 900 CPU s", "stage": "warm_or_solve",
           "events": EVENTS, "cpu_s": 21.0, "peak_mb": 900,
           **region_profile.last_known(EVENTS)}
    out = region_profile._bench_row(row)
    assert "error" not in out and out["objective_usd"] == -12.0
    assert out["gap_bound_usd"] == 40.0
    assert out["label"] == "restricted (stopped at the budget; gap bound 40.00 USD)"
    assert out["budget_stop"] == ("stopped at the budget of 900 CPU s in warm_or_solve, "
                                  "after 2 pricing pass(es)")
    dated = {"bench": "region", "approach": "dated-profile", "scale": 10, "days": 30,
             "child_cpu_s": 905.0, "peak_rss_mb": 3000.0, **out}
    (target,) = [t for t in targets.targets([_static(), dated]) if t.name.startswith("4.")]
    assert target.status == "MEASURED" and "optimal" not in target.measured
    assert "restricted objective -12.00 USD" in target.measured
    early = EVENTS[:2]
    out = region_profile._bench_row({**row, "events": early,
                                     **region_profile.last_known(early)})
    assert out["gap_bound_usd"] is None and "gap bound unknown" in out["label"]
    (target,) = [t for t in targets.targets([_static(), {**dated, **out}])
                 if t.name.startswith("4.")]
    assert target.status == "PARTLY MEASURED"


def test_overlap_days_asks_for_exact_windows_with_that_look_ahead():
    """``--overlap-days N`` (session 22's look-ahead probe) runs exact windows looking N days
    ahead; without it the run keeps the pipeline's own rule (no windows forced)."""
    from borderflow.solvers.rolling import RollingHorizon

    args = region_profile.parser().parse_args(["region", "--overlap-days", "11"])
    rolling = region_profile.options_of(args).rolling
    assert rolling == RollingHorizon(window_days=7, overlap_days=11, exact=True)
    plain = region_profile.options_of(region_profile.parser().parse_args(["region"]))
    assert plain.rolling is None
