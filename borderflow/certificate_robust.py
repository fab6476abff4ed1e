r"""The optimality certificate of a robust plan, re-checked independently (``borderflow verify``
on a robust plan's folder; issue 17).

Like :mod:`borderflow.certificate` for a run, this module imports nothing from
:mod:`borderflow.model`: the pricing there (``model/robust_pricing.py``) is what it checks. It
re-derives the argument of docs/certified-routing.md ("Robust plans") and prices every route
with the certificate's own search (:func:`borderflow.certificate.check_certificate`: a
label-correcting search backward from the markets over every elementary, licensed, open route
within shelf life).

The argument
------------
The two-stage LP (bookings ``b``, per scenario ``s`` of probability ``p_s`` flows ``x_s``,
spot ``>= x_s - b`` and idle ``>= b - x_s``) has, per scenario, the rows of a run (supply,
capacity, priority, demand, destination shares) and per route its own rows (spot cover, idle
booking, right-hand side 0). The folder holds the duals ``y_s`` of each scenario's run rows as
HiGHS gave them in the two-stage model, so already weighted by ``p_s``. A route ``r`` (in the
model or not) is a block ``b, x_s, spot_s, idle_s`` whose own rows have duals making it dual
feasible exactly when the block's least linking reduced cost

.. math:: \min_{b, x \ge 0} \sum_s a_s x_s + p_s \pi c_r \max(0, x_s - b)
          + p_s \kappa c_r \max(0, b - x_s), \qquad a_s = p_s (c_r - \text{price}) + D_s(r)

is 0 (LP duality on the block; ``D_s``: the duals of scenario ``s`` the route meets, the supply
dual with a minus). The function is convex, piecewise linear and homogeneous, so it is ``>= 0``
iff it is on its extreme rays: the **spot column** of each scenario (``b = 0``, ``x_s = 1``):
:math:`p_s(1 + \pi) c_r - p_s\,\text{price} + D_s(r)`, and the **booking column** of each
non-empty subset ``S`` (``b = 1``, ``x_s = 1`` in ``S``, 0 elsewhere): :math:`\alpha_S c_r -
\beta_S\,\text{price} + \sum_{s \in S} D_s(r)` with :math:`\alpha_S = \sum_S p_s + \kappa
\sum_{\notin S} p_s`, :math:`\beta_S = \sum_S p_s`. Each is a static run's reduced cost with the
arc costs and values of time scaled by ``alpha``, the prices by ``beta``, the duals of its
scenarios summed and the closures of any of them: one call of the run certificate's search per
column kind. With every spot and booking column ``>= 0``, every unserved variable's reduced cost
``p_s penalty - pi_s >= 0``, duals of the right sign and the expected cost equal to the dual
objective ``sum_s (pi_s supply - mu_s capacity - lambda_s demand - rho_s priority limit)`` (the
own rows have right-hand side 0), the plan is optimal over every route.

Congestion tiers (docs/model.md, "Congestion at the gates") add per scenario the tier columns
:math:`z_s` and their link and tier rows, as in a run (:mod:`borderflow.certificate_congestion`)
with the tier columns' cost weighted by ``p_s``: a route of the column pays the link duals
:math:`\kappa_s` of its scenarios per truck at each gate direction (:func:`summed_links`), each
tier column's reduced cost is :math:`p_s h_k (v_p P_p + \omega/24) - \kappa_s + \sigma_s \ge
0`, and the dual objective gains :math:`-\sum \sigma_s \times` tier room per scenario.

Beyond :data:`MAX_SUBSETS_SCENARIOS` scenarios (or the plan's ``--booking-scenarios``, as its
``run.json`` records it) the ``2^k - 1`` subsets are not enumerated: the
certificate then holds only if every ``a_s >= 0`` (every term of the block is then ``>= 0``), and
says it could not re-check otherwise.

Bound of a ``restricted`` plan: for any feasible solution, ``cost >= dual objective + sum_s
sum_r a_s(r) x_s(r)`` (the spot, idle and unserved terms are ``>= 0`` with the checks above), and
a scenario's flows of (origin, product) add up to at most its supply, so the optimum over every
route is at least ``dual objective - sum_s sum_(o,p) supply x max(0, -min_r a_s(r))``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from borderflow.certificate import check_certificate

#: most scenarios whose 2^k - 1 booking subsets are enumerated
MAX_SUBSETS_SCENARIOS = 8
#: the dual tables a scenario's certificate reads, their keys and dual columns
DUALS = {"crossings": (["crossing_id", "direction", "period"],
                       ["dual_usd_per_truck", "priority_dual_usd_per_truck"]),
         "unserved": (["origin", "product_id", "period"], ["dual_usd_per_t"]),
         "market_duals": (["market", "product_id", "period"], ["dual_usd_per_t"]),
         "share_duals": (["rule_id", "side", "period"], ["dual_usd_per_t"])}


@dataclass(frozen=True)
class Column:
    """One kind of column priced: ``kind`` (``spot``, ``booking`` or ``alone``: ``a_s``, the
    bound of a restricted plan), the scenarios it ships in, and its cost weight ``alpha`` and
    price weight ``beta``."""

    kind: str
    members: tuple[int, ...]
    alpha: float
    beta: float


def columns(probabilities: Sequence[float], premium: float, unused: float, *,
            subsets: bool = True, alone: bool = False) -> list[Column]:
    """The spot column of every scenario, the booking column of every non-empty subset (if
    ``subsets``) and, if ``alone``, ``a_s`` of every scenario."""
    p = [float(x) for x in probabilities]
    k = len(p)
    out = [Column("spot", (s,), p[s] * (1.0 + premium), p[s]) for s in range(k)]
    if subsets:
        for size in range(1, k + 1):
            for members in itertools.combinations(range(k), size):
                inside = sum(p[s] for s in members)
                out.append(Column("booking", members, inside + unused * (1.0 - inside), inside))
    if alone:
        out += [Column("alone", (s,), p[s], p[s]) for s in range(k)]
    return [c for c in out if c.alpha > 0.0]


def summed_duals(duals: Sequence[Mapping[str, pd.DataFrame]], members: Sequence[int]
                 ) -> dict[str, pd.DataFrame]:
    """The dual tables of scenarios ``members`` summed key by key (a row missing from one
    scenario counts 0 there)."""
    out = {}
    for table, (keys, cols) in DUALS.items():
        parts = [duals[s][table] for s in members if table in duals[s]
                 and len(duals[s][table])]
        if not parts:
            continue
        both = pd.concat([p[keys + [c for c in cols if c in p.columns]] for p in parts],
                         ignore_index=True)
        out[table] = both.fillna(0.0).groupby(keys, as_index=False, sort=True).sum()
    return out


def column_facts(facts: Sequence, column: Column):
    """The facts a run's certificate prices ``column`` with: arc costs, tolls and values of
    time times ``alpha``, prices times ``beta``, a crossing direction closed when it is
    closed in any of the column's scenarios, the supply of any of them."""
    first = facts[column.members[0]]
    arcs = first.arcs.copy()
    arcs["cost_usd_per_truck"] = arcs["cost_usd_per_truck"] * column.alpha
    arcs["toll_usd_per_truck"] = arcs["toll_usd_per_truck"].fillna(0.0) * column.alpha
    products = first.products.copy()
    products["vot"] = products["vot"] * column.alpha
    markets = first.markets.assign(price_usd_per_t=first.markets["price_usd_per_t"] * column.beta)
    keys = ["crossing_id", "direction", "period"]
    capacity = pd.concat([facts[s].capacity for s in column.members], ignore_index=True) \
        .groupby(keys, as_index=False, sort=False)["capacity_trucks_per_day"].min()
    supply = pd.concat([facts[s].supply for s in column.members], ignore_index=True) \
        .groupby(["origin", "product_id", "period"], as_index=False, sort=False)["supply_t"].max()
    return replace(first, arcs=arcs, products=products, markets=markets, capacity=capacity,
                   supply=supply)


def summed_entries(entries: Sequence[pd.DataFrame | None],
                   duals: Sequence[Mapping[str, pd.DataFrame]], members: Sequence[int]
                   ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The gate-entry rows of scenarios ``members`` (one per key, crossing, direction and
    day; the least limit where two scenarios share a row) and their ``entry_duals`` summed
    row by row: what a column through those scenarios pays (each scenario's dual is already
    weighted by its probability). ``(None, None)``: no scenario has such rows."""
    keys = ["key", "crossing_id", "direction", "period"]
    rows = [entries[s] for s in members if entries[s] is not None and len(entries[s])]
    parts = [duals[s]["entry_duals"] for s in members if "entry_duals" in duals[s]
             and len(duals[s]["entry_duals"])]
    if not parts:
        return None, None
    own = pd.concat(rows, ignore_index=True).sort_values(
        "limit_trucks_per_day", kind="stable").drop_duplicates(keys) if rows else None
    both = pd.concat([p[keys + ["dual_usd_per_truck"]] for p in parts], ignore_index=True)
    return own, both.groupby(keys, as_index=False, sort=True)["dual_usd_per_truck"].sum()


#: a congestion table's keys of a link row (gate, direction, day, product)
LINK_KEYS = ["crossing_id", "direction", "period", "product_id"]


def summed_links(duals: Sequence[Mapping[str, pd.DataFrame]], members: Sequence[int]
                 ) -> pd.DataFrame | None:
    """The congestion link rows' duals of scenarios ``members`` summed per (gate, direction,
    day, product) (each scenario's already weighted by its probability; a row missing from
    one scenario counts 0 there), as a ``congestion`` table of one row per link whose other
    columns are 0: what a route of the column pays per truck at each gate direction it takes
    (the run certificate reads only the link duals for its routes; the tier columns' own
    checks and the dual objective are made per scenario by the caller). ``None``: no
    scenario has congestion tiers."""
    parts = [duals[s]["congestion"] for s in members if "congestion" in duals[s]
             and len(duals[s]["congestion"])]
    if not parts:
        return None
    links = pd.concat([p.drop_duplicates(LINK_KEYS)[LINK_KEYS + ["link_dual_usd_per_truck"]]
                       for p in parts], ignore_index=True)
    out = links.groupby(LINK_KEYS, as_index=False, sort=True)["link_dual_usd_per_truck"].sum()
    return out.assign(tier=1, share_low=0.0, share_high=0.0, hours=0.0, trucks=0.0,
                      tier_dual_usd_per_truck=0.0)


def price_column(facts: Sequence, nodes: pd.DataFrame,
                 duals: Sequence[Mapping[str, pd.DataFrame]], column: Column,
                 entries: Sequence[pd.DataFrame | None] | None = None) -> pd.DataFrame:
    """The least reduced cost (USD per tonne of the column, in the two-stage objective's scale)
    of ``column`` for every (origin, product): the ``routes`` table of
    :class:`borderflow.certificate.Certificate`.

    ``entries``: per scenario, its gate-entry rows (slot quotas, licences) as the verifier
    recomputes them (:func:`borderflow.verify.levers.entry_rows`); their duals (each
    scenario's ``entry_duals``, summed over the column's scenarios, :func:`summed_entries`)
    are paid per truck by every route a row counts, as in ``model/robust_pricing.py``. The
    signs of those duals and rows the scenario lacks are checked per scenario by the caller.
    With congestion tiers, the link duals of the column's scenarios are paid per truck at
    each gate direction too (:func:`summed_links`).

    Raises
    ------
    ValueError
        Nonzero gate-entry duals and no ``entries``, or a dual table the run certificate
        cannot read.
    """
    if entries is None and any(
            "entry_duals" in duals[s] and (duals[s]["entry_duals"]["dual_usd_per_truck"] != 0)
            .any() for s in column.members):
        raise ValueError("gate-entry duals given without the scenarios' gate-entry rows")
    summed = summed_duals(duals, column.members)
    links = summed_links(duals, column.members)
    if links is not None:
        summed["congestion"] = links
    own = None
    if entries is not None:
        own, table = summed_entries(entries, duals, column.members)
        if table is not None:
            summed["entry_duals"] = table
    cert = check_certificate(column_facts(facts, column), nodes, summed, 0.0, entries=own)
    return cert.routes
