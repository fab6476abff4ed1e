"""How big the LP of a scenario will be, estimated before it is built (and refused if too big).

A day-by-day horizon multiplies the model: every (route, product) pair gets a flow variable per
dispatch day and, when it crosses a border, a queue, departures and expiry per day, and the
FIFO age rows touch every flow ``W + 1`` times. Twenty years day by day on the embedded dataset
would need hundreds of GB; building it would exhaust the machine's memory long before HiGHS
could say anything. :func:`check_model_size` counts variables, rows and nonzeros from the
network and the route set alone (nothing is built) and raises :class:`InputError` with the
estimate when it exceeds the limit.

The limit (:func:`max_model_gb`): ``max_gb`` if given, else the environment variable
``BORDERFLOW_MAX_MODEL_GB``, else half of the machine's physical memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from borderflow.data.errors import InputError, Problem

from .queues import allowed_wait_days, stream_table
from .streams import STREAM_KEY

#: memory per nonzero of the constraint matrix, bytes. Measured on the embedded dataset
#: (Boten 2021, 45 and 180 days: 232 B per nonzero for the Pyomo model and its HiGHS copy),
#: plus headroom for the interior-point factorisation and the result tables.
BYTES_PER_NONZERO = 350
#: share of the machine's physical memory a model may use when no limit is configured
RAM_SHARE = 0.5
#: environment variable that sets the limit in GB
LIMIT_ENV = "BORDERFLOW_MAX_MODEL_GB"


@dataclass(frozen=True)
class ModelSize:
    """Estimated size of a scenario's LP: counts, and memory in GB to build and solve it."""

    variables: int
    constraints: int
    nonzeros: int
    periods: int

    @property
    def gb(self) -> float:
        """Estimated peak memory to build, translate and solve the model, GB."""
        return self.nonzeros * BYTES_PER_NONZERO / 1e9

    def __str__(self) -> str:
        return (f"{_count(self.variables)} variables, {_count(self.constraints)} constraints, "
                f"{_count(self.nonzeros)} nonzeros, about {self.gb:,.1f} GB")


def _count(n: int) -> str:
    """``10.81 M`` for millions, ``40,656`` below."""
    return f"{n / 1e6:,.2f} M" if n >= 1e6 else f"{n:,}"


def estimate_model_size(net, routes, aggregate: bool = False) -> ModelSize:
    """Count the variables, rows and nonzeros :func:`~borderflow.model.formulation.build_model`
    would create for ``net`` (a :class:`~borderflow.model.network.FreightNetwork`) and
    ``routes`` (a :class:`~borderflow.model.routes.RouteSet`), without building anything
    (``aggregate``: a dated model whose pairs share stream queues,
    :mod:`borderflow.model.streams`).

    The counts follow docs/model.md: per dispatch day one flow per eligible (route, product);
    one unserved per origin, product and day; dated horizons add, per stream (a pair that
    crosses a border; with ``aggregate``, a stream key :data:`~borderflow.model.streams.
    STREAM_KEY` those pairs share) and day, queue, departures and expiry with their balance,
    age and expiry rows (the age rows take each flow ``W + 1`` times either way).
    """
    n_periods, n_supply = len(net.periods), len(net.supply_periods)
    el = routes.eligible.merge(routes.routes[["route_id", "n_crossings"]], on="route_id")
    n_cross = el["n_crossings"].to_numpy(dtype=float)
    pairs = len(el)
    unserved = len(net.supply)
    capacity_rows = 2 * len(net.crossings) * n_periods
    demand_rows = int(net.demand["demand_t"].notna().sum())
    if not net.dated:
        nnz = n_supply * float(np.sum(2.0 + n_cross)) + unserved
        return ModelSize(pairs * n_supply + unserved, unserved + capacity_rows + demand_rows,
                         int(nnz), n_periods)
    shelf_h = net.products.loc[el["product_id"], "shelf_life_h"].to_numpy(dtype=float)
    wait = allowed_wait_days(shelf_h, el["duration_h"].to_numpy(dtype=float),
                             net.max_wait_days).astype(float)
    stream = n_cross > 0
    n_streams = int(stream.sum())
    if aggregate and n_streams:
        n_streams = len(stream_table(net, routes)[STREAM_KEY].drop_duplicates())
    queues = n_streams * n_periods
    # a flow: supply row, pass-through crossings, demand, queue balance, age (W+1), expiry
    per_flow = np.where(stream, n_cross + wait + 4.0, 2.0)
    nnz = n_supply * float(per_flow.sum()) + unserved + 8 * queues
    return ModelSize(variables=pairs * n_supply + unserved + 3 * queues,
                     constraints=unserved + capacity_rows + demand_rows + 3 * queues,
                     nonzeros=int(nnz), periods=n_periods)


def machine_ram_gb() -> float | None:
    """Physical memory of this machine in GB (``None`` where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def max_model_gb(max_gb: float | None = None) -> tuple[float, str]:
    """The largest model accepted, GB, and where that limit comes from (for messages).

    ``max_gb`` if given; else ``$BORDERFLOW_MAX_MODEL_GB``; else :data:`RAM_SHARE` of the
    machine's physical memory (16 GB if it cannot be read).
    """
    if max_gb is not None:
        return float(max_gb), "max_model_gb"
    env = os.environ.get(LIMIT_ENV)
    if env:
        try:
            return float(env), LIMIT_ENV
        except ValueError:
            raise InputError(Problem(LIMIT_ENV, None, None, f"expected a number of GB, got "
                                     f"{env!r}")) from None
    ram = machine_ram_gb()
    if ram is None:  # pragma: no cover
        return 16.0, "default (machine memory unknown)"
    return RAM_SHARE * ram, f"half of this machine's {ram:,.0f} GB of memory"


def check_model_size(net, routes, max_gb: float | None = None, *, copies: int = 1,
                     where: str | None = None, advice: str = "use fewer scenarios",
                     aggregate: bool = False) -> ModelSize:
    """Estimate the model of ``net`` and ``routes``; refuse it if it would not fit in memory.

    Parameters
    ----------
    net, routes
        The network and route set (:func:`estimate_model_size`).
    max_gb : float, optional
        The limit (:func:`max_model_gb`).
    copies : int
        Copies of the model built into one (a robust plan holds one per scenario).
    where, advice
        With ``copies > 1``: the place named in the message, and what to do.
    aggregate : bool
        A dated model over stream queues (:func:`estimate_model_size`): the size estimated
        is the aggregated model's.

    Returns
    -------
    ModelSize
        The estimate of one copy, when all copies are within the limit.

    Raises
    ------
    InputError
        For one copy: naming the scenario's ``horizon.days`` (the usual cause), the estimate,
        the limit and how many days would fit. For several: naming ``where``'s scenarios.
    """
    size = estimate_model_size(net, routes, aggregate)
    limit, why = max_model_gb(max_gb)
    if size.gb * copies <= limit:
        return size
    if copies > 1:
        raise InputError(Problem(where or f"scenario '{net.scenario.name}'", None, "scenarios",
                                 f"{copies} scenario copies of a model of {size} would need "
                                 f"about {size.gb * copies:,.1f} GB, over the limit of "
                                 f"{limit:,.1f} GB ({why}): {advice}"))
    days = len(net.supply_periods)
    fit = ""
    if net.dated:
        fit = (f"; about {max(1, int(days * limit / size.gb))} days fit: shorten the horizon "
               "or split it into consecutive runs")
    raise InputError(Problem(f"scenario '{net.scenario.name}'", None, "horizon.days",
                             f"the model of {days:,} day(s) would be too large to build: "
                             f"{size}, over the limit of {limit:,.1f} GB ({why}){fit}"))
