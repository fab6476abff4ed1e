"""What a sweep's worker needs to start warm on a dated structure without building it first:
the priced route set, the reference's basis and solve summary (:class:`WarmStart`).

A dated structure's one-off setup (:meth:`borderflow.sweeps.worker.ModelCache.model`) is the
dataset, route enumeration, the Pyomo model and its HiGHS translation, the reference's exact
solve (rolling windows, crossover, primal simplex), its column generation (a pricing pass, a
rebuilt model, a warm re-solve) and the kept pricing pass. Everything but the last comes down
to two things a scenario reads: the priced model's routes and the basis of its last solve.
One process makes them (:func:`make_warm_start`, a Dask task the runner submits once per
dated structure: that worker keeps the model it built) and every other worker receives them
(a few MB) and only assembles the model over those routes, sets the basis and makes the
kept pricing pass (:meth:`~borderflow.sweeps.worker.ModelCache.model` with ``start``).

That pass is the builder's own, searched again only where it must be: the start carries the
builder's kept pass (:attr:`WarmStart.priced`, its pricing graph as the graph's content), and
the started worker's pass takes each search's result from it where the search's inputs are bit
for bit the builder's (:class:`~borderflow.model.dated_reuse.Reuse`: the same LP restarted
from the same basis gives the same duals, so usually every search; 0.6-0.9 CPU s of its
setup), once the graph it would price on is the one the builder priced on, array by array
(:meth:`WarmStart.reference_pass`). The kept pass is the one a full pass makes.

The model assembled over the same routes is the same LP (the same columns and rows in the
same order: :func:`borderflow.pipeline.assemble` is deterministic), and every scenario
restarts from the basis (``HighsSession.restart_from``), so a worker started from a
:class:`WarmStart` gives the same numbers, bit for bit, as one that built the model itself
(``tests/test_sweep_warm_start.py``). A start that does not fit the model it is applied to
(another number of columns or rows) is not used: the worker builds as before.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, fields, replace

import highspy
import numpy as np
import pandas as pd

from borderflow.model.routes import RouteSet
from borderflow.solvers.highs import SolveSummary

__all__ = ["WarmStart", "basis_of", "from_kept"]

#: HiGHS basis status by its integer value
_STATUS_OF = {int(v): v for v in highspy.HighsBasisStatus.__members__.values()}


@dataclass(frozen=True)
class WarmStart:
    """A dated structure's kept model in the few arrays a worker needs to rebuild it warm.

    Attributes
    ----------
    key : str
        The structure's key (:attr:`borderflow.sweeps.plan.Structure.key`).
    packed : dict
        The priced reference model's routes (the capped routes and those its column
        generation added) as :func:`pack` sends them; :attr:`routes` unpacks them.
    col_status, row_status : ndarray of int8
        The basis every scenario restarts from (HiGHS basis status per column and row).
    reference : SolveSummary
        The reference's solve (its pricing and labels read it).
    solver : str
        HiGHS's ``solver`` option after the setup (the warm re-solves' algorithm).
    priced : ReferencePricing or None
        The builder's kept reference pricing pass, its ``graph`` replaced by the graph's
        content (:func:`graph_content`); ``None``: the started worker searches in full.
    """

    key: str
    packed: dict
    col_status: np.ndarray
    row_status: np.ndarray
    reference: SolveSummary
    solver: str
    priced: object = None

    @property
    def routes(self) -> RouteSet:
        """The route set, as it was in the model that made the start."""
        return RouteSet(**{name: unpack(v) if name in _FRAMES else v
                           for name, v in self.packed.items()})

    def fits(self, session) -> bool:
        """Whether the basis has one status per column and row of ``session``'s model."""
        return (len(self.col_status) == session.highs.getNumCol()
                and len(self.row_status) == session.highs.getNumRow())

    def reference_pass(self, graph):
        """The builder's kept pricing pass over ``graph`` (the started worker's pricing
        graph) for reuse, or ``None`` if there is none or ``graph``'s content is not the one
        it was made on (array by array, exactly)."""
        if self.priced is None or not same_content(self.priced.graph, graph_content(graph)):
            return None
        return replace(self.priced, graph=graph)

    def nbytes(self) -> int:
        """Its size as sent to a worker (pickled bytes)."""
        return len(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))


def from_kept(key: str, kept) -> WarmStart | None:
    """The :class:`WarmStart` of a worker's kept model (``None`` unless it is dated, priced
    and has a basis: a static or capped model is rebuilt by each worker as before)."""
    p = kept.prepared
    if kept.basis is None or not p.net.dated or kept.reference is None:
        return None
    solver = p.session.highs.getOptionValue("solver")
    solver = solver[-1] if isinstance(solver, tuple) else solver  # (status, value)
    priced = kept.priced
    if priced is not None:  # the graph as its arrays: the receiver checks them, uses its own
        priced = replace(priced, graph=graph_content(priced.graph))
    return WarmStart(key=key, packed=pack(p.routes),
                     col_status=np.fromiter(map(int, kept.basis.col_status), dtype=np.int8),
                     row_status=np.fromiter(map(int, kept.basis.row_status), dtype=np.int8),
                     reference=kept.reference, solver=str(solver), priced=priced)


def graph_content(graph) -> tuple:
    """A pricing graph's compared fields (node and arc ids, arrays), in field order: what its
    searches read (its private look-ups are made from them)."""
    return tuple((f.name, getattr(graph, f.name)) for f in fields(graph) if f.compare)


def same_content(a: tuple, b: tuple) -> bool:
    """Whether two :func:`graph_content` tuples are equal: the same names, each array of the
    same dtype, shape and values (NaN nowhere expected: compared as ``==``), each other field
    ``==``."""
    if len(a) != len(b):
        return False
    for (na, va), (nb, vb) in zip(a, b):
        if na != nb or isinstance(va, np.ndarray) != isinstance(vb, np.ndarray):
            return False
        if isinstance(va, np.ndarray):
            if va.dtype != vb.dtype or va.shape != vb.shape or not np.array_equal(va, vb):
                return False
        elif va != vb:
            return False
    return True


#: the route set's tables (its ``stats`` is a small dict, sent as it is)
_FRAMES = ("routes", "route_arcs", "eligible")


def pack(routes: RouteSet) -> dict:
    """A route set's fields, each table's text columns as categoricals (codes and the
    distinct strings: a route's arcs repeat its id, kinds and directions, 47.6 MB pickled
    for the 60-day sweep's 250,707 arcs as text). A table that would not come back equal,
    dtypes included (:func:`unpack`), is sent as it is."""
    out = {"stats": routes.stats}
    for name in _FRAMES:
        frame = getattr(routes, name)
        text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)
                and not isinstance(frame[c].dtype, pd.CategoricalDtype)]
        small = frame.astype({c: "category" for c in text})
        packed = (small, {c: frame[c].dtype for c in text})
        out[name] = packed if unpack(packed).equals(frame) and \
            (unpack(packed).dtypes == frame.dtypes).all() else frame
    return out


def unpack(packed) -> pd.DataFrame:
    """A table :func:`pack` sent: its categorical columns back to the text dtype they had."""
    if isinstance(packed, pd.DataFrame):
        return packed
    small, dtypes = packed
    return small.astype(dtypes)


def basis_of(start: WarmStart) -> highspy.HighsBasis:
    """The HiGHS basis a :class:`WarmStart` carries."""
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUS_OF[x] for x in start.col_status.tolist()]
    basis.row_status = [_STATUS_OF[x] for x in start.row_status.tolist()]
    basis.valid = True
    return basis
