"""Reading a live HiGHS LP as numpy arrays, and handing freed memory back before a big solve.

The exact path of long dated runs (:mod:`borderflow.solvers.rolling`) reads the whole LP
back from HiGHS twice (windows, then the start point of the whole-LP crossover) and then
asks HiGHS for its largest allocations of the run (IPX's crossover and the primal simplex's
factorisation of the whole LP: about 600 MB at 365 days). Two things kept the peak of a
365-day run at 2.05 GB (docs/notes/dated-performance-plan-log.md §11):

- ``Highs.getLp()`` returns the constraint matrix as Python lists (3.4M floats and 3.4M ints
  at 365 days, about 250 MB of Python objects for a moment) before numpy copies them;
  :func:`lp_arrays` reads the same LP through ``getCols``/``getColsEntries``/``getRows``,
  which return numpy arrays;
- the heap the model build and the windows freed stays mapped by the C allocator (glibc keeps
  freed small and medium blocks for reuse; HiGHS's large vectors are fresh mappings that cannot
  reuse them). :func:`release_freed_memory` asks glibc to return it (``malloc_trim``); on other C
  libraries it does nothing.

Nothing here changes what HiGHS computes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from dataclasses import dataclass

import highspy
import numpy as np
import borderflow.model  # noqa: F401  (before scipy: model/lazy_scipy.py)
import scipy.sparse as sp


@dataclass(frozen=True)
class LpArrays:
    """A HiGHS LP as arrays: ``min cost x + offset`` s.t. ``row_lower <= A x <= row_upper``,
    ``col_lower <= x <= col_upper`` (``A`` column-wise, int32 indices)."""

    A: sp.csc_matrix
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float


def lp_arrays(h: highspy.Highs) -> LpArrays:
    """The LP held by ``h`` as numpy arrays, read without Python lists (unlike ``getLp``).

    Parameters
    ----------
    h : highspy.Highs

    Returns
    -------
    LpArrays
    """
    n, m = h.getNumCol(), h.getNumRow()
    cols = np.arange(n, dtype=np.int32)
    _, _, cost, col_lower, col_upper, nnz = h.getCols(n, cols)
    _, start, index, value = h.getColsEntries(n, cols)
    _, _, row_lower, row_upper, _ = h.getRows(m, np.arange(m, dtype=np.int32))
    indptr = np.append(np.asarray(start, dtype=np.int32), np.int32(nnz))
    A = sp.csc_matrix((np.asarray(value, dtype=float), np.asarray(index, dtype=np.int32),
                       indptr), shape=(m, n))
    return LpArrays(A, np.asarray(cost, dtype=float), np.asarray(col_lower, dtype=float),
                    np.asarray(col_upper, dtype=float), np.asarray(row_lower, dtype=float),
                    np.asarray(row_upper, dtype=float), float(h.getObjectiveOffset()[1]))


def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def release_freed_memory() -> bool:
    """Collect unreachable Python objects and return the C heap's free pages to the system
    (glibc's ``malloc_trim(0)``). Values and results are untouched.

    Returns
    -------
    bool
        Whether the C library could be asked (glibc); ``False`` elsewhere (nothing done but
        the garbage collection).
    """
    gc.collect()
    if _LIBC is None:
        return False
    _LIBC.malloc_trim(0)
    return True
