"""The verifier's half of the expire-bound fix (borderflow/certificate_dated.py ``_Inputs.bounds``
and ``_least``): with a negative destination-share term the verifier's own search must reach an
expire column, which pays no dual at its gate, even when the gate is dear on every day.

By hand on ``pricing_cases.two_roads`` with a fee of 50 USD/truck on each road (as
tests/test_dated_skip_shares.py's pricing test of the model's half): o -> a by the fast road
(1 h, 50 USD/truck) or the slow one (30 h, 60), then the gate a -> b into the market b (price 0),
payload 10 t, no wait allowed, 10 days. The gate's capacity dual is 300 USD/truck on every day,
the product's penalty 0, the share term of (o, b, day 0) -1 USD/t, the supply dual 10 USD/t
(the offset: 10 x 10 = 100 USD/truck).

- Crossing on day 0: 50 + 300 - 10 = 340 USD/truck, 34 - 10 = +24 USD/t: prices in.
- The expire column of the fast road (written off on day 1; no gate dual, no waiting cost,
  penalty 0): 50 - 10 = 40 USD/truck, 4 - 10 = **-6 USD/t**: prices out.

A bound before the gate that counts the gate's least dual (300, as it did before the fix) is
340 USD/truck at o, above the offset of 100: the search stops at once and the verifier finds
nothing, so a run that omitted the column would pass. The slot bounds count the gate's dual too:
with a negative term they must not cut the search either.
"""

from __future__ import annotations

import dataclasses

import pytest
from pricing_cases import Case, dated_facts, two_roads

from borderflow.certificate_dated import _Inputs, _least
from borderflow.certificate_dated_bounds import SlotBounds
from borderflow.model.dated_pricing import DatedDuals

PAYLOAD_T = 10.0
SUPPLY_DUAL_USD_PER_T = 10.0


def _inputs() -> _Inputs:
    """The verifier's search inputs of the case in the module docstring."""
    graph, product = two_roads(fee=50.0)
    product = dataclasses.replace(product, penalty_usd_per_t=0.0)
    duals = DatedDuals.zeros(graph, 10, max_wait_days=0)
    duals.capacity_usd_per_truck[0, 0, :] = 300.0
    facts, nodes, results = dated_facts(Case(graph, product, "o"), duals, 0,
                                        SUPPLY_DUAL_USD_PER_T)
    mu = {(c, d, int(k)): float(v) for c, d, k, v in results["crossings"][
        ["crossing_id", "direction", "period", "dual_usd_per_truck"]].itertuples(index=False)}
    return _Inputs(facts, dict(zip(nodes["node_id"], nodes["country"])), "p", mu, {}, {})


@pytest.mark.parametrize("slots", [False, True], ids=["least-dual bounds", "slot bounds"])
def test_the_verifier_finds_the_expire_column_with_the_gate_dear_every_day(slots):
    inp = _inputs()
    share = {"b": -1.0}
    bounds = inp.bounds(0, share)
    if slots:
        bounds = (*bounds, SlotBounds.of(inp, origins={"o"}))
    cost, route, day = _least(inp, "o", 0, bounds, SUPPLY_DUAL_USD_PER_T * PAYLOAD_T,
                              share=share)
    assert cost is not None, "the verifier's search stopped above the expire column"
    assert cost / PAYLOAD_T - SUPPLY_DUAL_USD_PER_T == pytest.approx(-6.0)
    assert route == ["fast", "x:a_to_b"] and day == -3  # written off at the gate


def test_without_a_negative_term_nothing_prices_out():
    """The same gate with a share term of 0: no expire column; every column pays the gate's
    300 USD/truck (>= +24 USD/t): the search finds nothing below the offset."""
    inp = _inputs()
    share = {"b": 0.0}
    cost, route, day = _least(inp, "o", 0, inp.bounds(0, share),
                              SUPPLY_DUAL_USD_PER_T * PAYLOAD_T, share=share)
    assert (cost, route, day) == (None, [], None)
