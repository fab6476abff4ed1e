"""Every scalar model parameter in one table: name, unit, default, valid range, what it sets
and where its value comes from.

``parameters.csv`` gives the values (with source, year and quality on every row); this table
says what the code reads. :data:`PARAMETERS` is the one place a parameter is named: the dataset
checks (:func:`borderflow.data.checks.validate_tables`) hold ``parameters.csv`` to it (required
rows present, units as here, values in range), and the network build, the LP, the result
tables and robust plans read the typed values of :class:`ModelParameters` instead of looking
names up with their own defaults. The independent verifier reads the same table (it is data,
not the model). The table in docs/model.md ("Parameters") is checked against this one by the
tests.

A *default* applies when a dataset has no row for the parameter (an overlay or a user's own
dataset); ``None`` means the dataset must give it. The *valid range* is what the model can
mean, not the uncertainty of the estimate (that range is in ``ranges.csv``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import pandas as pd

from .errors import InputError, Problem


@dataclass(frozen=True)
class Parameter:
    """One scalar parameter of ``parameters.csv``.

    Attributes
    ----------
    name : str
        Row name in ``parameters.csv`` (the unit is in the name where it has one).
    unit : str
        Unit the value must be given in (``-`` for a pure number).
    default : float or None
        Value used when the dataset has no row; ``None``: required.
    low, high : float
        Valid range, inclusive.
    integer : bool
        The value counts whole days.
    sets : str
        The model quantity it sets.
    source : str
        Where the shipped value (``data/default/parameters.csv``) and the default come from.
    """

    name: str
    unit: str
    default: float | None
    low: float
    high: float
    integer: bool
    sets: str
    source: str

    @property
    def required(self) -> bool:
        """True when a dataset must give the parameter."""
        return self.default is None

    def problem(self, value: float, whole: bool = True) -> str | None:
        """Why ``value`` is not valid (``None`` if it is); ``whole=False`` skips the check
        for whole days (the model truncates them)."""
        if not math.isfinite(value) or not self.low <= value <= self.high:
            valid = (f"at least {_number(self.low)}" if math.isinf(self.high)
                     else f"between {_number(self.low)} and {_number(self.high)}")
            return f"{self.name} = {_number(value)} {self.unit} is outside its valid range " \
                f"({valid})"
        if whole and self.integer and value != int(value):
            return f"{self.name} = {_number(value)} must be a whole number of {self.unit}"
        return None


def _number(x: float) -> str:
    return f"{x:g}"


_RATE = "link cost per truck where a {} link has no cost of its own (length x rate)"

#: every parameter the model reads, in the order of ``data/default/parameters.csv``
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("road_cost_usd_per_truck_km", "USD/truck-km", None, 0.0, 100.0, False,
              _RATE.format("road"),
              "estimate 2024: GMS trucking rates USD 1.0-1.5 per truck-km for a 40 ft "
              "container, midpoint"),
    Parameter("rail_cost_usd_per_truck_km", "USD/truck-km", None, 0.0, 100.0, False,
              _RATE.format("rail"),
              "VNR via VNA 2020, Global Times: rail ~20 % cheaper than road (road rate x 0.8)"),
    Parameter("transfer_cost_usd_per_truck_km", "USD/truck-km", None, 0.0, 1_000.0, False,
              _RATE.format("transfer"), "estimate 2024"),
    Parameter("reefer_cost_factor", "-", None, 1.0, 10.0, False,
              "link costs of reefer products (times the ambient rate)",
              "estimate 2024: reefer fuel VND 300,000/day (Tuoi Tre 2021) and equipment"),
    Parameter("waiting_cost_usd_per_truck_day", "USD/truck-day", None, 0.0, 10_000.0, False,
              "waiting cost of the trucks in a queue (dated runs)",
              "project seed; Tuoi Tre News 19 Dec 2021 (parking VND 400,000 + reefer fuel "
              "VND 300,000 per day)"),
    Parameter("unserved_penalty_factor", "-", None, 0.0, 100.0, False,
              "lost value of produce unserved or expired (times its value per tonne)",
              "model convention: produce not shipped loses its full export value"),
    Parameter("queue_max_wait_days", "days", 14.0, 0.0, 365.0, True,
              "longest wait in a gate queue before cargo is abandoned; the run-out tail of a "
              "dated horizon", "VnExpress 2021 (waits up to 10-17 days at Lang Son)"),
    Parameter("empty_return_share", "-", 0.0, 0.0, 1.0, False,
              "share of loaded trucks returning empty through the gate they crossed "
              "(inbound capacity); default: no empties modelled",
              "estimate 2024 (assumed; VAN 2024 on empty trucks stranded at Kim Thanh)"),
    Parameter("empty_return_days", "days", 0.0, 0.0, 60.0, True,
              "days until empties come back through the gate (dated runs)",
              "estimate 2024: unloading and turnaround (assumed)"),
    Parameter("spot_premium_factor", "-", 0.3, 0.0, 10.0, False,
              "robust plans: extra cost of unbooked (spot) flow, share of the route cost",
              "estimate 2024 (assumed; no published GMS spot-rate series)"),
    Parameter("unused_booking_factor", "-", 0.1, 0.0, 1.0, False,
              "robust plans: share of a booked route's cost paid when the booking is unused",
              "estimate 2024 (cancellation or retainer; assumed)"),
) + tuple(
    Parameter(f"congestion_breakpoint_{k}", "-", b, 0.0, 1.0, False,
              f"static runs: end of congestion tier {k} as a share of a gate's daily capacity "
              "per direction", "estimate 2024 (assumed tiers of utilisation)")
    for k, b in ((1, 0.5), (2, 0.75), (3, 0.9))) + tuple(
    Parameter(f"congestion_hours_{k}", "h", 0.0, 0.0, 240.0, False,
              f"static runs: waiting hours of a loaded truck in congestion tier {k}, priced by "
              "its product's value of time; all 0: no congestion", "default off (0 h); "
              "estimate where a dataset sets it")
    for k in (1, 2, 3, 4)) + (
    Parameter("congestion_fifo", "-", 0.0, 0.0, 1.0, False,
              "static runs: 1 = the congestion tiers clear first come, first served within a "
              "lane class (every truck of a gate direction's lane waits alike, priced at "
              "congestion_lane_usd_per_truck_h); 0 = in the order of each product's value of "
              "time (session 10)", "issue 18 item 2 (the clearing rule); default 0: the "
              "session 10 form"),
    Parameter("congestion_lane_usd_per_truck_h", "USD/truck-h", 0.0, 0.0, 100000.0, False,
              "static runs with congestion_fifo 1: the cargo's value of a truck-hour in a "
              "lane, the same for every truck of the lane (plus the truck's own waiting cost "
              "per truck-day / 24)", "estimate where a dataset sets it (default 0)"),
)

#: number of congestion tiers (``congestion_hours_1..N``; breakpoints ``1..N-1``)
CONGESTION_TIERS = 4

#: the parameters by name
PARAMETER: dict[str, Parameter] = {p.name: p for p in PARAMETERS}

#: the link modes with a per-truck-km rate parameter (``<mode>_cost_usd_per_truck_km``)
LINK_MODES = ("road", "rail", "transfer")


@dataclass(frozen=True)
class ModelParameters:
    """The parameters of one dataset, typed (one attribute per :data:`PARAMETERS` entry, in
    its unit); defaults applied. Made by :meth:`of`."""

    road_cost_usd_per_truck_km: float
    rail_cost_usd_per_truck_km: float
    transfer_cost_usd_per_truck_km: float
    reefer_cost_factor: float
    waiting_cost_usd_per_truck_day: float
    unserved_penalty_factor: float
    queue_max_wait_days: int
    empty_return_share: float
    empty_return_days: int
    spot_premium_factor: float
    unused_booking_factor: float
    congestion_breakpoint_1: float
    congestion_breakpoint_2: float
    congestion_breakpoint_3: float
    congestion_hours_1: float
    congestion_hours_2: float
    congestion_hours_3: float
    congestion_hours_4: float
    congestion_fifo: float
    congestion_lane_usd_per_truck_h: float

    @classmethod
    def of(cls, tables) -> ModelParameters:
        """The parameters of ``tables`` (an :class:`~borderflow.data.loaders.InputTables`):
        its ``parameters`` rows, else the defaults of :data:`PARAMETERS`.

        Days are truncated to whole days (a dataset must give whole days: the dataset checks
        say so; sampled tables of the uncertainty engine may not).

        Raises
        ------
        InputError
            If a required parameter is missing or a value is outside its valid range (one
            problem naming ``parameters.csv``, the parameter and its value).
        """
        source = tables.sources.get("parameters", ["parameters.csv"])[0]
        values = parameter_values(tables.parameters)
        out = {}
        for p in PARAMETERS:
            value = values.get(p.name, p.default)
            if value is None:
                raise InputError(Problem(source, None, "parameter",
                                         f"missing parameter '{p.name}' ({p.unit})"))
            why = p.problem(value, whole=False)
            if why is not None:
                raise InputError(Problem(source, None, "value", why))
            out[p.name] = int(value) if p.integer else float(value)  # whole days: truncated
        why = congestion_problem(out)
        if why is not None:
            raise InputError(Problem(source, None, "value", why[1]))
        return cls(**out)

    def congestion_tiers(self) -> list[tuple[float, float, float]] | None:
        """The congestion tiers ``(share_low, share_high, hours)`` of a gate direction's daily
        capacity (docs/model.md, "Congestion at the gates"); ``None`` when every tier's hours
        are 0 (no congestion: the model adds nothing)."""
        return congestion_tiers(self.as_dict())

    def congestion_lane_value(self) -> float | None:
        """The cargo value of a truck-hour in a lane (USD) when the tiers clear first come,
        first served within a lane class; ``None``: in the order of the products' values."""
        return congestion_lane_value(self.as_dict())

    def link_rate_usd_per_truck_km(self, mode: str) -> float:
        """Cost per truck-km of a link of ``mode`` (``road``, ``rail``, ``transfer``)."""
        if mode not in LINK_MODES:
            raise KeyError(f"no per-km rate for link mode '{mode}' (one of {LINK_MODES})")
        return getattr(self, f"{mode}_cost_usd_per_truck_km")

    def as_dict(self) -> dict[str, float]:
        """Name -> value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parameter_values(parameters: pd.DataFrame) -> dict[str, float]:
    """``parameters.csv`` rows as name -> value (the first row of a name; later rows of an
    overlay have replaced earlier ones by then)."""
    out: dict[str, float] = {}
    for name, value in zip(parameters["parameter"].astype(str), parameters["value"]):
        out.setdefault(name, float(value))
    return out


def congestion_tiers(values) -> list[tuple[float, float, float]] | None:
    """``(share_low, share_high, hours)`` per congestion tier from parameter values by name
    (defaults where missing); ``None`` when every tier's hours are 0."""
    def get(name: str) -> float:
        return float(values.get(name, PARAMETER[name].default))
    ends = [0.0] + [get(f"congestion_breakpoint_{k}") for k in range(1, CONGESTION_TIERS)] \
        + [1.0]
    hours = [get(f"congestion_hours_{k}") for k in range(1, CONGESTION_TIERS + 1)]
    if not any(hours):
        return None
    return [(ends[k], ends[k + 1], hours[k]) for k in range(CONGESTION_TIERS)]


def congestion_lane_value(values) -> float | None:
    """From parameter values by name (defaults where missing): the cargo value of a truck-hour
    in a lane (USD/truck-h, every truck of the lane alike) when ``congestion_fifo`` is 1, else
    ``None`` (the tiers are shared in the order of each product's value of time)."""
    if float(values.get("congestion_fifo", PARAMETER["congestion_fifo"].default)) != 1.0:
        return None
    return float(values.get("congestion_lane_usd_per_truck_h",
                            PARAMETER["congestion_lane_usd_per_truck_h"].default))


def congestion_problem(values) -> tuple[str, str] | None:
    """``(parameter, why)`` if the congestion parameters (by name, defaults where missing) do
    not make a convex delay: breakpoints must rise strictly and hours must not fall."""
    def get(name: str) -> float:
        return float(values.get(name, PARAMETER[name].default))
    ends = [0.0] + [get(f"congestion_breakpoint_{k}") for k in range(1, CONGESTION_TIERS)] \
        + [1.0]
    for k in range(1, CONGESTION_TIERS):
        if not ends[k - 1] < ends[k] < ends[k + 1]:
            name = f"congestion_breakpoint_{k}"
            return name, f"{name} = {ends[k]:g} must lie strictly between the tier ends " \
                f"around it ({ends[k - 1]:g} and {ends[k + 1]:g})"
    if get("congestion_fifo") not in (0.0, 1.0):
        return "congestion_fifo", f"congestion_fifo = {get('congestion_fifo'):g} must be 0 " \
            "(tiers in the order of value of time) or 1 (first come, first served in a lane)"
    for k in range(2, CONGESTION_TIERS + 1):
        low, high = get(f"congestion_hours_{k - 1}"), get(f"congestion_hours_{k}")
        if high < low:
            name = f"congestion_hours_{k}"
            return name, f"{name} = {high:g} h is below congestion_hours_{k - 1} = {low:g} h " \
                "(waiting hours must not fall as utilisation rises: the delay is convex)"
    return None


def parameter_problems(parameters: pd.DataFrame) -> list[tuple[int | None, str, str, str]]:
    """What is wrong in a ``parameters`` table against :data:`PARAMETERS`.

    Returns
    -------
    list of (row position or None, field, message, level)
        ``level`` ``"error"`` (a required parameter missing, a unit other than the table's,
        a value outside its range) or ``"warning"`` (a parameter the model does not read).
    """
    out = []
    names = parameters["parameter"].astype(str).tolist()
    for i, (name, value, unit) in enumerate(zip(names, parameters["value"],
                                                parameters["unit"].astype(str))):
        p = PARAMETER.get(name)
        if p is None:
            out.append((i, "parameter", f"unknown parameter '{name}': the model does not read "
                        "it (docs/model.md, Parameters)", "warning"))
            continue
        if unit.strip() != p.unit:
            out.append((i, "unit", f"{name} is read in {p.unit}, not '{unit}'", "error"))
        why = p.problem(float(value))
        if why is not None:
            out.append((i, "value", why, "error"))
    why = congestion_problem(parameter_values(parameters))
    if why is not None:
        at = names.index(why[0]) if why[0] in names else None
        out.append((at, "value", why[1], "error"))
    for p in PARAMETERS:
        if p.required and p.name not in names:
            out.append((None, "parameter", f"missing parameter '{p.name}' ({p.unit})", "error"))
    return out


def markdown_table() -> str:
    """The parameter table as Markdown (docs/model.md, "Parameters")."""
    lines = ["| parameter | unit | default | valid range | sets | source of the shipped value |",
             "|---|---|---|---|---|---|"]
    for p in PARAMETERS:
        default = "required" if p.required else _number(p.default)
        high = "∞" if math.isinf(p.high) else _number(p.high)
        kind = ", whole days" if p.integer else ""
        lines.append(f"| `{p.name}` | {p.unit} | {default} | {_number(p.low)} to {high}{kind} "
                     f"| {p.sets} | {p.source} |")
    return "\n".join(lines)
