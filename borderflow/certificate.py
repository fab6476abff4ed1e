r"""The optimality certificate of a static run, re-checked independently (``borderflow verify``).

Dated runs: :mod:`borderflow.certificate_dated` (same report, same duals plus the initial
queues').

A solution ``x`` of the path LP and duals ``y`` prove each other optimal when ``x`` is feasible
(the verifier's primal checks, :mod:`borderflow.verify`), ``y`` is feasible for the dual of the
*full* path LP -- every route of every product, not only those in the model, has a reduced cost
``>= 0`` -- and the two objectives are equal. This module checks the last two from the result
tables, the exported duals and the input tables, with its own code: it imports nothing from
:mod:`borderflow.model` (the pricing there is what it checks), and it finds the least reduced
cost of every (origin, product) by a different algorithm, a *label-correcting* search backward
from the markets over states ``(node, countries entered)`` with Pareto sets of (cost, hours)
labels, processed first-in-first-out until no label improves (the pricing uses a screen by
Dijkstra and an A* label-setting search forward from each origin).

Duals read (minimisation; a ``<=`` row's dual as a non-negative price)
-----------------------------------------------------------------------
=======================================  ==========================================================
table.column                             dual
=======================================  ==========================================================
crossings.dual_usd_per_truck             capacity row of (crossing, direction, period), >= 0
crossings.priority_dual_usd_per_truck    priority-lane row (non-perishables), >= 0 (0 if absent)
unserved.dual_usd_per_t                  supply balance of (origin, product, period), free
market_duals.dual_usd_per_t              demand row of (market, product, period), >= 0 (rows of
                                         capped markets the model has; others are 0)
share_duals.dual_usd_per_t               destination-share row of (rule, side, period), HiGHS's
                                         sign: >= 0 on a low side, <= 0 on a high side (rows the
                                         model has; others are 0)
entry_duals.dual_usd_per_truck           gate-entry row of (event, crossing, direction, period),
                                         >= 0 (:mod:`borderflow.certificate_entry`)
congestion.*_dual_usd_per_truck          congestion link and tier rows, >= 0
=======================================  ==========================================================

Every dual is used as exported (not clipped): one of the wrong sign fails ``dual_sign``.

Checks (rows in the verifier's report format: check, entity, amount, unit, tolerance, ok)
------------------------------------------------------------------------------------------
=================  =================================================================================
check              what must hold
=================  =================================================================================
route_dual         no route of any product has a negative reduced cost: for each (origin,
                   product) the least, over every elementary path to a market buying the product
                   that is licensed, open, within shelf life and enters no country twice, of
                   ``(running x cost factor + tolls + sum over crossings of fee + mu + sigma mu'
                   + [not perishable] rho + epsilon + kappa) / payload + vot x hours + lambda
                   + s - price - pi`` (``epsilon``: the gate-entry duals of rows counting the
                   route; ``kappa``: congestion link duals, :mod:`.certificate_congestion`)
                   with ``s = -sum_r a_r(m) y_r`` over the share rows covering (origin,
                   product, market), ``a_r(m) = [m in the region] - band end`` (amount: how
                   far below 0); arc costs, tolls and values of time are the verifier's own,
                   recomputed from the input tables (:mod:`borderflow.verify.terms`)
unserved_dual      ``penalty - pi >= 0`` (the unserved variable's reduced cost), unless the
                   product must be delivered (its unserved is bounded to 0)
dual_sign          capacity, priority, market duals >= 0; share duals >= 0 (low), <= 0 (high)
duality_gap        ``objective = sum pi x supply - sum mu x capacity - sum lambda x demand -
                   sum rho x priority limit - sum epsilon x entry limit - sum sigma_k x tier
                   room`` (USD; amount: the absolute difference)
entry_dual         no gate-entry dual on a row the scenario does not have or does not limit
congestion_dual    every congestion tier column's reduced cost ``>= 0``
=================  =================================================================================

Tolerance: ``max(1e-6, 1e-6 x scale)`` as in the verifier; for a route, the largest term of its
reduced cost (price, |pi|).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.certificate_congestion import congestion_duals
from borderflow.certificate_entry import crossing_extra, entry_duals
from borderflow.certificate_labels import least_reduced_costs
from borderflow.certificate_shares import share_by_day

REL_TOL, ABS_TOL = 1e-6, 1e-6  # relative tolerance (the verifier's), absolute floor
REPORT_COLUMNS = ["check", "entity", "amount", "unit", "tolerance", "ok"]
ROUTE_COLUMNS = ["origin", "product_id", "period", "supply_t", "min_reduced_cost_usd_per_t",
                 "route", "tolerance", "ok"]
_OTHER = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}


@dataclass
class Certificate:
    """The re-checked certificate of a run.

    Attributes
    ----------
    routes : DataFrame
        One row per (origin, product, period): supply (t), the least reduced cost found over
        every route (USD/t; ``inf`` if the product has no route from there), the route (arc ids
        joined by ``>``), tolerance and ok.
    checks : DataFrame
        Report rows (check, entity, amount, unit, tolerance, ok) for the verifier's table.
    dual_objective_usd : float
        The dual objective (``duality_gap`` above; dated: ``+ sum eta x initial trucks``).
    other_shortfall_usd : float
        Columns other than routes that may price out, times their most (dated runs: initial
        queue entries' trucks x how far their bound is below 0), USD.
    """

    routes: pd.DataFrame
    checks: pd.DataFrame
    dual_objective_usd: float = float("nan")
    other_shortfall_usd: float = 0.0
    #: routes' shortfall times their most flow (USD) when supply alone does not bound a day's
    #: flows (stock at origins, :func:`borderflow.certificate_stock.stock_shortfall`)
    route_shortfall_usd: float | None = None

    @property
    def ok(self) -> bool:
        """True if every check passed."""
        return bool(self.checks["ok"].all())

    @property
    def lower_bound_usd(self) -> float:
        """A lower bound on the optimum over every route (USD): for any solution ``x`` of the
        full path LP, ``c x >= dual objective + sum_r rc_r x_r``, and the flows of an (origin,
        product, period) add up to at most its supply, so ``c x >= dual objective - sum supply x
        max(0, -least reduced cost)``. With the duality gap closed it bounds how far the run's
        objective can be from the optimum (:attr:`gap_bound_usd`)."""
        rc = self.routes["min_reduced_cost_usd_per_t"].to_numpy(dtype=float)
        short = np.where(np.isfinite(rc), np.maximum(0.0, -rc), 0.0)
        routes = float((self.routes["supply_t"].to_numpy() * short).sum()) \
            if self.route_shortfall_usd is None else self.route_shortfall_usd
        return self.dual_objective_usd - routes - self.other_shortfall_usd

    def gap_bound_usd(self, objective_usd: float) -> float:
        """How much lower the optimum over every route can be than ``objective_usd`` (USD)."""
        return max(0.0, objective_usd - self.lower_bound_usd)

    @property
    def min_reduced_cost_usd_per_t(self) -> float:
        """The most negative reduced cost found over all (origin, product, period)."""
        rc = self.routes["min_reduced_cost_usd_per_t"].replace(np.inf, np.nan)
        return float(rc.min()) if rc.notna().any() else float("inf")


def _tol(scale) -> np.ndarray:
    return np.maximum(ABS_TOL, REL_TOL * np.abs(np.asarray(scale, dtype=float)))


def _report(check: str, entity, amount, unit: str, scale) -> pd.DataFrame:
    amount = np.asarray(amount, dtype=float).reshape(-1)
    tol = np.broadcast_to(_tol(scale), amount.shape)
    return pd.DataFrame({"check": check, "entity": np.asarray(entity, dtype=object),
                         "amount": amount, "unit": unit, "tolerance": tol, "ok": amount <= tol})


def _dual_map(df: pd.DataFrame | None, keys: list[str], col: str) -> dict:
    if df is None or df.empty or col not in df.columns:
        return {}
    return {tuple(k): float(v) for k, v in zip(df[keys].itertuples(index=False, name=None),
                                                df[col].fillna(0.0))}


def dual_maps(results: Mapping[str, pd.DataFrame]) -> tuple[dict, dict, dict, dict, dict]:
    """The exported duals by key: capacity ``mu`` and priority ``rho`` per (crossing,
    direction, period), supply ``pi`` per (origin, product, period), market ``lambda`` per
    (market, product, period), destination shares per (rule, side, period); absent tables and
    rows are 0."""
    cross = ["crossing_id", "direction", "period"]
    return (_dual_map(results["crossings"], cross, "dual_usd_per_truck"),
            _dual_map(results["crossings"], cross, "priority_dual_usd_per_truck"),
            _dual_map(results["unserved"], ["origin", "product_id", "period"], "dual_usd_per_t"),
            _dual_map(results.get("market_duals"), ["market", "product_id", "period"],
                      "dual_usd_per_t"),
            _dual_map(results.get("share_duals"), ["rule_id", "side", "period"],
                      "dual_usd_per_t"))


def check_certificate(facts, nodes: pd.DataFrame, results: Mapping[str, pd.DataFrame],
                      objective_usd: float, must_deliver: tuple[str, ...] = (),
                      entries: pd.DataFrame | None = None) -> Certificate:
    """Re-check the certificate of a static run.

    Parameters
    ----------
    facts : borderflow.verify.Facts
        The inputs as the verifier recomputes them (products, arcs, licences, markets) and the
        scenario's calendar (capacity, supply, priority, empty_share).
    nodes : DataFrame
        ``node_id, country`` of the input nodes.
    results : mapping of DataFrame
        ``crossings`` (crossing_id, direction, period, dual_usd_per_truck[,
        priority_dual_usd_per_truck]), ``unserved`` (origin, product_id, period,
        dual_usd_per_t), ``market_duals`` (market, product_id, period, dual_usd_per_t;
        optional if no market is capped), ``share_duals`` (rule_id, side, period,
        dual_usd_per_t; optional if the model has no destination-share rows; the rules
        themselves are ``facts.shares``).
    objective_usd : float
        The run's objective (summary.json).
    must_deliver : tuple of str
        Products whose unserved is bounded to 0 (no unserved_dual check for them).
    entries : DataFrame, optional
        The scenario's gate-entry rows (slot quotas, dispatch holds, licences) as the verifier
        recomputes them (:func:`borderflow.verify.levers.entry_rows`); their duals are read
        from ``results["entry_duals"]`` (:mod:`borderflow.certificate_entry`).

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        For a dated run (use :func:`borderflow.certificate_dated.check_dated_certificate`) or
        a results table without the dual columns.
    """
    if facts.dated:
        raise ValueError("a dated run's certificate prices (route, dispatch day, gate day) "
                         "columns: use borderflow.certificate_dated.check_dated_certificate")
    for table, col in (("crossings", "dual_usd_per_truck"), ("unserved", "dual_usd_per_t")):
        if col not in results[table].columns:
            raise ValueError(f"results table '{table}' has no column '{col}': the run did not "
                             "export its duals")
    country = dict(zip(nodes["node_id"], nodes["country"]))
    mu, rho, pi, lam, share_y = dual_maps(results)
    rules = {rule.rule_id: rule for rule in getattr(facts, "shares", ()) or ()}
    unknown = sorted({r for r, _, _ in share_y} - set(rules))
    if unknown:
        raise ValueError(f"share_duals names rules the inputs do not have: {', '.join(unknown)}")
    share = share_terms(rules, share_y)
    checks = [_signs(mu, rho, lam), _share_signs(share_y)]
    gate = entry_duals(entries, results.get("entry_duals"), _report)
    cong = congestion_duals(results, facts, _report)  # static runs with congestion tiers
    checks += gate.checks + cong.checks
    cap = facts.capacity
    closed = {(c, d) for c, d, k in zip(cap["crossing_id"], cap["direction"],
                                        cap["capacity_trucks_per_day"]) if k <= 0}
    gates = list(zip(cap["crossing_id"].tolist(), cap["direction"].tolist()))
    sigma = float(facts.empty_share)
    routes = []
    period = 0
    for pid, prod in facts.products.iterrows():
        origins = sorted(facts.supply.loc[facts.supply["product_id"] == pid, "origin"])
        if not origins:
            continue
        mk = facts.markets[facts.markets["product_id"] == pid]
        prices = list(zip(mk["market"].tolist(), mk["price_usd_per_t"].tolist()))
        payload = float(prod["payload_t"])
        perishable = prod["perishable"]
        # raw duals: a dual of the wrong sign is a dual_sign failure, not clipped away
        weight = {(c, d): mu.get((c, d, period), 0.0)
                  + sigma * mu.get((c, _OTHER[d], period), 0.0)
                  + (0.0 if perishable else rho.get((c, d, period), 0.0))
                  + cong.kappa.get((c, d, period, pid), 0.0)
                  for c, d in gates}
        info = {"cost_factor": prod["cost_factor"], "shelf_h": prod["shelf_h"],
                "perishable": prod["perishable"], "payload_t": payload,
                "vot": float(prod.get("vot", 0.0)),
                "licensed": frozenset(c for c, lic in facts.licences.items()
                                      if lic is None or pid in lic)}
        # market ends and gate-entry duals -> origins with those
        groups: dict[tuple, list[str]] = {}
        for o in origins:
            ends = {}
            for m, price in prices:
                value = payload * (lam.get((m, pid, period), 0.0) - float(price)
                                   + share.get((o, pid, m), 0.0))
                ends[m] = min(value, ends.get(m, np.inf))
            paid = gate.per_truck(o, pid)
            extra = {(c, d): crossing_extra(paid, c, d, period) for c, d in weight}
            groups.setdefault((tuple(sorted(ends.items())),
                               tuple(sorted((k, v) for k, v in extra.items() if v))),
                              []).append(o)
        least = {}
        for (ends, extra), members in groups.items():
            added = dict(extra)
            least.update(least_reduced_costs(
                facts.arcs, country, info, members, dict(ends),
                {k: v + added.get(k, 0.0) for k, v in weight.items()}, closed))
        supply = facts.supply[facts.supply["product_id"] == pid].groupby("origin")["supply_t"].sum()
        scale_price = float(mk["price_usd_per_t"].max()) if len(mk) else 0.0
        for o in origins:
            p_o = pi.get((o, pid, period), 0.0)
            cost, route = least.get(o, (np.inf, []))
            rc = cost / payload - p_o
            tol = float(_tol(max(scale_price, abs(p_o))))
            routes.append((o, pid, period, float(supply.get(o, 0.0)), rc, ">".join(route), tol,
                           bool(rc >= -tol)))
    table = pd.DataFrame(routes, columns=ROUTE_COLUMNS)
    checks.append(pd.DataFrame({
        "check": "route_dual", "entity": (table["origin"] + "/" + table["product_id"]).to_numpy(),
        "amount": np.maximum(0.0, -table["min_reduced_cost_usd_per_t"].to_numpy()) + 0.0,
        "unit": "USD/t", "tolerance": table["tolerance"].to_numpy(),
        "ok": table["ok"].to_numpy()}))
    checks.append(_unserved_check(facts, pi, must_deliver))
    dual = _dual_objective(facts, mu, rho, pi, lam) + gate.dual_objective_usd \
        + cong.dual_objective_usd
    checks.append(_report("duality_gap", "objective", abs(objective_usd - dual), "USD",
                          max(abs(objective_usd), abs(dual))))
    return Certificate(routes=table, checks=pd.concat(checks, ignore_index=True),
                       dual_objective_usd=dual)


def share_terms(rules: Mapping, duals: Mapping) -> dict:
    """What the destination-share rows add to a route's reduced cost, per (origin, product,
    market), USD/t: ``-sum_r ([market in the rule's region] - band end of r) x y_r`` over the
    rows ``r`` = (rule, side, period) with dual ``y_r`` whose rule covers the origin, the
    product and the market (a Chinese market of the rule's products).

    Parameters
    ----------
    rules : mapping
        rule_id -> rule with ``origins``, ``products``, ``markets`` (the region's), ``china``
        (every Chinese market of the products), ``low``, ``high``
        (:class:`borderflow.data.destinations.ShareRule`, the dataset's meaning of its rows).
    duals : mapping
        (rule_id, side, period) -> dual (HiGHS's sign: >= 0 low, <= 0 high).
    """
    out: dict = {}
    for (o, p, _), ends in share_by_day(rules, duals).items():  # a static run: one day, 0
        for m, term in ends.items():
            out[(o, p, m)] = out.get((o, p, m), 0.0) + term
    return out


def _share_signs(duals: Mapping) -> pd.DataFrame:
    """A low side's dual must be >= 0 (a ``>=`` row), a high side's <= 0 (a ``<=`` row)."""
    ent = [f"share {r}/{side}" for r, side, _ in duals]
    wrong = [max(0.0, -y) if side == "low" else max(0.0, y) for (_, side, _), y in duals.items()]
    return _report("dual_sign", ent, wrong, "USD/t", 0.0)


def _signs(mu: dict, rho: dict, lam: dict) -> pd.DataFrame:
    rows = [(f"{name} {'/'.join(map(str, k))}", -v) for name, d in
            (("capacity", mu), ("priority", rho), ("market", lam)) for k, v in d.items()]
    ent = [r[0] for r in rows]
    return _report("dual_sign", ent, [max(0.0, r[1]) for r in rows], "USD", 0.0)


def _unserved_check(facts, pi: dict, must_deliver: tuple[str, ...]) -> pd.DataFrame:
    s = facts.supply[~facts.supply["product_id"].isin(must_deliver)]
    penalty = facts.products["penalty_usd_per_t"].reindex(s["product_id"]).to_numpy()
    p = np.array([pi.get((o, pid, int(t)), 0.0) for o, pid, t in
                  zip(s["origin"], s["product_id"], s["period"])])
    return _report("unserved_dual", (s["origin"] + "/" + s["product_id"]).to_numpy(),
                   np.maximum(0.0, p - penalty), "USD/t", penalty)


def _dual_objective(facts, mu: dict, rho: dict, pi: dict, lam: dict) -> float:
    """The dual objective (USD): right-hand sides of the rows times their (raw) duals; the
    destination-share rows' right-hand sides are 0, so they add nothing."""
    s = facts.supply
    dual = sum(pi.get((o, pid, int(t)), 0.0) * float(v) for o, pid, t, v in
               zip(s["origin"], s["product_id"], s["period"], s["supply_t"]))
    cap = facts.capacity
    dual -= sum(mu.get((c, d, int(t)), 0.0) * float(k) for c, d, t, k in
                zip(cap["crossing_id"], cap["direction"], cap["period"],
                    cap["capacity_trucks_per_day"]))
    demand = dict(zip(zip(facts.markets["market"], facts.markets["product_id"]),
                      facts.markets["demand_t_per_day"]))
    for (m, pid, _), v in lam.items():
        d = demand.get((m, pid), np.nan)
        if v != 0 and not np.isfinite(d):
            raise ValueError(f"market dual of ({m}, {pid}) is {v:g} but its demand is unbounded")
        if v != 0:
            dual -= v * float(d)
    if rho and not facts.priority.empty:
        share = {(c, d, int(t)): float(v) for c, d, t, v in zip(
            facts.priority["crossing_id"], facts.priority["direction"],
            facts.priority["period"], facts.priority["perishable_share"])}
        kap = {(c, d, int(t)): float(k) for c, d, t, k in zip(
            cap["crossing_id"], cap["direction"], cap["period"], cap["capacity_trucks_per_day"])}
        dual -= sum(v * (1.0 - share.get(key, 0.0)) * kap.get(key, 0.0)
                    for key, v in rho.items() if key in share)
    return float(dual)
