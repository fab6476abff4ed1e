"""Result tables of a kept model made once per distinct input: what a sweep's scenarios share.

A sweep's warm scenarios are read from one kept model (:mod:`borderflow.sweeps.worker`); most
closures of a dated sweep leave most of the plan as it was (31 of the 50 ten-day closures of
the embedded dataset's 60-day sweep have the reference's optimum). A table that is a function
of a few inputs (the route flows, the departures, the routes in use) is made for the first
scenario read from a model and kept with its inputs; a later scenario whose inputs are the
same, bit for bit, gets a copy of the kept table instead of making it again: the same table,
bit for bit, since the same function of the same inputs is the same table.

:func:`same` compares the inputs exactly (every byte of every array and frame column, not a
hash); ``objects`` (tables of the kept model and its network that a scenario shares with
it) by identity, kept with the table so that no other object can take their ids. What is kept
is tied to an object of the kept model (its route set's arcs, which a rebuilt model does not
share) and dropped with it; at most :data:`SIZE` tables per name and object (a later scenario
takes one only if its inputs are equal). Only a sweep's
scenarios read from a kept model keep anything (``reuse`` of
:func:`~borderflow.model.results.extract_results`); a single run keeps nothing.
"""

from __future__ import annotations

import copy
import weakref
from collections import Counter
from typing import Callable, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")

#: tables kept per name and owner (:func:`same`)
SIZE = 2

#: (id of the owner, table name) -> its kept tables, each ``[the inputs' bytes, the table,
#: the objects, times given]``, first made first
_KEPT: dict[tuple[int, str], list[list]] = {}

#: how many tables :func:`same` gave from what it kept, and made, by ``(name, "kept" or
#: "made")`` (a test reads them)
COUNTS: Counter = Counter()


def same(owner, name: str, inputs: tuple, make: Callable[[], T], objects: tuple = ()) -> T:
    """``make()``, or a copy of a table kept for ``owner`` under ``name`` whose ``inputs``
    were these, bit for bit, and ``objects`` these, object for object.

    At most :data:`SIZE` tables are kept per name and owner: a table made is kept in place of
    the one given least often (the older of two such), so the inputs most scenarios share
    (a sweep's reference plan) stay kept whichever scenario a worker read first.

    Parameters
    ----------
    owner : object
        What the table belongs to (an object of the kept model that lives as long as it; it
        must support weak references, as a DataFrame does).
    name : str
        The table.
    inputs : tuple
        Everything the table depends on besides ``owner``: arrays, frames, numbers, strings.
    make : callable
        Makes the table (a DataFrame, or any object ``copy.deepcopy`` copies).
    objects : tuple
        What the table depends on that is compared by identity (tables never changed in
        place: the model's index tables, the network's tables a scenario shares).
    """
    key = _bytes(inputs)
    at = (id(owner), name)
    kept = _KEPT.get(at)
    for entry in kept or ():
        if entry[0] == key and len(entry[2]) == len(objects) and \
                all(a is b for a, b in zip(entry[2], objects)):
            COUNTS[name, "kept"] += 1
            entry[3] += 1
            return copy.deepcopy(entry[1])
    out = make()
    COUNTS[name, "made"] += 1
    if kept is None:
        kept = _KEPT[at] = []
        weakref.finalize(owner, _KEPT.pop, at, None)
    if len(kept) >= SIZE:  # the one given least often goes (the older of two such)
        kept.remove(min(kept, key=lambda e: e[3]))
    kept.append([key, copy.deepcopy(out), tuple(objects), 0])
    return out


def _bytes(inputs: tuple) -> bytes:
    """Every byte of the inputs, with their types, shapes and column names."""
    parts = []
    for x in inputs:
        if isinstance(x, pd.DataFrame):
            parts.append(repr((list(x.columns), x.shape, [str(t) for t in x.dtypes])).encode())
            parts += [_column(x[c]) for c in x.columns]
        elif isinstance(x, pd.Series):
            parts.append(_column(x))
        elif isinstance(x, np.ndarray):
            parts += [repr((x.dtype.str, x.shape)).encode(), np.ascontiguousarray(x).tobytes()]
        else:
            parts.append(repr((type(x).__name__, x)).encode())
        parts.append(b"\x1f")
    return b"".join(parts)


def _column(s: pd.Series) -> bytes:
    """A column's bytes: numbers as stored, anything else as the text of each value."""
    if s.dtype.kind in "biufcmM":
        return np.ascontiguousarray(s.to_numpy()).tobytes()
    return "\x1e".join(map(repr, s.tolist())).encode()
