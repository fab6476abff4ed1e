"""The run certificate's own search for the least route of a product from each origin
(:func:`least_reduced_costs`, used by :func:`borderflow.certificate.check_certificate`).

A label-correcting search backward from the markets over states ``(node, countries entered)``
with Pareto sets of (cost, hours) labels, first in first out; it imports nothing from
:mod:`borderflow.model` (the pricing there, a Dijkstra screen and an A* label-setting search
forward from each origin, is what it checks).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import pandas as pd
from pyomo.common.gc_manager import PauseGC


def least_reduced_costs(arcs: pd.DataFrame, country: Mapping[str, str], product: Mapping,
                        origins: list[str], markets: Mapping[str, float],
                        crossing_weight: Mapping[tuple[str, str], float],
                        closed: set) -> dict[str, tuple[float, list[str]]]:
    """Least cost per truck from each origin to a market, over every route of one product.

    Label-correcting, backward from the markets: a state is ``(node, countries of the path from
    the node on)``; each holds the Pareto set of (cost, hours) labels of paths to a market; a
    label is extended backward along every arc (a crossing only into a country the path has
    not entered yet) while its hours stay within the shelf life, and states are revisited
    first-in-first-out until no label changes. With non-negative costs and hours a path with a
    cycle is dominated by the path without it, so the least label at an origin is the least
    elementary route. Nodes that no origin reaches along the usable arcs are left out (their
    labels could never be extended to an origin, and no label elsewhere derives from them,
    so the labels kept and the order states are visited in are the same); each state's labels
    that no other beats are kept beside its list, which keeps every label for the route's
    back-pointers.

    Parameters
    ----------
    arcs : DataFrame
        Index arc_id; kind, element_id, direction, from_node, to_node, travel_h,
        cost_usd_per_truck (link running cost plus toll, or a crossing's fee with the transit
        fee), toll_usd_per_truck (optional: the toll part of a link's cost).
    country : mapping
        node -> country.
    product : mapping
        cost_factor, shelf_h, perishable, licensed (set or None); payload_t and vot (USD/t-h)
        for the value of time (optional, 0). An arc costs ``cost_factor x (cost - toll) +
        toll`` (a link) or ``fee + crossing_weight`` (a crossing), plus ``payload_t x vot x
        travel_h``: the generalized cost per truck.
    origins : list of str
    markets : mapping
        market node -> cost per truck of ending there (``payload x (lambda - price)``).
    crossing_weight : mapping
        (crossing_id, direction) -> duals per truck added to the fee.
    closed : set of (crossing_id, direction)
        Crossing directions that cannot be used.

    Returns
    -------
    dict
        origin -> (least cost per truck, arc ids of the route); origins with no route absent.
    """
    # its labels, a few hundred thousand tuples, hold no cycles: without the collector's passes
    # walking them again (a third of the robust example's certificate search, 1.6 of 5.9 CPU s;
    # Pyomo's PauseGC, not the model's wrapper of it: the certificate imports nothing of model/)
    with PauseGC():
        return _least(arcs, country, product, origins, markets, crossing_weight, closed)


def _least(arcs: pd.DataFrame, country: Mapping[str, str], product: Mapping,
           origins: list[str], markets: Mapping[str, float],
           crossing_weight: Mapping[tuple[str, str], float],
           closed: set) -> dict[str, tuple[float, list[str]]]:
    """:func:`least_reduced_costs`'s search."""
    shelf = float(product["shelf_h"]) + 1e-9
    licensed = product["licensed"]
    # value of time of a truckload, USD per hour of the arc (travel or gate dwell)
    truck_vot = float(product.get("payload_t", 0.0)) * float(product.get("vot", 0.0))
    factor = float(product["cost_factor"])
    tolls = arcs["toll_usd_per_truck"].tolist() if "toll_usd_per_truck" in arcs.columns \
        else [0.0] * len(arcs)
    # the arcs into each node, in the table's order: (arc, tail, cost, hours, is a crossing)
    into: dict[str, list] = {}
    for arc_id, kind, element, direction, tail, head, hours, cost, toll in zip(
            arcs.index.tolist(), arcs["kind"].tolist(), arcs["element_id"].tolist(),
            arcs["direction"].tolist(), arcs["from_node"].tolist(), arcs["to_node"].tolist(),
            arcs["travel_h"].tolist(), arcs["cost_usd_per_truck"].tolist(), tolls):
        time_usd = truck_vot * float(hours)
        if kind == "crossing":
            key = (element, direction)
            if key in closed or (licensed is not None and element not in licensed):
                continue
            w = float(cost) + crossing_weight.get(key, 0.0) + time_usd
        else:
            toll = float(toll or 0.0)
            w = factor * (float(cost) - toll) + toll + time_usd
        into.setdefault(head, []).append((arc_id, tail, w, float(hours), kind == "crossing"))
    reach = _reachable(into, origins)
    into = {head: [x for x in arcs_in if x[1] in reach] for head, arcs_in in into.items()}
    labels: dict[tuple, list] = {}  # state -> [(cost, hours, arc, next state, next label idx)]
    front: dict[tuple, list] = {}  # state -> its labels no other beats: [(cost, hours, idx)]
    queue: deque = deque()
    for m, w in sorted(markets.items()):
        state = (m, frozenset({country[m]}))
        if m not in reach:  # no origin reaches it: its labels could never end at one
            continue
        labels[state] = [(w, 0.0, None, None, None)]
        front[state] = [(w, 0.0, 0)]
        queue.append(state)
    queued = set(queue)
    done: dict[tuple, int] = {}  # state -> labels already extended
    entered: dict[tuple, frozenset] = {}  # (countries, country) -> their union
    while queue:
        state = queue.popleft()
        queued.discard(state)
        node, countries = state
        mine = labels[state]
        arcs_in = into.get(node, ())
        for k in range(done.get(state, 0), len(mine)):
            cost, hours = mine[k][0], mine[k][1]
            if cost is None:  # dominated since it was added
                continue
            for arc_id, tail, w, h, is_x in arcs_in:
                h_new = hours + h
                if h_new > shelf:
                    continue
                if is_x:
                    tail_country = country[tail]
                    if tail_country in countries:
                        continue
                    more = entered.get((countries, tail_country))
                    if more is None:
                        more = entered[countries, tail_country] = countries | {tail_country}
                    prev = (tail, more)
                else:
                    prev = (tail, countries)
                c_new = cost + w
                # add the label unless one kept is no dearer and no slower; mark those it beats
                # (no kept label beats another, so none it would beat is kept when it is beaten)
                kept = front.get(prev)
                if kept is None:
                    labels[prev] = [(c_new, h_new, arc_id, state, k)]
                    front[prev] = [(c_new, h_new, 0)]
                else:
                    for c, hh, _ in kept:
                        if c <= c_new and hh <= h_new:
                            break
                    else:
                        theirs = labels[prev]
                        left = []
                        for lab in kept:
                            if c_new <= lab[0] and h_new <= lab[1]:
                                theirs[lab[2]] = (None, *theirs[lab[2]][1:])
                            else:
                                left.append(lab)
                        left.append((c_new, h_new, len(theirs)))
                        front[prev] = left
                        theirs.append((c_new, h_new, arc_id, state, k))
                        kept = None
                    if kept is not None:  # beaten: nothing added
                        continue
                if prev not in queued:
                    queue.append(prev)
                    queued.add(prev)
        done[state] = len(mine)
    at: dict[str, list] = {}  # node -> its states, in the order they were first labelled
    for state in labels:
        at.setdefault(state[0], []).append(state)
    out = {}
    for o in origins:
        best = None
        for state in at.get(o, ()):
            for k, lab in enumerate(labels[state]):
                if lab[0] is not None and (best is None or lab[0] < best[0]):
                    best = (lab[0], state, k)
        if best is not None:
            out[o] = (best[0], _route(labels, best[1], best[2]))
    return out


def _reachable(into: Mapping[str, list], origins: list[str]) -> set:
    """The nodes some origin reaches along the arcs of ``into`` (head -> arcs with their
    tails), ignoring hours and countries: a label at any other node can never be extended
    back to an origin, and no label at a node reached derives from one at a node not reached,
    so leaving those out changes no label kept, nor the order the states are visited in."""
    out: dict[str, list] = {}
    for head, arcs in into.items():
        for x in arcs:
            out.setdefault(x[1], []).append(head)
    seen = set(origins)
    stack = list(origins)
    while stack:
        for head in out.get(stack.pop(), ()):
            if head not in seen:
                seen.add(head)
                stack.append(head)
    return seen


def _route(labels: dict, state, k) -> list[str]:
    arcs = []
    while state is not None:
        _, _, arc, nxt, nk = labels[state][k]
        if arc is not None:
            arcs.append(arc)
        state, k = nxt, nk
    return arcs
