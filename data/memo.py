"""Results kept per table object: a sweep's scenarios share the kept network's tables.

DataFrames are not hashable, so :func:`functools.lru_cache` cannot key on them; a network
built for a closure keeps its base's tables as they are (``with_scenario`` makes new
capacities only) and stages never change a table in place (``InputTables.copy``), so the
same table objects mean the same content. An analyst may edit a loaded table in place between
two calls, so every public entry point (``bf.solve``, ``robust_plan``, ``uncertainty``,
``appraise``, ``respond``) works on a snapshot (``InputTables.copy``) of the tables it is given
(tests/test_generalized_cost.py::test_a_dataset_edited_in_place_between_solves_is_solved_as_edited).
:class:`ByIdentity` keeps the last few results with the objects they were made from (so no
other object can take their ids meanwhile).
"""

from __future__ import annotations

import operator
from typing import Callable

__all__ = ["ByIdentity"]


class ByIdentity:
    """The last ``size`` results of a function of objects compared by identity (and of an
    ``extra`` key compared by equality).

    Parameters
    ----------
    size : int
        Results kept (the oldest dropped first).
    """

    def __init__(self, size: int = 2):
        self.size = size
        self._entries: list[tuple] = []  # (objects, extra key, value)

    def get(self, objects: tuple, extra, make: Callable):
        """The value kept for ``objects`` (each the same object) and ``extra`` (equal), else
        ``make()``, kept."""
        for objs, ex, value in self._entries:
            if len(objs) == len(objects) and all(map(operator.is_, objs, objects)) \
                    and ex == extra:
                return value
        value = make()
        self._entries = [(objects, extra, value)] + self._entries[:self.size - 1]
        return value
