"""What each mode of ``run.py`` measures: groups of specs measured side by side.

Each spec is one measurement in a fresh subprocess (``harness.measure``). The dated arms state
their options as spec keys, so that a row means the same whatever the product default is:

- ``default``: ``RunOptions()`` as a user gets it (the row records the options it resolved
  to: ``aggregate_streams``, ``window_pricing``, ``method``);
- ``per-pair``: exact windows, one queue per (route, product) pair, no window-priced start;
- ``aggregated``: exact windows over stream queues with the window-priced start;
- ``one-lp``: the whole horizon as one interior-point LP, the optimum the exact arms are
  checked against (full mode: 30 and 90 days; at 7 days the default is this LP; past 90 days
  context only and slow: 504 s at 365 days on 30 Nov 2026).

The full mode is planned to take about 30 minutes on a quiet 2-core machine: what a target
needs, and little else.

``dated_build`` (target 2) measures the 365-day build without solving it (one interior-point
solve of that LP takes ~500 s per approach) and checks the two optima equal at 30 days. The
365-day pair is measured in 5 rounds, interleaved and in alternating order, and read by the
medians (``harness.measure_group``): one build is 1-3 CPU s, most of its spread is the
kernel's page faults (docs/notes/performance-log.md, target 2), and single pairs of the same code
read 0.55-2.6x.

``cap_s`` in a spec stops its subprocess after that many wall seconds (the row then says
``stopped at cap``). Target 4's dated arm (the 10x region, 30 days: hours to certification,
docs/performance.md) runs with a CPU budget instead (``budget_cpu_s``, 900 in the full mode;
``stop_s`` wall seconds bound it under load): it reports what it reached in the budget,
the stages' CPU seconds, peak MB and the last restricted LP objective with its gap bound
(:func:`region_profile.child`), a measurement, never "optimal".
"""

from __future__ import annotations

#: what each mode measures (see :func:`plan`)
MODES = {
    "quick": {"static_variables": [100_000], "one_lp_days": [7], "default_days": [7],
              "arm_days": [7], "sweep_scenarios": 4, "rebuild_scenarios": 4,
              "dask_scenarios": 6, "seasons": False,
              "build": {"days": 7, "solve": True, "check_days": None, "rounds": 1},
              "dated_sweep": {"days": 35, "cold": 1, "warm": 2},
              "uncertainty": {"samples": 20, "rebuild_samples": 2, "end_to_end": False},
              "region": {"scale": 1, "days": 7, "budget_cpu_s": 200, "stop_s": 600}},
    "full": {"static_variables": [100_000, 1_000_000], "one_lp_days": [30, 90],
             "default_days": [7, 30, 90, 365, 730], "arm_days": [365],
             "sweep_scenarios": None, "rebuild_scenarios": 12, "dask_scenarios": None,
             "seasons": True,
             "build": {"days": 365, "solve": False, "check_days": 30, "rounds": 5},
             "dated_sweep": {"days": 60, "cold": 4, "warm": None},
             "uncertainty": {"samples": 1000, "rebuild_samples": 10, "end_to_end": True},
             "region": {"scale": 10, "days": 30, "budget_cpu_s": 900, "stop_s": 1800}},
}

#: the region's dated run as the profile runs it (also the modes' target-4 dated arm, with a
#: CPU budget: ``budget_cpu_s``, the row then a measurement of what the run reached in it)
DATED_PROFILE = {"bench": "region", "approach": "dated-profile", "hour_bounds": True,
                 "aggregate_streams": True, "label_bound": True, "pricing_labels": 500_000,
                 "time_limit": 20_000.0, "max_mb": 8000}

#: opt-in measurements, never in a mode: ``run.py --only NAME`` runs one (its rows in the run
#: file of the mode, ``full`` unless ``--quick``). ``region-dated-10x``: issue 20's target 4,
#: the 10x region's 30-day dated run with hour bounds and stream queues
#: (:func:`region_profile.child`): build, each pricing pass and LP re-solve (CPU s), peak MB,
#: the verifier, and ``certified`` or ``restricted`` with its gap bound; it stops itself after
#: ``stop_s`` wall seconds (the row then says where, with the last gap bound). A search at
#: the label limit leaves a lower bound (``label_bound``): at 10x a 7-day first pass reached
#: the default 2,000,000 labels at 4.7 GB (docs/notes/performance-log.md, session 12), so the
#: limit is 500,000 labels, and such a pass gives a gap bound instead of "gap unknown".
OPT_IN = {
    f"region-dated-{scale}x": ("region", [{
        **DATED_PROFILE, "scale": scale, "days": 30, "instance": f"region x{scale}",
        "stop_s": stop_s, "cap_s": stop_s + 600}])
    for scale, stop_s in ((1, 3600), (2, 7200), (10, 14_400))}

#: the dated arms' options (spec keys), see the module docstring
ARMS = {"per-pair": {"aggregate_streams": False, "window_pricing": False},
        "aggregated": {"aggregate_streams": True, "window_pricing": True}}


def _dated(mode: dict, days_override: list[int] | None) -> list[tuple]:
    """The dated groups: per horizon, the one LP (short ones), the default, the explicit arms."""
    one_lp = mode["one_lp_days"]
    default = mode["default_days"]
    arms = mode["arm_days"]
    if days_override is not None:
        one_lp = [d for d in days_override if d <= 90]
        default = arms = list(days_override)
    groups = []
    for days in sorted(set(one_lp) | set(default) | set(arms)):
        base = {"bench": "dated", "days": days, "instance": "embedded"}
        specs = [{**base, "approach": "one-lp"}] if days in one_lp else []
        if days in default:
            specs.append({**base, "approach": "default"})
        if days in arms:
            specs += [{**base, "approach": arm, **keys} for arm, keys in ARMS.items()]
        groups.append(("dated", specs))
    return groups


def plan(mode: dict, instance, days_override: list[int] | None = None) -> list[tuple]:
    """The measurements of ``mode`` as ``(bench, specs)`` groups; ``instance(n)`` is the
    folder of the synthetic instance of about ``n`` static variables (written if missing)."""
    groups = []
    for n in mode["static_variables"]:
        data = str(instance(n))
        groups.append(("static", [{"bench": "static", "approach": a, "instance": f"synthetic-{n}",
                                   "data": data} for a in ("direct", "pyomo")]))
    groups += _dated(mode, days_override)
    b = mode["build"]  # target 2; the one-LP solve of 365 days takes ~500 s: optima at fewer
    for days, solve, rounds in ((b["days"], b["solve"], b["rounds"]),
                                (b["check_days"], True, 1)):
        if days is None:
            continue
        for agg in (False, True):
            groups.append(("dated_build", [
                {"bench": "dated_build", "approach": a, "days": days, "aggregate_streams": agg,
                 "solve": solve, "instance": "embedded", **({"rounds": rounds} if rounds > 1
                                                             else {})}
                for a in ("direct", "pyomo")]))
    groups.append(("sweep", [
        {"bench": "sweep", "approach": "rebuild", "instance": "embedded-n-1",
         "scenarios": mode["rebuild_scenarios"]},
        {"bench": "sweep", "approach": "warm", "instance": "embedded-n-1",
         "scenarios": mode["sweep_scenarios"]}]))
    groups.append(("dask", [{"bench": "dask", "approach": f"dask-{w}w", "workers": w,
                             "instance": "embedded-n-1", "scenarios": mode["dask_scenarios"]}
                            for w in (1, 2)]))
    if mode["seasons"]:  # hundreds of scenarios: N-1 in each month (624), target (d)
        groups.append(("dask", [{"bench": "dask", "approach": f"dask-{w}w", "workers": w,
                                 "instance": "embedded-n-1-seasons", "seasons": True,
                                 "scenarios": None} for w in (1, 2)]))
    ds = mode["dated_sweep"]  # target 3: the closures warm; a few cold for the ratio
    label = f"{ds['days']} days, 10-day closures"
    groups.append(("dated_sweep", [
        {"bench": "dated_sweep", "approach": "cold", "workers": 2, "scenarios": ds["cold"],
         "days": ds["days"], "instance": label},
        {"bench": "dated_sweep", "approach": "warm", "workers": 2, "scenarios": ds["warm"],
         "days": ds["days"], "instance": label}]))
    u = mode["uncertainty"]
    groups.append(("uncertainty", [{"bench": "uncertainty", "approach": "warm-vs-rebuild",
                                    "instance": "embedded base day", "workers": 2, **u}]))
    r = mode["region"]
    groups.append(("region", [
        {"bench": "region", "approach": "static", "scale": r["scale"],
         "instance": f"region x{r['scale']}"},
        {**DATED_PROFILE, "scale": r["scale"], "days": r["days"],
         "instance": f"region x{r['scale']}", "budget_cpu_s": r["budget_cpu_s"],
         "stop_s": r["stop_s"], "cap_s": r["stop_s"] + 300}]))
    return groups
