"""The verifier's first-come-first-served check of a congestion lane (``congestion_fifo``) on
gate-days of one truck or fewer, which no oracle case has (its lane gates carry 2-9 trucks).

Each product's trucks at a gate-day are owed the gate's tier split: ``n_p x Z_k / N`` trucks in
tier k (``n_p`` the product's trucks that day, ``Z_k`` the tier's, ``N`` the gate's), 0 on a
gate-day of no trucks; the amount is the trucks away from that share, the tolerance
``1e-6 x max(N, 1 truck)``. Hand-computed on three gate-days of one crossing direction.
"""

import numpy as np
import pandas as pd

from borderflow.verify.congestion import _fifo_check


def _check(rows: list[tuple], trucks: list[float]) -> pd.DataFrame:
    t = pd.DataFrame(rows, columns=["crossing_id", "direction", "period", "product_id", "tier"])
    return _fifo_check(t, np.array(trucks, dtype=float)).set_index("entity")


def test_half_a_truck_in_one_tier_is_its_own_fair_share():
    # N = n = Z = 0.5 truck: fair = 0.5 x 0.5 / 0.5 = 0.5, nothing away from it
    out = _check([("X1", "out", 0, "durian", 1)], [0.5])
    assert out.loc["X1/out/0/durian/tier 1", "amount"] == 0.0
    assert bool(out["ok"].all())


def test_a_gate_day_of_no_trucks_owes_no_share():
    # N = 0: every share is 0 trucks (no division by the empty gate), so 0 away from it
    out = _check([("X1", "out", 1, "durian", 1), ("X1", "out", 1, "durian", 2)], [0.0, 0.0])
    assert out["amount"].tolist() == [0.0, 0.0]
    assert bool(out["ok"].all())


def test_a_one_truck_gate_day_is_held_to_a_millionth_of_a_truck():
    # N = 1, durian 0.5 and mango 0.5 trucks, tiers 0.5 and 0.5: each fair share 0.25 truck;
    # durian sends 0.25 + 1.5e-6 in tier 1 and 0.25 - 1.5e-6 in tier 2 (mango the mirror):
    # 1.5e-6 truck away, over the tolerance 1e-6 x max(1, 1 truck), so every row fails
    d = 1.5e-6
    out = _check([("X1", "out", 2, "durian", 1), ("X1", "out", 2, "durian", 2),
                  ("X1", "out", 2, "mango", 1), ("X1", "out", 2, "mango", 2)],
                 [0.25 + d, 0.25 - d, 0.25 - d, 0.25 + d])
    assert np.allclose(out["amount"], d, rtol=1e-6, atol=0.0)
    assert np.allclose(out["tolerance"], 1e-6)
    assert not out["ok"].any()
