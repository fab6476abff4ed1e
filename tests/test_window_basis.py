"""Exact windows start each window's dual simplex from the window before's basis
(:func:`borderflow.solvers.rolling.window_basis`): the start may only change how fast a window
solves, never its optimum, and a basis that does not fit is ignored (a cold start).

The hand LP: days 0-5, one column ``x_d`` in [0, 10] a day worth ``d + 1`` (cost ``-(d + 1)``)
and a row ``x_(d-1) + x_d <= 12`` for each day ``d >= 1`` (its day is ``d``). Its optimum fills
every second day from the last: x = (2, 10, 2, 10, 2, 10), -138. In windows of 2 days with 1
day of look-ahead each window fills its last day and commits the rest: window 0 (days 0-2)
commits x0 = 10, x1 = 2; window 1 (days 2-4, x1 = 2 fixed) x2 = 10, x3 = 2; window 2 (days 4-5)
x4 = 2, x5 = 10: stitched 10 + 4 + 30 + 8 + 10 + 60 = 122, -122.
"""

from __future__ import annotations

from types import SimpleNamespace

import highspy
import numpy as np
import pytest
import scipy.sparse as sp
from helpers import throttled_scenario

import borderflow.solvers.rolling as rolling
from borderflow.options import RunOptions
from borderflow.solvers.highs import SolverOptions, highs_lp, new_highs
from borderflow.solvers.rolling import RollingHorizon, window_basis, window_point
from borderflow.verify import verify_solved

DAYS = 6
STITCHED = np.array([10.0, 2.0, 10.0, 2.0, 2.0, 10.0])


def hand_session():
    """A stand-in session holding the hand LP (what the windows read: ``highs``, ``options``,
    ``columns_of``)."""
    rows = [[d - 1, d] for d in range(1, DAYS)]
    A = sp.csc_matrix((np.ones(2 * len(rows)), (np.repeat(np.arange(len(rows)), 2),
                                                np.concatenate(rows))), shape=(len(rows), DAYS))
    h = new_highs()
    h.passModel(highs_lp(A, -(np.arange(DAYS) + 1.0), np.zeros(DAYS), np.full(DAYS, 10.0),
                         np.full(len(rows), -np.inf), np.full(len(rows), 12.0)))
    where = np.arange(DAYS)
    return SimpleNamespace(highs=h, options=SolverOptions(solver="ipm"),
                           columns_of=lambda comp: where)


def points(monkeypatch, warm: bool):
    """The windows' point of the hand LP (2-day windows, 1 day ahead, exact) and the bases
    the windows were started from."""
    used = []

    def spy(*args, **kwargs):
        basis = window_basis(*args, **kwargs) if warm else None
        used.append(basis)
        return basis

    monkeypatch.setattr(rolling, "window_basis", spy)
    session = hand_session()
    point = window_point(session, {"x": np.arange(DAYS)}, RollingHorizon(2, 1, exact=True))
    return point, used


def test_a_warm_window_reaches_the_cold_windows_hand_computed_point(monkeypatch):
    cold, cold_used = points(monkeypatch, warm=False)
    warm, warm_used = points(monkeypatch, warm=True)
    assert all(b is None for b in cold_used)
    assert warm_used[0] is None and all(b is not None for b in warm_used[1:])  # 2 warm starts
    assert len(warm.plan) == 3 and warm.failed is None
    np.testing.assert_allclose(cold.x, STITCHED, atol=1e-9)
    np.testing.assert_allclose(warm.x, STITCHED, atol=1e-9)
    assert warm.objective == pytest.approx(-122.0, abs=1e-9)
    assert cold.objective == pytest.approx(-122.0, abs=1e-9)


def basis_of(statuses_cols, statuses_rows):
    b = highspy.HighsBasis()
    b.col_status = list(statuses_cols)
    b.row_status = list(statuses_rows)
    b.valid = True
    return b


def test_window_basis_carries_shared_entries_and_starts_new_ones_at_bound_or_basic():
    B = highspy.HighsBasisStatus
    prev = (np.array([3, 4, 5]), np.array([7, 8]),
            basis_of([B.kBasic, B.kUpper, B.kLower], [B.kUpper, B.kBasic]))
    basis = window_basis(prev, np.array([4, 5, 6]), np.array([8, 9]),
                         np.array([0.0, 0.0, -np.inf]))
    assert list(basis.col_status) == [B.kUpper, B.kLower, B.kZero]  # 6 is new and free
    assert list(basis.row_status) == [B.kBasic, B.kBasic]  # 9 is new: its slack basic
    assert basis.valid


def test_a_basis_that_does_not_fit_its_window_is_ignored():
    B = highspy.HighsBasisStatus
    cols, rows = np.array([0, 1]), np.array([0])
    assert window_basis(None, cols, rows) is None
    too_short = basis_of([B.kBasic], [B.kBasic])  # 1 column status for 2 columns
    assert window_basis((cols, rows, too_short), cols, rows) is None
    invalid = basis_of([B.kBasic, B.kLower], [B.kBasic])
    invalid.valid = False
    assert window_basis((cols, rows, invalid), cols, rows) is None


@pytest.mark.parametrize("cols, rows", [(3, 1), (1, 1), (2, 3)])
def test_a_window_given_a_basis_of_another_size_solves_cold_to_its_optimum(cols, rows):
    # max 2a + b s.t. a + b <= 1, a, b in [0, 1]: a = 1, b = 0, -2
    B = highspy.HighsBasisStatus
    h = new_highs()
    h.passModel(highs_lp(sp.csc_matrix(np.ones((1, 2))), [-2.0, -1.0], [0.0, 0.0], [1.0, 1.0],
                         [-np.inf], [1.0]))
    wrong = basis_of([B.kBasic] * cols, [B.kBasic] * rows)
    status, _, _ = rolling._run_window(h, SolverOptions(solver="ipm"), wrong)
    assert status == "optimal"
    np.testing.assert_allclose(h.getSolution().col_value, [1.0, 0.0], atol=1e-9)
    assert h.getInfo().objective_function_value == pytest.approx(-2.0, abs=1e-9)


def test_warm_and_cold_windows_give_the_same_exact_run_on_the_tiny_network(
        monkeypatch, solve_tiny, tiny_tables):
    scenario = throttled_scenario(tiny_tables)
    options = RunOptions(rolling=RollingHorizon(3, 1, exact=True))
    warm = solve_tiny(tiny_tables, scenario, options=options)
    monkeypatch.setattr(rolling, "window_basis", lambda *a, **k: None)
    cold = solve_tiny(tiny_tables, scenario, options=options)
    assert warm.solve.windows == cold.solve.windows > 2
    assert warm.solve.objective_usd == pytest.approx(cold.solve.objective_usd, rel=1e-9)
    report = verify_solved(warm)
    assert report["ok"].all(), report[~report["ok"]].head()
