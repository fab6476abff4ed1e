"""Bounds on the cost of closing k gates at once, from the single closures' solutions.

The proof is in ``docs/n-k.md``; in short, for a static run (one representative day) and a
set ``S`` of gates, with ``v(T)`` the optimal objective with the gates ``T`` closed:

- **lower** (``lower_usd``): for every ``i`` in ``S``,
  ``v(S) >= v({i}) + sum_{g in S - i} sum_{rows r of g} y_r * K_r``, where ``y_r >= 0`` is the
  dual price of capacity row ``r`` (USD per truck) in the optimum of ``{i}`` closed and
  ``K_r`` its capacity (trucks/day). The optimal value is convex in the capacities (the
  right-hand sides of the LP); a dual solution is a subgradient there, and closing a gate
  sets its rows' right-hand sides to 0. Priority rows, whose limits also fall to 0, only add
  non-negative terms, which are left out (the bound stays valid, a little looser). With
  ``y >= 0`` this is never below ``max_i v({i})`` (closing more never costs less).
- **upper** (``upper_usd``): for every ``i`` in ``S``, the optimum of ``{i}`` closed with
  every route flow through a gate of ``S - i`` sent to *unserved* instead is feasible with
  all of ``S`` closed: supply still balances, and capacity, priority and demand rows only see
  less flow. Its cost is ``v({i}) + sum_f x_f (penalty_p + price_f - cost_f)`` over those
  flows: an upper bound on ``v(S)``. Destination-share bands (``destination_shares.csv``:
  homogeneous rows over the flows of a rule's origins and products to Chinese markets) may not
  hold once part of those flows is shed, so a flow in the scope of a share rule is never shed:
  a set whose upper bound would need it gets no finite upper bound from that member.

When the other gates carry nothing in the single closure's optimum, both bounds equal
``v({i})``: the combination's cost is known without solving it (``exact_by_bound``).

``v`` is the optimum over *every* route (the sweep's column generation certifies it). The
lower bound's duals must then be dual feasible for the LP over every route, which they are
when the single closure is ``certified`` (no route has a negative reduced cost). A single
closure left ``restricted`` (pricing rounds ran out) gives only ``v(S) >= v({i}) >=
objective - gap_bound`` (closing more never costs less) as lower bound; its solution is still
feasible, so its upper bound holds as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

#: a combination whose bounds are this close (USD, or this share of the objective) is known
EXACT_USD = 1e-6
EXACT_SHARE = 1e-12


@dataclass(frozen=True)
class SingleClosure:
    """What the bounds need of one gate's closure: its optimum, the value of capacity at
    every other gate, and the flows that would be shed if other gates closed too.

    Attributes
    ----------
    gate : str
    objective_usd : float
        ``v({gate})``.
    capacity_value_usd : dict of gate -> float
        ``sum_r y_r K_r`` over the gate's capacity rows (USD): what losing its capacity costs
        at least, at the margin, on top of this closure.
    shed_sets : list of frozenset
        The distinct sets of gates the flowing routes cross.
    shed_usd : numpy.ndarray
        Per set: what sending those routes' flows to unserved costs (USD), ``>= 0`` at an
        optimum.
    certified : bool
        Whether ``objective_usd`` is the optimum over every route (its duals then price every
        route at a reduced cost >= 0).
    gap_bound_usd : float or None
        A restricted closure's bound on ``objective_usd - v({gate})`` (USD; ``None``: unknown).
    """

    gate: str
    objective_usd: float
    capacity_value_usd: dict
    shed_sets: list
    shed_usd: np.ndarray
    certified: bool = True
    gap_bound_usd: float | None = 0.0

    def floor_usd(self, others) -> float:
        """A lower bound on ``v({gate} + others)`` (USD): the optimum plus the value of the
        other gates' capacity when certified, else the optimum less its gap bound."""
        if self.certified:
            return self.objective_usd + sum(self.capacity_value_usd.get(g, 0.0) for g in others)
        if self.gap_bound_usd is None:
            return -np.inf
        return self.objective_usd - self.gap_bound_usd

    def shed(self, gates) -> float:
        """Cost (USD) of shedding every flow of this optimum that crosses one of ``gates``."""
        gates = set(gates)
        return float(sum(u for s, u in zip(self.shed_sets, self.shed_usd) if s & gates))


def route_gates(value) -> frozenset:
    """The crossing ids of a ``route_flows.crossings`` label: ``"x1:a_to_b+x2:b_to_a"`` ->
    ``{x1, x2}``; ``"domestic"`` (no crossing) -> the empty set."""
    text = str(value)
    if text == "domestic":
        return frozenset()
    return frozenset(part.split(":", 1)[0] for part in text.split("+") if part)


def in_share_scope(route_flows: pd.DataFrame, rules) -> np.ndarray:
    """For each route flow: whether a destination-share rule counts it (its origin, product
    and a Chinese market of the rule: :func:`borderflow.data.destinations.share_rules`)."""
    hit = np.zeros(len(route_flows), dtype=bool)
    for r in rules:
        hit |= (route_flows["origin"].isin(r.origins) & route_flows["product_id"].isin(
            r.products) & route_flows["market"].isin(r.china)).to_numpy()
    return hit


def single_closure(gate: str, objective_usd: float, crossings: pd.DataFrame,
                   route_flows: pd.DataFrame, penalty_usd_per_t: dict,
                   share_rules=(), certified: bool = True,
                   gap_bound_usd: float | None = 0.0) -> SingleClosure:
    """The bound data of one solved single closure (static run), from its result tables.

    Parameters
    ----------
    gate : str
        The closed crossing.
    objective_usd : float
        Its optimal objective.
    crossings, route_flows : DataFrame
        Its ``crossings`` (capacity and dual per row) and ``route_flows`` tables.
    penalty_usd_per_t : dict of product -> float
        The value of produce not shipped (the unserved penalty of the objective).
    share_rules : sequence of ShareRule
        The dataset's destination-share rules: flows they count cost ``inf`` to shed (they
        may not be shed; see the module's docstring).
    certified, gap_bound_usd
        Its routing (``summary.json``): certified, or restricted with this gap bound.
    """
    c = crossings
    value = (c["dual_usd_per_truck"].clip(lower=0.0) * c["capacity_trucks_per_day"]
             ).groupby(c["crossing_id"]).sum()
    f = route_flows
    if len(f):
        penalty = f["product_id"].map(penalty_usd_per_t).astype(float)
        delta = f["flow_t"] * (penalty + f["price_usd_per_t"] - f["cost_usd_per_t"])
        delta = delta.where(~in_share_scope(f, share_rules), np.inf)
        sets = f["crossings"].map(route_gates)
        by = delta.groupby(sets.map(lambda s: "|".join(sorted(s)))).sum()
        shed_sets = [frozenset(k.split("|")) if k else frozenset() for k in by.index]
        shed = by.to_numpy(dtype=float)
    else:
        shed_sets, shed = [], np.zeros(0)
    return SingleClosure(gate, float(objective_usd), value.to_dict(), shed_sets, shed,
                         certified, gap_bound_usd)


def combination_bounds(combos: list[tuple[str, ...]], singles: dict[str, SingleClosure]
                       ) -> pd.DataFrame:
    """Lower and upper bounds on the optimal objective of every combination.

    Parameters
    ----------
    combos : list of tuple of str
        Sets of gates closed together.
    singles : dict of gate -> SingleClosure
        The solved single closures (a gate missing here, e.g. a failed solve, gives no bound:
        if no member of a combination has one, its bounds are -inf and +inf).

    Returns
    -------
    DataFrame
        ``combination`` (tuple), ``lower_usd``, ``upper_usd``, ``upper_from`` (the member
        whose single closure gives the upper bound), ``exact_by_bound``.
    """
    rows = []
    for combo in combos:
        low, up, up_from = -np.inf, np.inf, None
        for i in combo:
            s = singles.get(i)
            if s is None:
                continue
            others = [g for g in combo if g != i]
            low = max(low, s.floor_usd(others))
            cand = s.objective_usd + s.shed(others)
            if cand < up:
                up, up_from = cand, i
        rows.append({"combination": combo, "lower_usd": low, "upper_usd": up,
                     "upper_from": up_from})
    df = pd.DataFrame(rows, columns=["combination", "lower_usd", "upper_usd", "upper_from"])
    gap = df["upper_usd"] - df["lower_usd"]
    scale = np.maximum(df["upper_usd"].abs(), df["lower_usd"].abs()).replace(np.inf, 0.0)
    df["exact_by_bound"] = np.isfinite(gap) & (gap <= EXACT_USD + EXACT_SHARE * scale)
    return df


def all_combinations(gates, k: int) -> list[tuple[str, ...]]:
    """Every set of ``k`` of ``gates`` (in the order given), as tuples."""
    return list(combinations(list(gates), k))


def prune(bounds: pd.DataFrame, known: dict, worst: int, tol_usd: float) -> tuple[float, set]:
    """The threshold a combination must reach to be among the ``worst`` costliest, and the
    combinations that still need a solve.

    Parameters
    ----------
    bounds : DataFrame
        :func:`combination_bounds`.
    known : dict of combination -> float
        Optimal objectives of the combinations solved so far.
    worst : int
        How many of the costliest combinations are wanted (K).
    tol_usd : float
        Slack (USD) for solver tolerance: a combination is kept if its upper bound is within
        it of the threshold.

    Returns
    -------
    threshold : float
        The K-th largest of the known values (solved, or exact by bound) and the lower bounds
        of the others: at least K combinations cost this much.
    open : set of combination
        Neither solved nor exact by bound, with an upper bound at or above the threshold
        (minus ``tol_usd``): they could still be among the K.
    """
    lower = np.where(bounds["combination"].isin(list(known)),
                     bounds["combination"].map(known).astype(float), bounds["lower_usd"])
    k = min(worst, len(lower))
    threshold = float(np.sort(lower)[::-1][k - 1]) if k else -np.inf
    undecided = ~bounds["combination"].isin(list(known)) & ~bounds["exact_by_bound"]
    keep = undecided & (bounds["upper_usd"] >= threshold - tol_usd)
    return threshold, set(bounds.loc[keep, "combination"])
