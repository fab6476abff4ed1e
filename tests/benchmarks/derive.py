"""Ratios and checks between the rows of one group measured side by side (``run.py``).

Pure functions of the rows: a group's optima are compared (``optima_equal``, relative
tolerance :data:`REL_TOL`) and recorded in the rows, never asserted, so that one failed
comparison does not lose the rest of a run (``run.py`` exits non-zero at the end instead).
"""

from __future__ import annotations

REL_TOL = 1e-6
#: statuses of a row that was not measured to the end
UNMEASURED = ("failed", "not measured", "stopped at cap")
#: dated approaches that are exact (checked against the group's reference optimum)
EXACT_DATED = ("default", "per-pair", "aggregated", "exact-windows")


def same(a: float | None, b: float | None) -> bool:
    """``a`` and ``b`` equal to :data:`REL_TOL` (relative; absolute below 1)."""
    if a is None or b is None:
        return False
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def all_same(a: list, b: list) -> bool:
    """Two lists of optima of equal length, equal pairwise."""
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


def measured(row: dict) -> bool:
    """The row's measurement ran to its end."""
    return row.get("status") not in UNMEASURED


#: numbers of a measurement that rounds of it are summarised by (their median)
ROUND_KEYS = ("build_s", "build_user_s", "build_sys_s", "build_minflt", "build_wall_s",
              "inputs_rss_mb", "model_rss_mb", "peak_rss_mb", "child_cpu_s", "wall_s",
              "loadavg_1min", "solve_cpu_s")


def median(values: list[float]) -> float:
    """The median of a non-empty list (the mean of the middle two of an even count)."""
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def combine_rounds(rounds: list[list[dict]]) -> list[dict]:
    """A group measured in several rounds (``rounds[i][j]``: spec ``j`` in round ``i``) as one
    row per spec: the first round's row with each of :data:`ROUND_KEYS` replaced by its median
    over the rounds, ``rounds`` (how many) and ``build_s_each`` / ``peak_rss_mb_each`` (every
    round's value, in round order). A spec whose measurement did not run to its end in some
    round is that round's row (the group is then not compared)."""
    out = []
    for j, first in enumerate(rounds[0]):
        rows = [r[j] for r in rounds]
        bad = next((r for r in rows if not measured(r)), None)
        if bad is not None:
            out.append(bad)
            continue
        row = {**first, "rounds": len(rows)}
        for key in ROUND_KEYS:
            values = [r[key] for r in rows if r.get(key) is not None]
            if len(values) == len(rows):
                row[key] = median(values)
        for key in ("build_s", "peak_rss_mb"):
            if all(r.get(key) is not None for r in rows):
                row[f"{key}_each"] = [r[key] for r in rows]
        out.append(row)
    return out


def _pair(reference: dict, row: dict, time_key: str) -> None:
    """pyomo / direct time and memory of a pair measured side by side (with rounds: the
    ratio of the medians, and ``ratio_total_each``, the ratio within each round)."""
    row["ratio_total_vs_direct"] = row[time_key] / reference[time_key]
    row["ratio_rss_vs_direct"] = row["peak_rss_mb"] / reference["peak_rss_mb"]
    each = f"{time_key}_each"
    if each in row and each in reference:
        row["ratio_total_each"] = [a / b for a, b in zip(row[each], reference[each])]
    a, b = reference.get("objective_usd"), row.get("objective_usd")
    if a is not None or b is not None:  # not when neither solved (a build alone)
        row["optima_equal"] = same(a, b)


def _dated(rows: list[dict]) -> None:
    """Exact arms against the one LP (when it ended optimal), else against the default arm."""
    ref = next((r for r in rows if r["approach"] in ("one-lp", "pyomo")
                and r.get("status") == "optimal"), None) or \
        next((r for r in rows if r["approach"] == "default" and r.get("status") == "optimal"),
             None)
    if ref is None:
        return
    for row in rows:
        if row is ref or row["approach"] not in EXACT_DATED or not measured(row):
            continue
        row["optimum_checked_against"] = ref["approach"]
        row["optima_equal"] = same(ref["objective_usd"], row.get("objective_usd"))
        if ref["approach"] in ("one-lp", "pyomo"):
            row["speedup_vs_exact"] = ref["total_s"] / row["total_s"]


def _sweep(rebuild: dict, warm: dict) -> None:
    """Rebuild / warm per scenario; optima of the rebuilt scenarios (a prefix) equal."""
    n = len(rebuild["objectives"])
    warm["optima_equal"] = all_same(rebuild["objectives"], warm["objectives"][:n])
    warm["sweep_speedup_vs_rebuild"] = rebuild["total_s"] / warm["total_s"]
    # without building the scenario's network: bound changes + HiGHS, and HiGHS alone
    warm["speedup_bounds_and_solve"] = rebuild["total_s"] / (
        warm["bounds_or_model_s"] + warm["solve_s"])
    warm["speedup_solve_only"] = rebuild["total_s"] / warm["solve_s"]


def each_scenario_ratios(cold: dict, warm: dict) -> dict:
    """Target 3's other reading, beside the whole-sweep one: for each closure solved both ways,
    its cold CPU s over its warm CPU s on its worker (the scenario alone: bounds, re-solve,
    pricing, its own routes, tables; ``cpu_s`` of :func:`dated_sweep.sweep_measure`), and
    their minimum and median (``None`` when no closure was solved both ways)."""
    cold_cpu, warm_cpu = cold.get("cpu_s") or {}, warm.get("cpu_s") or {}
    each = {n: cold_cpu[n] / warm_cpu[n] for n in sorted(cold_cpu)
            if warm_cpu.get(n) and cold_cpu[n] is not None}
    values = sorted(each.values())
    return {"speedup_each_scenario": each,
            "speedup_each_scenario_min": values[0] if values else None,
            "speedup_each_scenario_median": median(values) if values else None}


def derive(bench: str, rows: list[dict]) -> list[str]:
    """Put the group's ratios and ``optima_equal`` into ``rows``; return the labels of the
    comparisons whose optima differ (empty when all agree)."""
    if not all(measured(r) for r in rows):
        if bench == "dated":  # the arms that ran are still compared
            _dated([r for r in rows if measured(r)])
        return []
    if bench in ("static", "dated_build"):
        _pair(*rows, "total_s" if bench == "static" else "build_s")
    elif bench == "dated":
        _dated(rows)
    elif bench == "sweep":
        _sweep(*rows)
    elif bench == "dask":
        rows[1]["optima_equal"] = all_same(rows[0]["objectives"], rows[1]["objectives"])
        rows[1]["speedup_vs_1_worker"] = rows[1]["scenarios_per_s"] / rows[0]["scenarios_per_s"]
    elif bench == "dated_sweep":  # the cold subset's optima equal the warm ones
        cold, warm = rows
        warm["optima_equal"] = all_same(
            list(cold["objectives"].values()),
            [warm["objectives"].get(k) for k in cold["objectives"]])
        warm["speedup_vs_cold_per_scenario"] = cold["per_scenario_s"] / warm["per_scenario_s"]
        warm.update(each_scenario_ratios(cold, warm))
    return [f"{bench} {r.get('approach')} {r.get('days', r.get('instance', ''))}"
            for r in rows if r.get("optima_equal") is False]
