"""The views of a sweep and of a robust plan (see :mod:`borderflow.present.views`).

A sweep may mix static scenarios (amounts per representative day) and dated ones (amounts
over their days), so money and tonnes carry a unit per row; a closure's length is said in
words (``all days (representative day)``, ``10 of 31 days, averaged``, ``10 days``) rather than
as the 365 days a representative day stands for. Ranks are shared by ties (``=2``), and a
scenario that costs nothing says why (:func:`borderflow.sweeps.analysis.explain_zero_cost`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from borderflow.present.names import Names, add_names, label_directions, short_name
from borderflow.present.numbers import fmt
from borderflow.present.views import Column, View


def _unit(dated, days, base: str) -> str:
    """``USD/day`` for a static run, ``USD`` for a dated one."""
    return base if _is_dated(dated) else f"{base}/day"


def _is_dated(dated) -> bool:
    return bool(dated) and not pd.isna(dated)


def horizon_words(month, dated, days) -> str:
    """``"representative day, month 12"``, ``"representative day (year)"``, ``"31 days"``."""
    if _is_dated(dated):
        return f"{int(days):,} days"
    return "representative day, month " + str(int(month)) if not pd.isna(month) and month \
        else "representative day (year)"


def closure_words(closed_days, dated, days) -> str:
    """How long a closure lasts, in words that do not mistake a representative day's 365
    days for a horizon."""
    if pd.isna(closed_days):
        return ""
    closed_days, days = int(closed_days), int(days)
    if _is_dated(dated):
        return f"{closed_days:,} of {days:,} days"
    if closed_days >= days:
        return "all days"
    return f"{closed_days} of {days} days, averaged"


def tie_ranks(rank: pd.Series, groups: list[pd.Series] | None = None) -> list[str]:
    """Ranks as text, ``=2`` where two rows share a rank (within ``groups``)."""
    key = pd.DataFrame({"rank": rank, **{f"g{k}": g for k, g in enumerate(groups or [])}})
    shared = key.duplicated(keep=False)
    return ["" if pd.isna(r) else (f"={int(r)}" if s else str(int(r)))
            for r, s in zip(rank, shared)]


def _gains(changes: pd.DataFrame, scenarios: pd.DataFrame, top: int = 3) -> dict[str, str]:
    """Scenario -> ``"Kim Thanh–Hekou +12.0; Tan Thanh–Puzhai +3.1"`` (trucks per day)."""
    if changes is None or changes.empty:
        return {}
    days = scenarios.set_index("scenario")
    per = changes.assign(per_day=[d / (days.at[s, "days"] if _is_dated(days.at[s, "dated"])
                                       else 1) for s, d in zip(changes["scenario"],
                                                               changes["delta_trucks"])])
    by = per.groupby(["scenario", "crossing_id"], as_index=False).agg(
        name=("name", "first"), per_day=("per_day", "sum"))
    by = by[by["per_day"] > 0.05].sort_values(["scenario", "per_day", "crossing_id"],
                                              ascending=[True, False, True], kind="stable")
    return {s: "; ".join(f"{short_name(n)} +{fmt(v, 'trucks/day', with_unit=False)}"
                         for n, v in zip(g["name"], g["per_day"]))
            for s, g in by.groupby("scenario").head(top).groupby("scenario")}


def scenario_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """Each scenario against its baseline: cost, tonnes lost, where the flow went, and why a
    scenario costs nothing."""
    comp = tables["comparison"]
    scen = comp[comp["role"] == "scenario"].sort_values("cost_increase_usd", ascending=False,
                                                          na_position="first", kind="stable")
    scen = scen.head(top).copy()
    scen["horizon"] = [horizon_words(m, d, n) for m, d, n in
                       zip(scen["month"], scen["dated"], scen["days"])]
    scen["usd_unit"] = [_unit(d, n, "USD") for d, n in zip(scen["dated"], scen["days"])]
    scen["t_unit"] = [_unit(d, n, "t") for d, n in zip(scen["dated"], scen["days"])]
    gains = _gains(tables.get("crossing_changes"), comp)
    scen["flow_went_to"] = [gains.get(s, "") for s in scen["scenario"]]
    notes = [f"{r.scenario}: {r.explanation}" for r in scen.itertuples()
             if isinstance(r.explanation, str) and r.explanation]
    routing = routing_note(comp)
    if routing:
        notes.insert(0, routing)
    cols = [Column("scenario", "scenario"), Column("status", "status"),
            Column("horizon", "horizon"),
            Column("cost_increase_usd", "cost change", signed=True, unit_column="usd_unit"),
            Column("usd_unit", "unit"),
            Column("unserved_increase_t", "not shipped, change", signed=True, unit_column="t_unit"),
            Column("spoiled_increase_t", "spoiled, change", signed=True, unit_column="t_unit"),
            Column("t_unit", "unit"),
            Column("flow_went_to", "flow went to (trucks/day)")]
    return View("scenarios", "scenarios against their baseline (change = scenario minus "
                             "baseline; failed first)", cols, scen.reset_index(drop=True), notes)


def routing_note(comp: pd.DataFrame, shown: int = 5) -> str:
    """How optimal the solved scenarios and baselines are, in a sentence: how many are
    certified optimal over every route, and the restricted ones with their gap bounds (USD;
    per day for a static scenario, summed over the run for a dated one)."""
    if "routing" not in comp:
        return ""
    solved = comp[comp["status"] == "optimal"]
    if solved.empty:
        return ""
    certified = int((solved["routing"] == "certified").sum())
    head = (f"routing: {certified} of {len(solved)} solved scenarios and baselines certified "
            "optimal over every route (column generation)")
    restricted = solved[solved["routing"] != "certified"]
    if restricted.empty:
        return head
    gaps = restricted["gap_bound_usd"].astype(float)
    order = restricted.assign(gap_shown=gaps.fillna(np.inf)).sort_values(
        ["gap_shown", "scenario"], ascending=[False, True], kind="stable")
    listed = ", ".join(f"{r.scenario} (" + ("gap unknown" if not np.isfinite(r.gap_shown)
                                             else f"gap <= {r.gap_shown:,.0f} USD") + ")"
                       for r in order.head(shown).itertuples())
    more = f" and {len(order) - shown} more" if len(order) > shown else ""
    return (f"{head}; {len(restricted)} restricted, optimal over their routes only (pricing "
            f"rounds ran out or off, or a dated run): {listed}{more}")


def criticality_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """The cost of losing each crossing, ranked within closures of the same month and
    length (``=k``: a tie)."""
    crit = tables["criticality"]
    comp = tables["comparison"].set_index("scenario")
    if crit.empty:
        return View("criticality", "criticality", [], crit)
    c = crit.copy()
    c["dated"] = c["scenario"].map(comp["dated"])
    c["days"] = c["scenario"].map(comp["days"])
    c["rank_shown"] = tie_ranks(c["rank"], [c["month"], c["closed_days"]])
    c["closure"] = [closure_words(k, d, n) for k, d, n in zip(c["closed_days"], c["dated"],
                                                             c["days"])]
    c["horizon"] = [horizon_words(m, d, n) for m, d, n in zip(c["month"], c["dated"],
                                                             c["days"])]
    c["usd_unit"] = [_unit(d, n, "USD") for d, n in zip(c["dated"], c["days"])]
    c["t_unit"] = [_unit(d, n, "t") for d, n in zip(c["dated"], c["days"])]
    c["baseline_trucks_per_day"] = [t / (n if _is_dated(d) else 1) for t, d, n in
                                    zip(c["baseline_flow_trucks"], c["dated"], c["days"])]
    c["crossing"] = [short_name(n) for n in c["name"]]
    gains = _gains(tables.get("crossing_changes"), tables["comparison"])
    c["flow_went_to"] = [gains.get(s, "") for s in c["scenario"]]
    cols = [Column("rank_shown", "#"), Column("crossing", "crossing"),
            Column("crossing_id", "id"), Column("horizon", "horizon"),
            Column("closure", "closed"),
            Column("cost_increase_usd", "cost of the loss", signed=True, unit_column="usd_unit"),
            Column("usd_unit", "unit"),
            Column("unserved_increase_t", "not shipped, change", signed=True, unit_column="t_unit"),
            Column("baseline_trucks_per_day", "trucks/day before", "trucks/day"),
            Column("flow_went_to", "flow went to (trucks/day)")]
    notes = []
    if (c["closure"].str.endswith("averaged")).any():
        notes.append("'averaged': a static run spreads the closed days over the days the "
                     "representative day stands for, as reduced capacity; solve a dated "
                     "horizon to see the queue")
    if (c["cost_increase_usd"].abs() < 0.5).any():
        notes.append("a cost of 0: the gate carried nothing, or others took its flow at the "
                     "same cost (see the scenarios table)")
    return View("criticality", "criticality: cost of losing each crossing (rank within "
                               "closures of the same horizon; =k: a tie)", cols,
                c.head(top).reset_index(drop=True), notes)


def by_month_view(tables: Mapping[str, pd.DataFrame], top: int,
                  names: Names | None = None) -> View:
    """Cost of each crossing's loss (rows) per month (columns), USD per representative day."""
    wide = tables["criticality_by_month"]
    if wide.empty:
        return View("criticality_by_month", "criticality by month", [], wide)
    w = add_names(wide, "crossing_id", (names or Names()).crossings, "crossing")
    w["crossing"] = [short_name(n) for n in w["crossing"]]
    months = [c for c in wide.columns if c.startswith("m") and c.endswith("_usd")]
    cols = [Column("crossing", "crossing"), Column("crossing_id", "id"),
            *[Column(m, m[1:3], "USD/day", signed=True) for m in months],
            Column("worst_month", "worst", "count")]
    return View("criticality_by_month", "criticality by month: cost of the loss, USD per "
                                        "representative day of the month", cols,
                w.head(top).reset_index(drop=True))


def capacity_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """Value of one more truck per day of capacity at the gates that bind, per baseline."""
    v = tables["capacity_value"]
    v = v[v["dual_max_usd_per_truck"] > 1e-6] if len(v) else v
    if v.empty:
        return View("capacity_value", "value of capacity", [], v)
    v = label_directions(v)
    v = v.assign(crossing=[short_name(n) for n in v["name"]])
    cols = [Column("baseline", "baseline"), Column("crossing", "crossing"),
            Column("crossing_id", "id"), Column("dir", "dir"),
            Column("utilisation", "util.", "share"),
            Column("dual_mean_usd_per_truck", "USD per extra truck (mean, open days)",
                   "USD/truck"),
            Column("binding_days", "days full", "count")]
    return View("capacity_value", "value of capacity: what one more truck per day would save "
                                  "(the capacity row's dual)", cols,
                v.head(top).reset_index(drop=True))


def investment_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """Projects ranked by their mean benefit over the contexts (=k: a tie); "worth most
    under" only where a project saves something."""
    r = tables["investment_ranking"]
    if r.empty:
        return View("investment_ranking", "investment ranking", [], r)
    r = r.copy()
    r["rank_shown"] = tie_ranks(r["rank"])
    cols = [Column("rank_shown", "#"), Column("project", "project"), Column("kind", "kind"),
            Column("benefit_baseline_usd", "benefit, baseline", "USD", signed=True),
            Column("benefit_mean_usd", "benefit, mean", "USD", signed=True),
            Column("benefit_max_usd", "benefit, max", "USD", signed=True),
            Column("worth_most_under", "worth most under")]
    none = r[(r["benefit_max_usd"].fillna(0).abs() < 0.5)]
    notes = [("benefit = net cost without the project minus with it (positive: it saves), "
              "per day for static contexts")]
    if len(none):
        notes.append(f"{len(none)} of {len(r)} projects save nothing in any context: the "
                     "gates they add or widen are not needed (the flow has cheaper routes "
                     "with room)")
    return View("investment_ranking", "investment ranking: benefit with vs without the "
                                      "project (USD)", cols, r.head(top).reset_index(drop=True),
                notes)


def nk_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """The costliest sets of crossings closed together (an N-k sweep), with what their gates
    cost closed one at a time and how each cost is known."""
    worst = tables.get("nk_worst", pd.DataFrame())
    if worst is None or worst.empty:
        return View("nk_worst", "costliest closures together", [], pd.DataFrame())
    w = worst.copy()
    w["rank_shown"] = tie_ranks(w["rank"])
    w["how"] = [("bounds met" + (", confirmed by a solve" if c else "")) if s ==
                "exact_by_bound" else "solved" for s, c in zip(w["status"],
                                                               w["confirmed_by_solve"])]
    cols = [Column("rank_shown", "#"), Column("crossings", "closed together"),
            Column("cost_increase_usd", "cost", "USD/day", signed=True),
            Column("alone_usd", "closed one at a time, summed", "USD/day", signed=True),
            Column("interaction_usd", "extra from closing together", "USD/day", signed=True),
            Column("unserved_increase_t", "not shipped, change", "t/day", signed=True),
            Column("how", "how known"), Column("routing", "routing")]
    notes = ["extra from closing together = cost minus the sum of the single closures' costs "
             "(> 0: the gates back each other up)"]
    return View("nk_worst", "costliest sets of crossings closed together (representative "
                            "day; =k: a tie)", cols, w.head(top).reset_index(drop=True), notes)


def criticality_bands_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """``sweep --samples``: how often each closure ranks in the top k, with its band."""
    c = tables.get("criticality_bands")
    if c is None or c.empty:
        return View("criticality_bands", "criticality with bands", [], pd.DataFrame())
    k = int(c["top_k"].iloc[0])
    cols = [Column("crossing_id", "id"), Column("baseline", "baseline"),
            Column("p_top_k", f"P(top {k})", "share"),
            Column("cost_increase_point", "cost of the loss", "USD/day", signed=True),
            Column("cost_increase_p10", "P10", "USD/day", signed=True),
            Column("cost_increase_p50", "P50", "USD/day", signed=True),
            Column("cost_increase_p90", "P90", "USD/day", signed=True),
            Column("rank_p50", "median rank", "-")]
    notes = [f"P(top {k}): share of the samples of ranges.csv in which the closure is among "
             f"the {k} costliest of its baseline's single closures (ties share the better "
             "rank); each scenario and sample priced with its own duals (bands.json: "
             "routing)"]
    return View("criticality_bands", f"criticality with bands: P(top {k}) over "
                f"{int(c['samples'].max())} samples", cols, c.head(top).reset_index(drop=True),
                notes)


def investment_bands_view(tables: Mapping[str, pd.DataFrame], top: int) -> View:
    """``sweep --samples``: P(benefit > 0) of each project in each context, with its band."""
    b = tables.get("investment_bands")
    if b is None or b.empty:
        return View("investment_bands", "investments with bands", [], pd.DataFrame())
    cols = [Column("project", "project"), Column("context", "under"),
            Column("p_positive", "P(benefit > 0)", "share"),
            Column("benefit_point", "benefit", "USD/day", signed=True),
            Column("p10", "P10", "USD/day", signed=True),
            Column("p50", "P50", "USD/day", signed=True),
            Column("p90", "P90", "USD/day", signed=True)]
    return View("investment_bands", "investments with bands: benefit with vs without (USD/day)",
                cols, b.head(top).reset_index(drop=True),
                ["P(benefit > 0): share of samples in which the project saves more than "
                 "half a dollar a day"])


def sweep_views(tables: Mapping[str, pd.DataFrame], top: int,
                names: Names | None = None) -> list[View]:
    """Every view of a sweep (empty ones left out by the printer)."""
    return [scenario_view(tables, top), criticality_view(tables, top),
            by_month_view(tables, top, names), capacity_view(tables, top),
            investment_view(tables, top), nk_view(tables, top),
            criticality_bands_view(tables, top), investment_bands_view(tables, top)]


# --------------------------------------------------------------------------- robust plans

def robust_views(scenarios: pd.DataFrame, plan_crossings: pd.DataFrame, summary: Mapping,
                 crossings: pd.DataFrame) -> list[View]:
    """The plan that assumed nothing closes against the robust plan, per scenario and in
    expectation (net value, USD per day), and the bookings that move (trucks per day)."""
    s = scenarios.copy()
    s["net_value_baseline_plan_usd"] = -s["cost_usd_baseline"]
    s["net_value_robust_plan_usd"] = -s["cost_usd_robust"]
    s["extra_cost_of_baseline_plan_usd"] = s["regret_usd"]
    expected = pd.DataFrame([{
        "scenario": "expected", "probability": None,
        "net_value_baseline_plan_usd": -summary["expected_cost_usd_baseline"],
        "net_value_robust_plan_usd": -summary["expected_cost_usd_robust"],
        "extra_cost_of_baseline_plan_usd": summary["value_of_robust_plan_usd"]}])
    rows = pd.concat([s, expected], ignore_index=True)
    cols = [Column("scenario", "scenario"), Column("probability", "probability", "share"),
            Column("net_value_baseline_plan_usd", "net value, baseline plan", "USD/day"),
            Column("net_value_robust_plan_usd", "net value, robust plan", "USD/day"),
            Column("extra_cost_of_baseline_plan_usd", "extra cost of the baseline plan",
                   "USD/day", signed=True)]
    notes = [("net value = revenue minus costs (spot premium and idle bookings included); "
              "extra cost of the baseline plan = its net value short of the robust plan's: "
              "negative where the robust plan pays for bookings that scenario did not need")]
    if "expected_congestion_cost_usd_robust" in summary:  # congestion tiers (docs/model.md)
        notes.append(f"delay in the congestion tiers included: expected "
                     f"{summary['expected_congestion_cost_usd_robust']:,.0f} USD/day with the "
                     f"robust plan, {summary['expected_congestion_cost_usd_baseline']:,.0f} with "
                     "the baseline plan (per scenario: scenarios.csv congestion_usd_*)")
    views = [View("scenarios", "robust plan vs the plan that assumed nothing closes, USD per "
                               "day", cols, rows, notes)]
    moved = plan_crossings[plan_crossings["delta_trucks_per_day"].abs() > 0.05]
    moved = label_directions(moved, crossings)
    moved = add_names(moved, "crossing_id",
                      {i: short_name(n) for i, n in zip(crossings["crossing_id"],
                                                       crossings["name"])}, "crossing")
    views.append(View("bookings", "bookings that change, trucks per day", [
        Column("crossing", "crossing"), Column("crossing_id", "id"), Column("dir", "dir"),
        Column("baseline_trucks_per_day", "baseline plan", "trucks/day"),
        Column("robust_trucks_per_day", "robust plan", "trucks/day"),
        Column("delta_trucks_per_day", "change, robust minus baseline", "trucks/day",
               signed=True)], moved.reset_index(drop=True)))
    return views


__all__ = ["by_month_view", "capacity_view", "closure_words", "criticality_view",
           "horizon_words", "investment_view", "robust_views", "scenario_view", "sweep_views",
           "tie_ranks"]
