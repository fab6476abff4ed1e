"""The targets of BENCHMARKS.md, judged from the rows of one run (never typed by hand).

Each target is a function of the run's rows returning a :class:`Target`: what was measured
(with the numbers), the threshold, and a status computed from them: ``MET``, ``NOT MET`` (with
by how much), ``NOT MEASURED`` (no row, or the row's measurement failed), or for target 4,
which asks for measurements and sets no threshold, ``MEASURED`` / ``PARTLY MEASURED``.

Target 1's "linear in days" is judged as the growth exponent of ``total_s`` against days
(least squares of the logs, horizons of 30 days and more, the default arm): at most
:data:`LINEAR_EXPONENT` (1.0 is linear; the one interior-point LP grew as days^1.9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from derive import measured

LINEAR_EXPONENT = 1.2
MB_1_5_GB = 1500.0  # 1.5 GB as the issue states it (decimal), in MB of ru_maxrss / 1024
MB_4_GIB = 4096.0
MET, NOT_MET, NOT_MEASURED = "MET", "NOT MET", "NOT MEASURED"


@dataclass
class Target:
    """One line of the targets table."""

    name: str
    threshold: str
    measured: str
    status: str


def _of(rows: list[dict], bench: str) -> list[dict]:
    return [r for r in rows if r.get("bench") == bench]


def _approach(row: dict) -> str:
    """Dated approach names of older runs mapped to today's (``pyomo`` was the one LP)."""
    return "one-lp" if row.get("approach") == "pyomo" else row.get("approach", "")


def _why_not(rows: list[dict], what: str) -> str:
    """The reason a target has no usable row."""
    bad = [r for r in rows if not measured(r)]
    if bad:
        return f"{bad[0].get('status')}: {bad[0].get('error', '')}".strip(": ")
    return f"no {what} in this run"


def _exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x) (None with fewer than 2 points)."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def _exact(row: dict) -> bool:
    """An exact optimum: optimal, exact, certified routing, equal to its reference."""
    return (row.get("status") == "optimal" and row.get("exact") is not False
            and row.get("routing", "certified") == "certified"
            and row.get("optima_equal") is not False)


def _options(row: dict) -> str:
    streams = "aggregated streams" if row.get("aggregate_streams") else "per-pair streams"
    start = "window-priced start" if row.get("window_pricing") else "no window-priced start"
    return f"{streams}, {start}"


def _dated_year(rows: list[dict]) -> tuple[dict, list[dict], float | None]:
    """The 365-day rows by arm, and the default arm's growth exponent (30 days and more)."""
    dated = [r for r in _of(rows, "dated") if measured(r) and not
             {"scenario", "data", "window"} & set(r)]
    year = {_approach(r): r for r in dated if r.get("days") == 365}
    curve = [(r["days"], r["total_s"]) for r in dated
             if _approach(r) == "default" and r["days"] >= 30]
    return year, curve, _exponent(curve)


def target_1(rows: list[dict]) -> Target:
    """Exact 365-day run under 60 s and 1.5 GB, linear in days (judged on the default)."""
    threshold = (f"exact; < 60 s and < 1.5 GB (1,500 MB) at 365 days; growth exponent "
                 f"≤ {LINEAR_EXPONENT} over 30-730 days")
    year, curve, k = _dated_year(rows)
    arms = [a for a in ("default", "per-pair", "aggregated") if a in year]
    if "default" not in year:
        return Target("1. exact 365-day run", threshold,
                      _why_not([r for r in _of(rows, "dated") if r.get("days") == 365],
                               "default 365-day row"), NOT_MEASURED)
    linear = k is not None and k <= LINEAR_EXPONENT
    parts, ok = [], {}
    for a in arms:
        r = year[a]
        ok[a] = _exact(r) and r["total_s"] < 60 and r["peak_rss_mb"] < MB_1_5_GB
        parts.append(f"{a} ({_options(r)}): {r['total_s']:.1f} s, {r['peak_rss_mb']:,.0f} MB"
                     + ("" if _exact(r) else f", not exact ({r.get('status')})"))
    curve_text = ("growth exponent " + (f"{k:.2f}" if k is not None else "unknown")
                  + f" ({len(curve)} horizons, default arm)")
    measured_text = "; ".join(parts) + "; " + curve_text
    d = year["default"]
    if ok["default"] and linear:
        return Target("1. exact 365-day run", threshold, measured_text, MET)
    over = [f"{d['total_s'] - 60:+.1f} s" if d["total_s"] >= 60 else "",
            f"{d['peak_rss_mb'] - MB_1_5_GB:+,.0f} MB" if d["peak_rss_mb"] >= MB_1_5_GB else "",
            "" if linear else "not linear", "" if _exact(d) else "not exact"]
    status = f"{NOT_MET} by the default ({', '.join(x for x in over if x)})"
    others = [a for a in arms if a != "default" and ok[a]]
    if others and linear:
        status += "; MET with " + " and with ".join(_options(year[a]) for a in others)
    return Target("1. exact 365-day run", threshold, measured_text, status)


def target_2(rows: list[dict]) -> Target:
    """Pyomo build + translation of the 365-day dated LP within 1.2x of the direct builder
    (in CPU seconds and peak memory); the two LPs' optima equal wherever both were solved."""
    threshold = ("pyomo / direct ≤ 1.2 in build + translation CPU s and in peak memory at 365 "
                 "days; optima equal")
    build = _of(rows, "dated_build")
    pyomo = [r for r in build if r.get("days") == 365 and r.get("approach") == "pyomo"
             and measured(r) and r.get("ratio_total_vs_direct") is not None]
    if not pyomo:
        return Target("2. dated build vs direct", threshold,
                      _why_not([r for r in build if r.get("days") == 365],
                               "365-day dated_build pair"), NOT_MEASURED)
    year, _, _ = _dated_year(rows)
    default_agg = bool(year.get("default", {}).get("aggregate_streams", False))
    ok, parts = {}, []
    for r in pyomo:
        agg = bool(r.get("aggregate_streams"))
        checked = [x for x in build if x.get("approach") == "pyomo"
                   and bool(x.get("aggregate_streams")) == agg and "optima_equal" in x]
        equal = all(x["optima_equal"] for x in checked)
        ok[agg] = (r["ratio_total_vs_direct"] <= 1.2 and r["ratio_rss_vs_direct"] <= 1.2
                   and equal)
        days = ", ".join(str(x["days"]) for x in checked)
        each = r.get("ratio_total_each") or []
        rounds = (f" (medians of {len(each)} rounds; per round {min(each):.2f}-"
                  f"{max(each):.2f}x)" if len(each) > 1 else "")
        parts.append(f"{'aggregated' if agg else 'per-pair'}: time "
                     f"{r['ratio_total_vs_direct']:.2f}x, memory {r['ratio_rss_vs_direct']:.2f}x"
                     + rounds
                     + (f", optima {'equal' if equal else 'DIFFER'} at {days} days" if checked
                        else ", optima not compared"))
    primary = default_agg if default_agg in ok else next(iter(ok))
    status = MET if ok[primary] else NOT_MET
    if not ok[primary] and any(ok.values()):
        status += f" ({'per-pair' if primary else 'aggregated'} streams meet it)"
    return Target("2. dated build vs direct", threshold,
                  "; ".join(parts) + f" (judged on {'aggregated' if primary else 'per-pair'}"
                  " streams, the default's)", status)


def _count(x) -> int:
    return len(x) if isinstance(x, (list, tuple, dict)) else int(x or 0)


def target_3(rows: list[dict]) -> Target:
    """51-scenario dated sweep under 5 min on 2 workers, each >= 20x faster than cold."""
    threshold = "51 scenarios warm on 2 workers < 300 s; per scenario ≥ 20x cold; optima equal"
    sweep = _of(rows, "dated_sweep")
    warm = next((r for r in sweep if r.get("approach") == "warm" and measured(r)
                 and "speedup_vs_cold_per_scenario" in r), None)
    if warm is None:
        return Target("3. dated sweep", threshold, _why_not(sweep, "dated sweep pair"),
                      NOT_MEASURED)
    n, s, x = warm["scenarios"], warm["total_s"], warm["speedup_vs_cold_per_scenario"]
    text = (f"{n} scenarios in {s:.1f} s on {warm.get('workers', 2)} workers "
            f"({_count(warm.get('failed'))} failed); {x:.1f}x per scenario vs cold; optima "
            + ("equal" if warm.get("optima_equal") is not False else "differ"))
    lo, mid = warm.get("speedup_each_scenario_min"), warm.get("speedup_each_scenario_median")
    if lo is not None:  # shown beside it; the status is judged on the whole sweep's ratio
        text += (f"; each closure solved both ways, CPU cold / warm: min {lo:.1f}x, "
                 f"median {mid:.1f}x")
    misses = [f"{n} scenarios" if n < 51 or _count(warm.get("failed")) else "",
              f"{s - 300:+.0f} s" if s >= 300 else "",
              f"{x:.1f}x < 20x" if x < 20 else "",
              "optima differ" if warm.get("optima_equal") is False else ""]
    misses = [m for m in misses if m]
    return Target("3. dated sweep", threshold, text,
                  MET if not misses else f"{NOT_MET} ({', '.join(misses)})")


def target_4(rows: list[dict]) -> Target:
    """A region 10x the embedded one: static and 30-day dated build + solve measured."""
    threshold = "measured (no threshold): static and 30-day dated, 10x region"
    region = [r for r in _of(rows, "region") if (r.get("scale") or 0) >= 10]
    static = next((r for r in region if r.get("approach") == "static"), None)
    # the stage-by-stage run where it finished (plan.OPT_IN), else the mode's run to its CPU
    # budget, else a capped one
    profiled = [r for r in region if r.get("approach") == "dated-profile"]
    dated = next((r for r in profiled if not r.get("error") and not r.get("budget_stop")),
                 None) or next((r for r in profiled if not r.get("error")), None) or \
        next((r for r in region if r.get("approach") == "dated"), None) or \
        next(iter(profiled), None)
    if static is None and dated is None:
        return Target("4. region 10x", threshold, _why_not(region, "10x region row"),
                      NOT_MEASURED)
    parts, done = [], 0
    for name, r in (("static", static), ("dated", dated)):
        if r is None or not measured(r) or r.get("error"):
            why = "no row" if r is None else r.get("error") or r.get("status")
            parts.append(f"{name}: not finished ({why})")
            continue
        # a run stopped at its CPU budget is measured where it reached a restricted LP with
        # a proven gap bound (region_profile._bench_row), partly where it did not
        done += 1 if not r.get("budget_stop") or r.get("gap_bound_usd") is not None else 0.5
        wall = "" if r.get("total_s") is None else f"{r['total_s']:.1f} s, "
        reached = "" if not r.get("budget_stop") else (
            f" ({r['budget_stop']}"
            + ("" if r.get("objective_usd") is None else
               f"; restricted objective {r['objective_usd']:,.2f} USD") + ")")
        parts.append(f"{name}: {wall}{r.get('child_cpu_s') or 0:.1f} "
                     f"CPU s, {r['peak_rss_mb']:,.0f} MB, {r.get('label', '')}{reached}")
    status = "MEASURED" if done == 2 else "PARTLY MEASURED" if done else NOT_MEASURED
    return Target("4. region 10x", threshold, "; ".join(parts), status)


def _ratio_target(name: str, threshold: str, row: dict | None, rows: list[dict],
                  checks: list[tuple[str, float | None, float, bool]]) -> Target:
    """A target of ratios: ``checks`` are (label, value, bound, at_least)."""
    if row is None or any(v is None for _, v, _, _ in checks):
        return Target(name, threshold, _why_not(rows, "row"), NOT_MEASURED)
    text = "; ".join(f"{label} {v:,.2f}" for label, v, _, _ in checks)
    misses = [f"{label} {v:.2f}" for label, v, bound, at_least in checks
              if (v < bound if at_least else v > bound)]
    if row.get("optima_equal") is False:
        misses.append("optima differ")
        text += "; optima differ"
    return Target(name, threshold, text,
                  MET if not misses else f"{NOT_MET} ({', '.join(misses)})")


def older_targets(rows: list[dict]) -> list[Target]:
    """Targets (a)-(e) of the earlier issues ((c) is superseded by target 1)."""
    static = [r for r in _of(rows, "static") if r.get("approach") == "pyomo" and measured(r)]
    big = max(static, key=lambda r: r.get("variables") or 0, default=None)
    if big is not None and (big.get("variables") or 0) < 900_000:
        big = None
    out = [_ratio_target(
        "(a) static 1e6, Pyomo vs direct", "≤ 1.5x in time and in peak memory", big,
        _of(rows, "static"),
        [("time", (big or {}).get("ratio_total_vs_direct"), 1.5, False),
         ("memory", (big or {}).get("ratio_rss_vs_direct"), 1.5, False)])]
    warm = next((r for r in _of(rows, "sweep") if r.get("approach") == "warm"
                 and measured(r)), None)
    out.append(_ratio_target("(b) warm static N-1 sweep", "≥ 50x rebuild per scenario", warm,
                             _of(rows, "sweep"),
                             [("speed-up", (warm or {}).get("sweep_speedup_vs_rebuild"),
                               50, True)]))
    year, _, _ = _dated_year(rows)
    d = year.get("default")
    out.append(_ratio_target(
        "(c) 365-day run (superseded by 1)", "< 60 s and < 4 GiB (4,096 MB), default", d,
        [r for r in _of(rows, "dated") if r.get("days") == 365],
        [("seconds", (d or {}).get("total_s"), 60, False),
         ("MB", (d or {}).get("peak_rss_mb"), MB_4_GIB, False)]))
    dask = [r for r in _of(rows, "dask") if r.get("speedup_vs_1_worker") is not None]
    many = max(dask, key=lambda r: r.get("scenarios") or 0, default=None)
    if many is not None and (many.get("scenarios") or 0) < 100:
        many = None
    out.append(_ratio_target("(d) Dask, hundreds of scenarios", "≥ 1.7x on 2 workers vs 1",
                             many, _of(rows, "dask"),
                             [("speed-up", (many or {}).get("speedup_vs_1_worker"), 1.7,
                               True)]))
    u = next((r for r in _of(rows, "uncertainty") if measured(r)
              and (r.get("samples") or 0) >= 1000), None)
    out.append(_ratio_target(
        "(e) uncertainty samples", "warm ≥ 30x certified rebuild; 1,000 samples < 120 s",
        u, _of(rows, "uncertainty"),
        [("warm speed-up", (u or {}).get("ratio_median"), 30, True),
         ("end-to-end s", (u or {}).get("end_to_end_s"), 120, False)]))
    return out


def targets(rows: list[dict]) -> list[Target]:
    """Every target of the report, issue 20's first."""
    return [target_1(rows), target_2(rows), target_3(rows), target_4(rows),
            *older_targets(rows)]
