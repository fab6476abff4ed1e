"""Behaviour parameters of the realistic dispatch, read from the dataset's ``behaviour.csv``.

Three parameters are used (issue 18, item 4):

- ``dispatch_reaction_lag_days``: the days between news of a crossing event (a closure,
  throttle, ramp-up or a reopening date becoming known) and the dispatch reacting to it: trucks
  loaded and sent on those days follow the plan made before the news, and keep going to the
  gate (:mod:`borderflow.solvers.informed`);
- ``keep_coming_share`` and ``keep_coming_days``: after the lag, for ``keep_coming_days`` more
  days, at least that share of the trucks the plan made before news of a closure or throttle
  had loaded toward that gate keep being dispatched to it (drivers who wait it out); counted
  from the gate's first news of a disruption episode, later news of the same episode does not
  restart it (:func:`borderflow.model.information.keep_coming_windows`). A
  ``keep_coming_days`` row whose ``applies_to`` is a crossing id gives that gate its own
  window (Lang Son's gates: 18 days, the other gates the ``any gate`` row's 30).

A scenario's ``reaction_lag_days``, ``keep_coming_share`` and ``keep_coming_days`` override
the dataset's values (``keep_coming_days``: every gate's, their own windows included). A
dataset without the file or a row has no lag (the dispatcher reacts the day it hears) and
nobody keeps coming, and the run says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import read_table_file
from borderflow.data.scenario import MAX_REACTION_LAG_DAYS
from borderflow.data.schemas import SIDE_TABLES

BEHAVIOUR = next(s for s in SIDE_TABLES if s.name == "behaviour")
#: the ``behaviour.csv`` row of the reaction lag
REACTION_LAG = "dispatch_reaction_lag_days"


@dataclass(frozen=True)
class ReactionLag:
    """The reaction lag a realistic run uses.

    Attributes
    ----------
    days : int
        Days between news and the dispatch reacting to it.
    low, high : float or None
        The dataset's range (days), ``None`` without a dataset row.
    origin : str
        ``scenario`` (its ``reaction_lag_days``), ``dataset`` (``behaviour.csv``) or ``none``.
    source : str
        Where the value comes from, in words (the dataset row's source, year and quality).
    """

    days: int
    low: float | None
    high: float | None
    origin: str
    source: str


#: the ``behaviour.csv`` rows of the drivers who keep coming after news of a closure/throttle
KEEP_SHARE, KEEP_DAYS = "keep_coming_share", "keep_coming_days"


@dataclass(frozen=True)
class KeepComing:
    """Drivers who keep coming to a closed or throttled gate after the reaction lag.

    Attributes
    ----------
    share : float
        Share (0-1) of the trucks the plan made before the news had loaded toward the gate,
        per route and day, that are still dispatched to it (a lower bound on those flows).
    days : int
        Days, from the end of the reaction lag, during which they keep coming (every gate
        without its own window).
    source : str
        Where the values come from, in words (scenario, or dataset rows with range and
        quality).
    days_by_gate : dict
        Crossing id -> days, for the gates with their own ``keep_coming_days`` row
        (``applies_to`` = the crossing); empty when the scenario states ``keep_coming_days``.
    """

    share: float
    days: int
    source: str
    days_by_gate: Mapping[str, int] = field(default_factory=dict)

    def days_at(self, crossing: str) -> int:
        """The keep-coming window (days) of ``crossing``: its own, else :attr:`days`."""
        return int(self.days_by_gate.get(crossing, self.days))

    @property
    def longest(self) -> int:
        """The longest window of any gate, days."""
        return max([self.days, *self.days_by_gate.values()])

    @property
    def active(self) -> bool:
        """True when some trucks keep coming (a positive share for at least one day)."""
        return self.share > 0 and self.longest > 0


def _folder(tables) -> Path | None:
    files = tables.sources.get("products")
    return Path(files[0]).parent if files else None


#: ``applies_to`` of a row that holds for every gate or origin (not one crossing)
GENERIC = ("any gate", "all origins")
#: parameters that may also have rows for one crossing (``applies_to`` = its crossing id)
PER_GATE = (KEEP_DAYS,)


def _checked(shown: str, i: int, r, parameter: str, limits: tuple[float, float],
             whole: bool) -> tuple[float, float, float, str]:
    """``(value, low, high, source)`` of table row ``i`` (``r``), checked: a number (whole if
    ``whole``) within ``limits`` and within its own low-high range, else an InputError naming
    file, row and field."""
    value, low, high = float(r["value"]), float(r["low"]), float(r["high"])
    kind = "a whole number of days" if whole else "a number"
    if (whole and value != int(value)) or not limits[0] <= value <= limits[1]:
        raise InputError(Problem(shown, i + 2, "value", f"{parameter} must be {kind} within "
                                 f"{limits[0]:g}-{limits[1]:g}, not {value:g}"))
    if not low <= value <= high:
        raise InputError(Problem(shown, i + 2, "value", f"{parameter} {value:g} is "
                                 f"outside its range {low:g}-{high:g}"))
    gate = "" if r["applies_to"] in GENERIC else f" at {r['applies_to']}"
    source = (f"behaviour.csv {parameter}{gate} = {value:g} (range {low:g}-{high:g}, "
              f"{r.get('quality', 'quality not stated')}; source: {r.get('source', '')}, "
              f"{r.get('source_year', '')})")
    return value, low, high, source


def _rows(tables, parameter: str, limits: tuple[float, float], whole: bool):
    """``(general, by_gate)`` of ``behaviour.csv``'s rows ``parameter``: ``general`` the
    ``(value, low, high, source)`` of its row for every gate (``applies_to`` one of
    :data:`GENERIC`; ``None`` without the file or the row), ``by_gate`` those of its rows for
    one crossing (``applies_to`` a crossing id of crossings.csv; :data:`PER_GATE` parameters
    only), by crossing id. Each row is checked (:func:`_checked`); an ``applies_to`` that is
    neither is an InputError naming file, row and field."""
    folder = _folder(tables)
    path = folder / BEHAVIOUR.filename if folder is not None else None
    if path is None or not path.exists():
        return None, {}
    table = read_table_file(path, BEHAVIOUR)
    crossings = set(tables.crossings["crossing_id"])
    general, by_gate, shown = None, {}, str(path)
    for i in table.index[table["parameter"] == parameter]:
        r = table.loc[i]
        where = str(r["applies_to"])
        if where not in GENERIC and (parameter not in PER_GATE or where not in crossings):
            allowed = " or a crossing id of crossings.csv" if parameter in PER_GATE else ""
            raise InputError(Problem(shown, int(i) + 2, "applies_to", f"{parameter} applies "
                                     f"to {' or '.join(repr(g) for g in GENERIC)}{allowed}, "
                                     f"not {where!r}"))
        row = _checked(shown, int(i), r, parameter, limits, whole)
        if where in GENERIC and general is not None:
            raise InputError(Problem(shown, int(i) + 2, "applies_to", f"a second {parameter} "
                                     "row for every gate: keep one"))
        if where in GENERIC:
            general = row
        else:
            by_gate[where] = row
    return general, by_gate


def _row(tables, parameter: str, limits: tuple[float, float], whole: bool):
    """``(value, low, high, source)`` of ``behaviour.csv``'s row ``parameter`` for every gate,
    ``None`` without the file or the row (:func:`_rows`)."""
    return _rows(tables, parameter, limits, whole)[0]


def reaction_lag(tables, scenario) -> ReactionLag:
    """The reaction lag of a realistic run of ``scenario`` on ``tables`` (module docstring).

    Parameters
    ----------
    tables : InputTables
        The dataset (its folder's ``behaviour.csv`` is read, if there is one).
    scenario : Scenario

    Returns
    -------
    ReactionLag

    Raises
    ------
    InputError
        If ``behaviour.csv`` is malformed, or its reaction lag is not a whole number of days
        within 0-60 or outside its own low-high range (file, row and field named).
    """
    row = _row(tables, REACTION_LAG, (0, MAX_REACTION_LAG_DAYS), whole=True)
    if scenario.reaction_lag_days is not None:
        low, high = (None, None) if row is None else row[1:3]
        return ReactionLag(int(scenario.reaction_lag_days), low, high, "scenario",
                           f"scenario '{scenario.name}' reaction_lag_days = "
                           f"{scenario.reaction_lag_days}")
    if row is None:
        return ReactionLag(0, None, None, "none", f"no {REACTION_LAG} in the dataset's "
                           "behaviour.csv: the dispatch reacts the day it hears")
    value, low, high, source = row
    return ReactionLag(int(value), low, high, "dataset", source)


def keep_coming(tables, scenario) -> KeepComing:
    """The drivers who keep coming in a realistic run of ``scenario`` on ``tables``
    (module docstring): ``keep_coming_share`` (0-1) and ``keep_coming_days`` (whole days,
    0-60), each from the scenario if it states it, else from ``behaviour.csv``, else 0; and
    the gates' own windows (``keep_coming_days`` rows whose ``applies_to`` is a crossing id),
    unless the scenario states ``keep_coming_days`` (then one window for every gate).

    Parameters
    ----------
    tables : InputTables
    scenario : Scenario

    Returns
    -------
    KeepComing

    Raises
    ------
    InputError
        If a ``behaviour.csv`` row is out of its limits or of its own range, or applies to
        something other than every gate or a known crossing (file, row and field named).
    """
    words, values, by_gate = [], [], {}
    for name, limits, whole in ((KEEP_SHARE, (0, 1), False),
                                (KEEP_DAYS, (0, MAX_REACTION_LAG_DAYS), True)):
        row, gates = _rows(tables, name, limits, whole)
        stated = getattr(scenario, name)
        if stated is not None:
            values.append(float(stated))
            words.append(f"scenario '{scenario.name}' {name} = {stated:g}"
                         + (" (every gate)" if gates else ""))
            continue
        if row is not None:
            values.append(row[0])
            words.append(row[3])
        else:
            values.append(0.0)
            words.append(f"no {name} in the dataset's behaviour.csv: 0")
        by_gate.update({c: int(g[0]) for c, g in sorted(gates.items())})
        words += [g[3] for _, g in sorted(gates.items())]
    return KeepComing(share=values[0], days=int(values[1]), source="; ".join(words),
                      days_by_gate=by_gate)
