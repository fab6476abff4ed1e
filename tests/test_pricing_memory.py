"""Column generation drops a model before it builds the next one (``generate_columns``).

A priced 365-day run rebuilt its model in every pricing round while the previous model, its
HiGHS instance and the caller's first model were all still alive (peak 4.1 GB at 365 days).
Now the old model's basis is kept by key (:func:`keyed_basis`, no reference to the model) and
the model itself is let go before the rebuild. Checked on the hand-computed cg-three-borders
network (dated, one day: pricing adds the three-border route and re-solves warm): the same
optimum and iterations whether the caller keeps its model or gives it up, the given-up model
really freed (a weak reference to its Pyomo model dies), and the kept basis equal, status for
status, to the one carried from the live model.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from pathlib import Path

import numpy as np
import pytest

import borderflow as bf
from borderflow.data.scenario import Horizon, Scenario
from borderflow.model.column_generation import carry_basis, keyed_basis
from borderflow.options import RunOptions
from borderflow.pipeline import generate_columns, prepare, solve_session

DATA = Path(__file__).parent / "data" / "cg-three-borders"


def _solved():
    tables = bf.load_dataset(DATA, check_borders=False)
    scenario = Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))
    options = RunOptions.of()
    routes, solver = options.effective(True)
    model = prepare(tables, scenario, routes, solver)
    summary = solve_session(model.session, model.built, model.net)
    return model, summary, options


def _statuses(session) -> tuple[list[int], list[int]]:
    basis = session.highs.getBasis()
    return [int(s) for s in basis.col_status], [int(s) for s in basis.row_status]


@pytest.mark.parametrize("keep_input", [True, False])
def test_a_rebuilt_model_gives_the_same_optimum_whether_the_input_is_kept(keep_input):
    model, summary, options = _solved()
    pyomo_model = weakref.ref(model.built.model)
    highs = weakref.ref(model.session.highs)
    rebuilt, after, routing = generate_columns(model, summary, options,
                                               keep_input=keep_input)
    gc.collect()
    assert routing.routes_generated == 1 and routing.rounds == 2
    assert routing.status == "certified"
    assert after.objective_usd == pytest.approx(1 / 12 * 73_000 / 31 * (61.5 - 2000),
                                                rel=1e-9)
    assert rebuilt is not model
    if keep_input:  # the caller's model untouched, with its own solution
        assert model.session is not None and model.built.model is pyomo_model()
        assert model.session.highs is highs()
    else:  # given up: dropped, and nothing else kept it alive
        assert model.session is None and model.built is None and model.routes is None
        assert pyomo_model() is None and highs() is None


def test_the_same_warm_solve_whether_the_input_is_kept():
    """Same iterations and objective: the basis kept by key is the basis carried live."""
    runs = []
    for keep in (True, False):
        model, summary, options = _solved()
        runs.append(generate_columns(model, summary, options, keep_input=keep)[1])
    assert runs[0].objective_usd == runs[1].objective_usd
    assert runs[0].iterations == runs[1].iterations


def test_keyed_basis_is_the_basis_carried_from_the_live_model():
    from borderflow.model.column_generation import with_columns
    from borderflow.pipeline import assemble
    from borderflow.pricing_scope import price_once
    from borderflow.model.column_generation import pricing_inputs

    model, summary, options = _solved()
    columns = price_once(model, options, pricing_inputs(model.net))[0]
    assert not columns.empty
    routes = with_columns(model.net, model.routes, columns)
    live = assemble(model.tables, model.net, routes, model.session.options)
    assert carry_basis(model.session, model.built, live.session, live.built)
    keyed = keyed_basis(model.session, model.built)
    later = assemble(model.tables, model.net, routes, model.session.options)
    del model
    gc.collect()
    assert keyed.apply(later.session, later.built)
    got, want = _statuses(later.session), _statuses(live.session)
    assert got == want
    # new route columns nonbasic at 0, every kept status one HiGHS knows
    assert len(got[0]) > 0 and set(np.unique(got[0])) <= {0, 1, 2, 3, 4}
