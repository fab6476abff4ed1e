"""A sweep's tables, rebuilt from its scenario folders: comparison, criticality, value of
capacity, investments.

- ``comparison``: one row per scenario, in plan order: status, cost and losses against its
  baseline and where the flow went (crossings that gained most);
- ``crossing_changes`` / ``product_changes``: long tables of what moved, per scenario;
- ``criticality`` (by product, by month): the cost of losing each crossing;
- ``capacity_value``: the dual value of one more truck per day at each gate, per baseline;
- ``investments`` / ``investment_ranking``: each project's benefit with vs without it.

Money is in USD per period summed over the run's periods: per representative day for a static
run, over the whole horizon (run-out tail included) for a dated one. Everything here reads the
folders (:mod:`borderflow.sweeps.partitions`) and the plan; nothing needs Dask, so a resumed
or half-finished sweep's tables can be rebuilt and tested on their own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.compare import PRODUCT_MEASURES, crossing_changes_many, product_changes_many
from borderflow.faults import fault_point
from borderflow.io import read_summary, remove_table, write_table

from .partitions import comparable_results, partition, partition_version, read_partition_table
from .plan import TOL, SweepPlan

#: crossings named in the comparison's ``top_gaining_crossings``
TOP_GAINS = 3
TABLES = ("comparison", "crossing_changes", "product_changes", "criticality",
          "criticality_by_product", "criticality_by_month", "capacity_value", "investments",
          "investment_ranking", "nk_search", "nk_worst")


def _long_changes(out: Path, pairs: list[tuple[str, str]]) -> tuple[pd.DataFrame,
                                                                     pd.DataFrame]:
    """Crossing and product changes of every ``(scenario, baseline)`` pair, in one pass
    (:func:`borderflow.compare.crossing_changes_many`), made once per version of the folders
    (the comparison and the long change tables both use them)."""
    return _long_changes_cached(tuple((s, b, partition_version(out, s), partition_version(out, b))
                                      for s, b in pairs))


@lru_cache(maxsize=8)
def _long_changes_cached(pairs: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not pairs:
        return pd.DataFrame(), pd.DataFrame()
    frame = pd.DataFrame([p[:2] for p in pairs], columns=["scenario", "baseline"])
    runs = {}
    for scenario, baseline, v_scen, v_base in pairs:
        runs[scenario], runs[baseline] = comparable_results(*v_scen), comparable_results(*v_base)
    crossings = pd.concat([r.crossings.assign(run=n) for n, r in runs.items()],
                          ignore_index=True)
    products = pd.concat([r.products.assign(run=n) for n, r in runs.items()],
                         ignore_index=True)
    # a product's net cost (transport - revenue + lost value) is compared too
    products["net_usd"] = products["transport_cost_usd"] - products["revenue_usd"] \
        + products["lost_value_usd"]
    return (crossing_changes_many(crossings, frame),
            product_changes_many(products, frame, [*PRODUCT_MEASURES, "net_usd"]))


def _top_gains(changes: pd.DataFrame) -> pd.Series:
    """Per scenario of a long change table: the crossings that gained most trucks, as text."""
    by = changes.groupby(["scenario", "crossing_id"], as_index=False)["delta_trucks"].sum()
    by = by[by["delta_trucks"] > TOL].sort_values(["scenario", "delta_trucks", "crossing_id"],
                                                   ascending=[True, False, True], kind="stable")
    top = by.groupby("scenario").head(TOP_GAINS)
    if top.empty:
        return pd.Series(dtype=object)
    text = top["crossing_id"].astype(str) + " +" + \
        top["delta_trucks"].map("{:,.1f}".format).astype(str)
    return text.groupby(top["scenario"]).agg("; ".join)


COMPARISON_COLUMNS = [
    "scenario", "role", "baseline", "status", "closed", "closed_days", "closed_set",
    "closed_group", "month", "dated",
    "days", "project", "context", "objective_usd", "cost_increase_usd",
    "transport_cost_increase_usd", "lost_value_increase_usd", "shipped_t", "shipped_change_t",
    "unserved_t", "unserved_increase_t", "spoiled_t", "spoiled_increase_t", "rerouted_trucks",
    "top_gaining_crossings", "explanation", "solve_seconds", "iterations", "warm_start",
    "message"]
#: a cost change below this (USD) is no change: it gets an explanation, and ranks as a tie
ZERO_USD = 0.5


def _horizon_days(scenario) -> tuple[bool, int]:
    """(dated, days the run covers): a dated horizon's days, or the days a static
    representative day stands for (its month, or 365)."""
    h = scenario.horizon
    if h.start is not None:
        return True, int(h.days)
    return False, len(h.representative_days())


def explain_zero_cost(row: dict, baseline_flow_trucks: float | None) -> str:
    """Why a solved scenario costs nothing against its baseline, in a sentence (``""`` when
    it costs something or was not compared).

    Parameters
    ----------
    row : dict
        A comparison row (``cost_increase_usd, closed, closed_days, dated, days,
        rerouted_trucks``).
    baseline_flow_trucks : float, optional
        For a single-crossing closure: the trucks the closed gate carried in the baseline
        (summed over the run's days).
    """
    cost = row.get("cost_increase_usd")
    if cost is None or pd.isna(cost) or abs(cost) >= ZERO_USD:
        return ""
    closed, closed_days, days = row.get("closed"), row.get("closed_days"), row.get("days")
    if isinstance(closed, str) and closed:  # a closure (NaN in a table row: none)
        if not baseline_flow_trucks or baseline_flow_trucks <= TOL:
            return f"{closed} carried no freight in the baseline, so closing it changes nothing"
        if not row.get("dated") and closed_days and days and closed_days < days:
            return (f"a static run averages the closure: {closed_days} closed days of {days} "
                    f"leave {1 - closed_days / days:.0%} of the gate's daily capacity, enough "
                    "for its baseline flow; a dated horizon sees the closure day by day")
    if not row.get("rerouted_trucks"):
        return ("no flow moved: what the scenario changes is not on a route in use (a gate or "
                "supply the baseline does not use, or a new gate no cheaper than the routes "
                "used)")
    return "the flow moved to other gates at no extra cost (spare capacity on routes as cheap)"


def comparison_table(out: Path | str, plan: SweepPlan) -> pd.DataFrame:
    """One row per scenario, in plan order: status, cost and losses against its baseline and
    where the flow went (crossings that gained most, trucks summed over the run's days)."""
    out = Path(out)
    rows, pairs = [], []
    for e in plan.entries:
        s = read_summary(partition(out, e.name))
        if s is None or s.get("fingerprint") != e.fingerprint:
            s = {"status": "not_run"}
        b = read_summary(partition(out, e.baseline)) or {}
        row = {**e.row(), "status": s["status"], "message": s.get("message", "")}
        row["dated"], row["days"] = _horizon_days(e.scenario)
        for k in ("objective_usd", "shipped_t", "unserved_t", "spoiled_t", "solve_seconds",
                  "iterations", "warm_start"):
            row[k] = s.get(k)
        both = s["status"] == "optimal" and b.get("status") == "optimal"
        for col, key, sign in (("cost_increase_usd", "objective_usd", 1),
                               ("transport_cost_increase_usd", "transport_cost_usd", 1),
                               ("lost_value_increase_usd", "lost_value_usd", 1),
                               ("shipped_change_t", "shipped_t", 1),
                               ("unserved_increase_t", "unserved_t", 1),
                               ("spoiled_increase_t", "spoiled_t", 1)):
            row[col] = sign * (s[key] - b[key]) if both else None
        row["rerouted_trucks"], row["top_gaining_crossings"], row["explanation"] = None, "", ""
        if both:
            pairs.append((e.name, e.baseline))
        rows.append(row)
    df = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    changes, _ = _long_changes(out, pairs)
    if len(changes):
        gained = changes[changes["delta_trucks"] > TOL]
        rerouted = gained.groupby("scenario")["delta_trucks"].sum()
        compared = df["scenario"].isin([p[0] for p in pairs])
        df.loc[compared, "rerouted_trucks"] = df.loc[compared, "scenario"].map(
            rerouted).fillna(0.0).to_numpy(dtype=float)
        gains = _top_gains(changes).to_dict()
        df.loc[compared, "top_gaining_crossings"] = [
            gains.get(n, "") for n in df.loc[compared, "scenario"]]
    own = _own_flow(changes, df) if len(changes) else {}
    df["explanation"] = [explain_zero_cost(r, own.get(r["scenario"]))
                         for r in df.to_dict(orient="records")]
    return _typed(df, ["closed_days", "month", "days", "iterations"], ["objective_usd",
                  "cost_increase_usd", "transport_cost_increase_usd", "lost_value_increase_usd",
                  "shipped_t", "shipped_change_t", "unserved_t", "unserved_increase_t",
                  "spoiled_t", "spoiled_increase_t", "rerouted_trucks", "solve_seconds"])


def _own_flow(changes: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, float]:
    """Scenario -> trucks its closed crossing carried in the baseline (closures only)."""
    closed = comparison.dropna(subset=["closed"]).set_index("scenario")["closed"]
    own = changes[changes["crossing_id"] == changes["scenario"].map(closed)]
    return own.groupby("scenario")["before_trucks"].sum().to_dict()


def _typed(df: pd.DataFrame, ints: list[str], floats: list[str]) -> pd.DataFrame:
    for c in ints:
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    for c in floats:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _changes(out: Path, plan: SweepPlan, comparison: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                              pd.DataFrame]:
    """Long tables of crossing and product changes of every solved non-baseline scenario."""
    compared = comparison[comparison["cost_increase_usd"].notna()]
    cross, prod = _long_changes(out, list(zip(compared["scenario"], compared["baseline"])))
    keep = compared.loc[compared["role"] != "baseline", "scenario"]
    if len(cross):
        cross = cross[cross["scenario"].isin(keep)]
    if len(prod):
        prod = prod[prod["scenario"].isin(keep)].rename(
            columns={"net_usd_delta": "cost_increase_usd"})
    cross_cols = ["scenario", "crossing_id", "name", "direction", "from_country", "to_country",
                  "before_trucks", "after_trucks", "delta_trucks", "open_after"]
    prod_cols = ["scenario", "product_id", "cost_increase_usd", "shipped_t_before",
                 "shipped_t_after", "shipped_t_delta", "unserved_t_before", "unserved_t_after",
                 "unserved_t_delta", "spoiled_t_before", "spoiled_t_after", "spoiled_t_delta",
                 "lost_value_usd_delta"]
    c = cross[cross_cols].reset_index(drop=True) if len(cross) else pd.DataFrame(
        columns=cross_cols)
    p = prod[prod_cols].reset_index(drop=True) if len(prod) else pd.DataFrame(
        columns=prod_cols)
    return c, p


def criticality_tables(plan: SweepPlan, comparison: pd.DataFrame,
                       crossing_delta: pd.DataFrame, product_delta: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Criticality of crossings from the sweep's single-crossing closures.

    Returns
    -------
    criticality : DataFrame
        One row per closure scenario: the crossing, month, days closed, cost of its loss
        (USD, against the baseline), unserved and spoiled tonnes more, the trucks it carried in
        the baseline, where they went, and the rank (1 = costliest) among closures of the same
        month and length.
    by_product : DataFrame
        The cost and losses of each closure per product (cost = transport − revenue + value
        not shipped of that product; waiting costs are not split by product).
    by_month : DataFrame
        Cost of each crossing's loss (rows) per month (columns), if the sweep has several
        months; else empty.
    """
    names = dict(zip(plan.tables.crossings["crossing_id"], plan.tables.crossings["name"]))
    c = comparison[(comparison["role"] == "scenario") & comparison["closed"].notna()].copy()
    cols = ["crossing_id", "name", "month", "closed_days", "scenario", "status",
            "cost_increase_usd", "unserved_increase_t", "spoiled_increase_t",
            "baseline_flow_trucks", "rerouted_trucks", "top_gaining_crossings", "rank"]
    if c.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(), pd.DataFrame()
    c["crossing_id"] = c["closed"]
    c["name"] = c["crossing_id"].map(names)
    before = crossing_delta.assign(own=crossing_delta["crossing_id"] == crossing_delta[
        "scenario"].map(dict(zip(c["scenario"], c["crossing_id"]))))
    carried = before[before["own"]].groupby("scenario")["before_trucks"].sum()
    c["baseline_flow_trucks"] = c["scenario"].map(carried).fillna(0.0)
    # ranked to the dollar: costs equal to the dollar share a rank (ties are ties)
    c["rank"] = c["cost_increase_usd"].round(0).groupby(
        [c["month"], c["closed_days"]], dropna=False).rank(method="min",
                                                           ascending=False).astype("Int64")
    c = c.sort_values(["month", "closed_days", "rank", "cost_increase_usd", "crossing_id"],
                      ascending=[True, True, True, False, True], kind="stable",
                      na_position="last")[cols].reset_index(drop=True)
    p = product_delta.merge(c[["scenario", "crossing_id", "month", "closed_days", "rank"]],
                            on="scenario")
    p = p.rename(columns={"unserved_t_delta": "unserved_increase_t",
                          "spoiled_t_delta": "spoiled_increase_t",
                          "shipped_t_delta": "shipped_change_t"})
    pcols = ["crossing_id", "product_id", "month", "closed_days", "cost_increase_usd",
             "unserved_increase_t", "spoiled_increase_t", "shipped_change_t"]
    moved = p[pcols[4:]].abs().max(axis=1) > TOL
    p = p[moved].sort_values(["month", "closed_days", "rank", "cost_increase_usd",
                              "product_id"], ascending=[True, True, True, False, True],
                             kind="stable")[pcols].reset_index(drop=True)
    months = c["month"].dropna().unique()
    wide = pd.DataFrame()
    if len(months) > 1:
        wide = c.pivot_table(index="crossing_id", columns="month", values="cost_increase_usd",
                             aggfunc="max")
        wide.columns = [f"m{int(m):02d}_usd" for m in wide.columns]
        wide["max_usd"] = wide.max(axis=1)
        wide["worst_month"] = wide.drop(columns="max_usd").idxmax(axis=1).str[1:3].astype(int)
        wide = wide.sort_values(["max_usd"], ascending=False, kind="stable").reset_index()
    return c, p, wide


def capacity_value_table(out: Path | str, plan: SweepPlan) -> pd.DataFrame:
    """Value of crossing capacity in each baseline: dual prices of the capacity rows.

    One row per baseline, crossing and direction with capacity: mean capacity and flow (trucks
    per day), utilisation, the dual price (USD per extra truck on a day: mean and max over the
    run's days), the days it binds, and ``value_usd_per_extra_truck_per_day``: what one more
    truck per day over the whole run is worth (the duals summed over the days; for a static
    run the dual itself). Sorted by that value.
    """
    out = Path(out)
    parts = []
    for e in plan.entries:
        s = read_summary(partition(out, e.name)) or {}
        if e.role != "baseline" or s.get("status") != "optimal":
            continue
        cr = read_partition_table(out, e.name, "crossings")
        cr = cr[cr["capacity_trucks_per_day"] > 0]
        if cr.empty:
            continue
        g = cr.groupby(["crossing_id", "name", "direction", "from_country", "to_country",
                        "status"], as_index=False).agg(
            capacity_trucks_per_day=("capacity_trucks_per_day", "mean"),
            flow_trucks_per_day=("flow_trucks", "mean"), utilisation=("utilisation", "mean"),
            dual_mean_usd_per_truck=("dual_usd_per_truck", "mean"),
            dual_max_usd_per_truck=("dual_usd_per_truck", "max"),
            binding_days=("dual_usd_per_truck", lambda d: int((d > TOL).sum())),
            value_usd_per_extra_truck_per_day=("dual_usd_per_truck", "sum"))
        parts.append(g.assign(baseline=e.name, month=e.scenario.horizon.month))
    cols = ["baseline", "month", "crossing_id", "name", "direction", "from_country",
            "to_country", "status", "capacity_trucks_per_day", "flow_trucks_per_day",
            "utilisation", "dual_mean_usd_per_truck", "dual_max_usd_per_truck", "binding_days",
            "value_usd_per_extra_truck_per_day"]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    order = {n: k for k, n in enumerate(plan.names())}
    df["_b"] = df["baseline"].map(order)
    df = df.sort_values(["_b", "value_usd_per_extra_truck_per_day", "crossing_id", "direction"],
                        ascending=[True, False, True, True], kind="stable")
    return _typed(df[cols].reset_index(drop=True), ["month", "binding_days"], [])


def investment_tables(plan: SweepPlan, comparison: pd.DataFrame
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Benefit of each project under each context scenario, and the ranking.

    ``benefit_usd`` = objective without the project − objective with it (USD; positive: the
    project saves that much), with the unserved and spoiled tonnes it avoids. The ranking
    orders projects by their mean benefit over the contexts (baseline(s) and disruptions
    alike; projects whose mean benefits are equal to the dollar share a rank), and shows the
    benefit in the baseline and the context where it is worth most (only where the benefit is
    positive: a project that saves nothing anywhere is worth most nowhere).
    """
    cols = ["project", "kind", "crossing_id", "context", "context_role", "status",
            "objective_with_usd", "objective_without_usd", "benefit_usd",
            "unserved_avoided_t", "spoiled_avoided_t"]
    rank_cols = ["rank", "project", "kind", "crossing_id", "contexts", "benefit_baseline_usd",
                 "benefit_mean_usd", "benefit_max_usd", "worth_most_under"]
    inv = comparison[comparison["role"] == "investment"]
    if inv.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=rank_cols)
    by_name = comparison.set_index("scenario")
    projects = {p.name: p for p in plan.projects}
    rows = []
    for r in inv.itertuples(index=False):
        p, ctx = projects[r.project], by_name.loc[r.context]
        variant, base = by_name.loc[r.scenario], ctx
        with_, without = (variant, base) if p.with_events else (base, variant)
        ok = with_["status"] == "optimal" and without["status"] == "optimal"
        status = "optimal" if ok else f"{with_['status']}/{without['status']}"
        rows.append({"project": p.name, "kind": p.kind, "crossing_id": p.crossing_id,
                     "context": r.context, "context_role": ctx["role"], "status": status,
                     "objective_with_usd": with_["objective_usd"],
                     "objective_without_usd": without["objective_usd"],
                     "benefit_usd": without["objective_usd"] - with_["objective_usd"]
                     if ok else np.nan,
                     "unserved_avoided_t": without["unserved_t"] - with_["unserved_t"]
                     if ok else np.nan,
                     "spoiled_avoided_t": without["spoiled_t"] - with_["spoiled_t"]
                     if ok else np.nan})
    df = pd.DataFrame(rows, columns=cols)
    ranking = []
    for name, g in df.groupby("project", sort=False):
        good = g[g["status"] == "optimal"]
        base = good.loc[good["context_role"] == "baseline", "benefit_usd"]
        best = good.sort_values(["benefit_usd", "context"], ascending=[False, True],
                                kind="stable").head(1)
        ranking.append({"project": name, "kind": g["kind"].iloc[0],
                        "crossing_id": g["crossing_id"].iloc[0], "contexts": len(good),
                        "benefit_baseline_usd": base.mean() if len(base) else np.nan,
                        "benefit_mean_usd": good["benefit_usd"].mean() if len(good) else np.nan,
                        "benefit_max_usd": good["benefit_usd"].max() if len(good) else np.nan,
                        "worth_most_under": best["context"].iloc[0]
                        if len(best) and best["benefit_usd"].iloc[0] >= ZERO_USD else ""})
    rank = pd.DataFrame(ranking)
    rank = rank.sort_values(["benefit_mean_usd", "project"], ascending=[False, True],
                            kind="stable", na_position="last").reset_index(drop=True)
    rank.insert(0, "rank", rank["benefit_mean_usd"].round(0).rank(
        method="min", ascending=False).astype("Int64"))
    return df, rank[rank_cols]


def sweep_tables(out: Path | str, plan: SweepPlan) -> dict[str, pd.DataFrame]:
    """Every table of a sweep, rebuilt from its scenario folders (see :data:`TABLES`)."""
    out = Path(out)
    comparison = comparison_table(out, plan)
    cross, prod = _changes(out, plan, comparison)
    crit, crit_p, crit_m = criticality_tables(plan, comparison, cross, prod)
    inv, rank = investment_tables(plan, comparison)
    return {"comparison": comparison, "crossing_changes": cross, "product_changes": prod,
            "criticality": crit, "criticality_by_product": crit_p,
            "criticality_by_month": crit_m, "capacity_value": capacity_value_table(out, plan),
            "investments": inv, "investment_ranking": rank, **_nk(out, plan, comparison)}


def _nk(out: Path, plan: SweepPlan, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The N-k tables of an N-k sweep (:func:`borderflow.sweeps.nk.nk_tables`), else none
    (and an earlier sweep's are removed)."""
    if plan.nk is None:
        return {"nk_search": pd.DataFrame(), "nk_worst": pd.DataFrame()}
    from .nk import nk_tables

    return nk_tables(out, plan, comparison)


def write_sweep_tables(out: Path | str, plan: SweepPlan) -> dict[str, pd.DataFrame]:
    """Rebuild the sweep's tables from its scenario folders and write them (CSV + parquet,
    atomically) at the top of ``out``; tables with no rows are not written (and removed)."""
    tables = sweep_tables(out, plan)
    for name, df in tables.items():
        if len(df):
            write_table(out, name, df)
        else:  # none of an earlier sweep's rows stay behind
            remove_table(out, name)
        fault_point(f"sweep:write:{name}")
    return tables
