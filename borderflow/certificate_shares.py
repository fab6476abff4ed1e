"""Destination-share terms of a dated run's columns, re-derived by the verifier (imports nothing
from :mod:`borderflow.model`).

A dated model holds each share rule's band per **dispatch day** (``share_duals``: rule, side,
``period`` = the dispatch day, dual ``y`` with HiGHS's sign, ``>= 0`` low, ``<= 0`` high; the
rules are the inputs' own, ``facts.shares``). A column of origin ``o``, product ``p``, market
``m`` dispatched on ``t`` adds ``-sum_r ([m in the region of r] - band end of r) x y_r`` per
tonne over the rows of day ``t`` whose rule covers (o, p, m): :func:`share_by_day`. A term may
be negative; then one more column can price out, **expire** ``(route, t)`` when ``a + W + 1 <
n`` (queued ``W + 1`` days and written off: ``(W + 1) x waiting cost / payload + penalty``),
which :meth:`borderflow.certificate_dated._Inputs.ending` adds; without a negative term it is
never below the unserved reduced cost (check ``unserved_dual``). The search's bounds hold each
market's term at that market (made once per day and distinct terms); the time-slot bounds,
made without them, are lowered by payload x the least term of the (origin, day).
"""

from __future__ import annotations

from collections.abc import Mapping


def share_by_day(rules: Mapping, duals: Mapping) -> dict:
    """What the destination-share rows add to a column's reduced cost, by (origin, product,
    dispatch day) and then market, USD/t: ``-sum_r ([market in the rule's region] - band end
    of r) x y_r`` over the rows ``r`` = (rule, side, day) with dual ``y_r`` (HiGHS's sign)
    whose rule covers the origin, the product and the market; a row of day ``t`` holds the
    flows dispatched on ``t`` only. ``rules``: rule_id -> rule
    (:class:`borderflow.data.destinations.ShareRule`); ``duals``: (rule_id, side, period) ->
    dual."""
    out: dict = {}
    for (rule_id, side, t), y in sorted(duals.items()):
        if y == 0.0:
            continue
        rule = rules[rule_id]
        band = rule.low if side == "low" else rule.high
        for o in rule.origins:
            for p in rule.products:
                ends = out.setdefault((o, p, int(t)), {})
                for m in rule.china:
                    coef = (1.0 if m in rule.markets else 0.0) - band
                    ends[m] = ends.get(m, 0.0) - coef * y
    return out
