"""The LP read back from HiGHS as numpy arrays (``solvers/memory.py``) is the LP HiGHS holds.

The exact path of long dated runs reads the whole LP through :func:`lp_arrays` (no Python
lists, unlike ``Highs.getLp``); if it returned another matrix, bound or cost, the windows and
the crossover's start point would be those of another LP. Checked entry by entry against
``getLp`` on a small LP with an offset, ranged and one-sided rows, an empty column and
infinite bounds.
"""

import highspy
import numpy as np
import scipy.sparse as sp

from borderflow.solvers.highs import highs_lp, new_highs
from borderflow.solvers.memory import lp_arrays, release_freed_memory


def _lp():
    A = sp.csc_matrix(np.array([[1.0, 0.0, 2.5, 0.0],
                                [0.0, 3.0, -1.0, 0.0],
                                [4.0, 0.0, 0.0, 0.0]]))
    return A, dict(cost=[1.0, -2.0, 0.5, 7.0], col_lower=[0.0, -np.inf, 1.0, 0.0],
                   col_upper=[10.0, 5.0, np.inf, 0.0], row_lower=[-np.inf, 2.0, 1.0],
                   row_upper=[8.0, 2.0, 9.0], offset=12.5)


def test_lp_arrays_equal_the_lp_highs_holds():
    A, v = _lp()
    h = new_highs()
    h.passModel(highs_lp(A, **v))
    got = lp_arrays(h)
    lp = h.getLp()
    ref = sp.csc_matrix((np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_),
                         np.asarray(lp.a_matrix_.start_)), shape=(lp.num_row_, lp.num_col_))
    assert got.A.shape == ref.shape == (3, 4)
    assert np.array_equal(got.A.indptr, ref.indptr)
    assert np.array_equal(got.A.indices, ref.indices)
    assert np.array_equal(got.A.data, ref.data)
    assert np.array_equal(got.A.toarray(), A.toarray())
    for name, ours in (("col_cost_", got.cost), ("col_lower_", got.col_lower),
                       ("col_upper_", got.col_upper), ("row_lower_", got.row_lower),
                       ("row_upper_", got.row_upper)):
        assert np.array_equal(ours, np.asarray(getattr(lp, name))), name
    assert got.offset == lp.offset_ == 12.5


def test_release_freed_memory_leaves_a_solve_unchanged():
    A, v = _lp()
    h = new_highs()
    h.passModel(highs_lp(A, **v))
    h.run()
    before = np.asarray(h.getSolution().col_value)
    assert isinstance(release_freed_memory(), bool)
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert np.array_equal(np.asarray(h.getSolution().col_value), before)
