"""The static (representative-day) LP written directly as numpy/scipy arrays for highspy.

An independent second formulation of ``docs/model.md`` § *Static horizon*, used as the speed
limit of the Pyomo pipeline and as a cross-check of its optimum. It takes the same inputs (the
:class:`~borderflow.model.network.FreightNetwork` calendars and the enumerated
:class:`~borderflow.model.routes.RouteSet`) but shares no code with
``borderflow.model.formulation`` or ``borderflow.model.terms``:

- columns: ``x`` per eligible (route, product) pair (t/day), then ``u`` per (origin, product)
  supply row (t/day unserved), all ``>= 0``; ``x = 0`` if a crossing of its route is closed;
- supply balance: ``sum x + u = supply`` (t/day);
- crossing capacity per crossing and direction: loaded trucks ``x / payload`` plus returning
  empties ``share * x / payload`` in the opposite direction ``<= capacity`` (trucks/day);
- market demand where finite: ``sum x <= demand`` (t/day);
- objective: ``sum (cost - price) x + sum value * u`` (USD/day).

Dated horizons (queues, ageing) and priority lanes are not written here: a dated or prioritised
network raises ``NotImplementedError``.
"""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from borderflow.solvers.highs import new_highs  # a silent Highs (no banner on stdout)


def static_lp(net, routes) -> tuple[highspy.HighsLp, dict]:
    """The static LP of ``net`` and ``routes`` as a column-wise ``highspy.HighsLp``.

    Returns the LP and its size (``variables``, ``constraints``, ``nonzeros``).
    """
    if net.dated or not net.priority.empty:
        raise NotImplementedError("the direct LP covers static runs without priority lanes")
    period = int(net.periods["period"].iloc[0])
    pairs = routes.eligible.reset_index(drop=True)
    n_x = len(pairs)
    products = net.products
    payload = products.loc[pairs["product_id"], "payload_t_per_truck"].to_numpy(float)

    # supply rows and unserved columns
    supply = net.supply[net.supply["period"] == period].reset_index(drop=True)
    n_u = len(supply)
    srow = pd.MultiIndex.from_frame(supply[["origin", "product_id"]])
    x_srow = srow.get_indexer(pd.MultiIndex.from_frame(pairs[["origin", "product_id"]]))
    assert (x_srow >= 0).all(), "a route-product pair without a supply row"

    # capacity rows: loaded direction and the returning empties' opposite direction
    rc = routes.route_arcs[routes.route_arcs["kind"] == "crossing"]
    use = pairs[["route_id"]].reset_index().rename(columns={"index": "col"}).merge(
        rc[["route_id", "element_id", "direction"]], on="route_id")
    share = net.tables.parameter("empty_return_share", 0.0)
    back = use.assign(direction=use["direction"].map({"a_to_b": "b_to_a", "b_to_a": "a_to_b"}))
    use_coef = 1.0 / payload[use["col"].to_numpy()]
    cap = net.capacity[net.capacity["period"] == period]
    cap = cap.set_index(["crossing_id", "direction"])["capacity_trucks_per_day"]
    keys = pd.MultiIndex.from_frame(use[["element_id", "direction"]])
    back_keys = pd.MultiIndex.from_frame(back[["element_id", "direction"]])
    crow_keys = keys.append(back_keys).unique() if share > 0 else keys.unique()
    crow = pd.MultiIndex.from_tuples(list(crow_keys), names=["crossing_id", "direction"])

    # demand rows where finite
    dem = net.demand[(net.demand["period"] == period) & net.demand["demand_t"].notna()]
    dem = dem.reset_index(drop=True)
    drow = pd.MultiIndex.from_frame(dem[["market", "product_id"]])
    x_drow = drow.get_indexer(pd.MultiIndex.from_frame(pairs[["market", "product_id"]]))
    has_d = x_drow >= 0

    n_c, n_d = len(crow), len(dem)
    r_cap, r_dem = n_u, n_u + n_c
    rows = [x_srow, np.arange(n_u), r_cap + crow.get_indexer(keys), r_dem + x_drow[has_d]]
    cols = [np.arange(n_x), n_x + np.arange(n_u), use["col"].to_numpy(), np.flatnonzero(has_d)]
    vals = [np.ones(n_x), np.ones(n_u), use_coef, np.ones(int(has_d.sum()))]
    if share > 0:
        rows.append(r_cap + crow.get_indexer(back_keys))
        cols.append(use["col"].to_numpy())
        vals.append(share * use_coef)
    n_rows, n_cols = n_u + n_c + n_d, n_x + n_u
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_rows, n_cols))
    A.sum_duplicates()
    A.sort_indices()

    price = net.demand[net.demand["period"] == period].set_index(["market", "product_id"])[
        "price_usd_per_t"]
    x_price = price.reindex(pd.MultiIndex.from_frame(pairs[["market", "product_id"]])).to_numpy()
    cost = np.concatenate([pairs["cost_usd_per_t"].to_numpy(float) - x_price,
                           products.loc[supply["product_id"], "penalty_usd_per_t"]
                           .to_numpy(float)])
    col_upper = np.full(n_cols, np.inf)
    closed = cap[cap <= 0].index
    shut = use["col"].to_numpy()[keys.isin(closed)]
    col_upper[shut] = 0.0
    row_lower = np.concatenate([supply["supply_t"].to_numpy(float), np.full(n_c + n_d, -np.inf)])
    row_upper = np.concatenate([supply["supply_t"].to_numpy(float),
                                cap.reindex(crow).to_numpy(float),
                                dem["demand_t"].to_numpy(float)])

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    lp.sense_ = highspy.ObjSense.kMinimize
    return lp, {"variables": n_cols, "constraints": n_rows, "nonzeros": int(A.nnz)}


def load(lp: highspy.HighsLp, *, threads: int = 1, seed: int = 0, solver: str = "choose",
         time_limit_s: float = 3600.0) -> highspy.Highs:
    """A silent ``highspy.Highs`` holding ``lp``, with the pipeline's settings (1 thread, fixed
    seed, presolve on; ``solver`` as HiGHS names it)."""
    h = new_highs()
    for name, value in (("threads", threads), ("random_seed", seed), ("presolve", "on"),
                        ("solver", solver), ("time_limit", time_limit_s)):
        h.setOptionValue(name, value)
    h.passModel(lp)
    return h


def solve(h: highspy.Highs) -> float:
    """Run HiGHS; return the optimal objective (USD/day). ``RuntimeError`` unless optimal."""
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"direct LP ended '{h.modelStatusToString(status)}'")
    return float(h.getInfo().objective_function_value)
