"""Compare a scenario's results with a baseline's: what moved, what it cost, what was lost."""

from __future__ import annotations

import pandas as pd

from borderflow.model.results import ResultTables

CROSSING_KEYS = ["crossing_id", "name", "direction", "from_country", "to_country"]
PRODUCT_MEASURES = ["shipped_t", "unserved_t", "spoiled_t", "lost_value_usd"]
#: the tables of :func:`compare`, as written to a run folder
COMPARISON_TABLES = ("crossing_changes", "product_changes", "cost_changes",
                     "daily_crossing_changes", "rerouted")


def crossing_changes(base: ResultTables, scen: ResultTables) -> pd.DataFrame:
    """Trucks/day per crossing and direction, summed over periods: before, after, delta.

    Only rows where either run has flow are kept, sorted by absolute change.
    """
    crossings = pd.concat([base.crossings.assign(run="before"),
                           scen.crossings.assign(run="after")], ignore_index=True)
    pairs = pd.DataFrame({"scenario": ["after"], "baseline": ["before"]})
    return crossing_changes_many(crossings, pairs).drop(columns=["scenario", "baseline"])


def crossing_changes_many(crossings: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """:func:`crossing_changes` of many (baseline, scenario) pairs in one pass (sweeps).

    Parameters
    ----------
    crossings : DataFrame
        The ``crossings`` tables of every run, with a ``run`` column naming the run.
    pairs : DataFrame
        ``scenario`` and ``baseline``: run names to compare, one row per scenario.

    Returns
    -------
    DataFrame
        ``scenario, baseline`` and the columns of :func:`crossing_changes`; scenarios in the
        order of ``pairs``, each one's rows sorted by absolute change.
    """
    keys = CROSSING_KEYS
    total = crossings.groupby(["run", *keys], as_index=False, observed=True)["flow_trucks"].sum()
    before = pairs.merge(total.rename(columns={"run": "baseline",
                                               "flow_trucks": "before_trucks"}), on="baseline")
    after = pairs.merge(total.rename(columns={"run": "scenario",
                                              "flow_trucks": "after_trucks"}), on="scenario")
    out = before.merge(after, on=["scenario", "baseline", *keys], how="outer").fillna(
        {"before_trucks": 0.0, "after_trucks": 0.0})
    out["delta_trucks"] = out["after_trucks"] - out["before_trucks"]
    status = crossings.groupby(["run", "crossing_id"], observed=True)["available"].all()
    status = status.rename("open_after").reset_index().rename(columns={"run": "scenario"})
    out = out.merge(status, on=["scenario", "crossing_id"], how="left")
    out = out[(out["before_trucks"].abs() > 1e-6) | (out["after_trucks"].abs() > 1e-6)]
    out = out.assign(abs_delta=out["delta_trucks"].abs(), order=out["scenario"].map(
        pd.Series(range(len(pairs)), index=pairs["scenario"].to_numpy())))
    out = out.sort_values(["order", "abs_delta", "crossing_id", "direction"],
                          ascending=[True, False, True, True], kind="stable")
    cols = ["scenario", "baseline", *keys, "before_trucks", "after_trucks", "delta_trucks",
            "open_after"]
    return out[cols].reset_index(drop=True)


def product_changes(base: ResultTables, scen: ResultTables) -> pd.DataFrame:
    """Shipped, unserved and spoiled tonnes per product: before, after, delta."""
    products = pd.concat([base.products.assign(run="before"),
                          scen.products.assign(run="after")], ignore_index=True)
    pairs = pd.DataFrame({"scenario": ["after"], "baseline": ["before"]})
    return product_changes_many(products, pairs).drop(columns=["scenario", "baseline"])


def product_changes_many(products: pd.DataFrame, pairs: pd.DataFrame,
                         measures: list[str] = PRODUCT_MEASURES) -> pd.DataFrame:
    """:func:`product_changes` of many (baseline, scenario) pairs in one pass; ``products``
    holds every run's ``products`` table with a ``run`` column (see
    :func:`crossing_changes_many`); ``measures``: its columns compared."""
    cols = list(measures)
    table = products[["run", "product_id", *cols]]
    before = pairs.merge(table.rename(columns={"run": "baseline"}), on="baseline")
    after = pairs.merge(table.rename(columns={"run": "scenario"}), on="scenario")
    out = before.merge(after, on=["scenario", "baseline", "product_id"], how="outer",
                       suffixes=("_before", "_after"))
    out = out.fillna({f"{c}_{side}": 0.0 for c in cols for side in ("before", "after")})
    for c in cols:
        out[f"{c}_delta"] = out[f"{c}_after"] - out[f"{c}_before"]
    out["order"] = out["scenario"].map(pd.Series(range(len(pairs)),
                                                 index=pairs["scenario"].to_numpy()))
    out = out.sort_values(["order", "product_id"], kind="stable", ignore_index=True)
    return out.drop(columns="order")


def cost_changes(base: ResultTables, scen: ResultTables) -> pd.DataFrame:
    """Objective and its parts, before and after (USD; tonnes and trucks too): every part of
    the objective (waiting at gates included, 0 on a static run), so the parts of a change add
    up to the change of the whole."""
    keys = ["objective_usd", "transport_cost_usd", "revenue_usd", "lost_value_usd",
            "waiting_cost_usd", "shipped_t", "unserved_t", "spoiled_t", "expired_in_queue_t",
            "trucks"]
    rows = [(k, base.summary[k], scen.summary[k], scen.summary[k] - base.summary[k])
            for k in keys]
    return pd.DataFrame(rows, columns=["measure", "before", "after", "delta"])


def daily_crossing_changes(base: ResultTables, scen: ResultTables) -> pd.DataFrame:
    """Trucks per crossing, direction and day: before, after and delta (rows with any flow)."""
    keys = ["crossing_id", "direction", "period"]
    cols = [*keys, "flow_trucks", "flow_t"]
    out = base.crossings[cols].merge(scen.crossings[cols], on=keys, how="outer",
                                     suffixes=("_before", "_after")).fillna(0.0)
    out["delta_trucks"] = out["flow_trucks_after"] - out["flow_trucks_before"]
    out["delta_t"] = out["flow_t_after"] - out["flow_t_before"]
    busy = (out[["flow_trucks_before", "flow_trucks_after"]].abs().sum(axis=1) > 1e-6)
    return out[busy].sort_values(keys, kind="stable", ignore_index=True)


def rerouted_per_day(base: ResultTables, scen: ResultTables) -> pd.DataFrame:
    """Tonnes per day that cross somewhere else than in the baseline, and where they went.

    ``rerouted_t`` is the sum of the increases over crossings on that day (flow that had to find
    another gate); ``via`` names the crossing that gained most.
    """
    d = daily_crossing_changes(base, scen)
    gain = d[d["delta_t"] > 1e-6]
    if gain.empty:
        return pd.DataFrame(columns=["period", "rerouted_t", "via", "via_t"])
    per_day = gain.groupby("period", as_index=False)["delta_t"].sum().rename(
        columns={"delta_t": "rerouted_t"})
    top = gain.sort_values(["period", "delta_t", "crossing_id"], ascending=[True, False, True],
                           kind="stable").groupby("period").head(1)[["period", "crossing_id",
                                                                     "delta_t"]]
    top = top.rename(columns={"crossing_id": "via", "delta_t": "via_t"})
    return per_day.merge(top, on="period").sort_values("period", ignore_index=True)


def compare(base: ResultTables, scen: ResultTables) -> dict[str, pd.DataFrame]:
    """All comparison tables: ``crossing_changes``, ``product_changes``, ``cost_changes``,
    ``daily_crossing_changes`` and ``rerouted`` (per day)."""
    return {"crossing_changes": crossing_changes(base, scen),
            "product_changes": product_changes(base, scen),
            "cost_changes": cost_changes(base, scen),
            "daily_crossing_changes": daily_crossing_changes(base, scen),
            "rerouted": rerouted_per_day(base, scen)}
