"""``HighsSession.restart_cold``: the next solve is the session's first again (its own
algorithm from scratch, reported as such), with the same optimum; ``bf.respond`` solves each
lever alone that way after its MIPs (tests/test_responses.py checks those answers)."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from borderflow.solvers.highs import HighsSession, SolverOptions


def _lp() -> pyo.ConcreteModel:
    """min x0 + 2 x1 s.t. x0 + x1 >= 3, x0 <= 2, x1 <= 5: x = (2, 1), cost 4."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], bounds=lambda m, i: (0, (2, 5)[i]))
    m.need = pyo.Constraint(expr=sum(m.x.values()) >= 3)
    m.cost = pyo.Objective(expr=m.x[0] + 2 * m.x[1])
    return m


def test_restart_cold_solves_by_the_sessions_algorithm_from_scratch():
    m = _lp()
    # presolve off: it would solve this LP without either algorithm
    session = HighsSession(m, SolverOptions(solver="ipm", presolve="off"))
    first = session.solve()
    assert first.objective_usd == pytest.approx(4.0) and not first.warm_start
    assert session.next_algorithm() == "simplex, warm from the kept basis"
    warm = session.solve()
    assert warm.warm_start and "warm" in warm.method
    session.restart_cold()
    assert session.next_algorithm() == "interior point"
    cold = session.solve()
    assert not cold.warm_start and cold.method == "one LP (interior point)"
    assert session.highs.getInfo().ipm_iteration_count > 0  # interior point ran, not the simplex
    assert cold.objective_usd == pytest.approx(4.0)
    assert [pyo.value(v) for v in m.x.values()] == pytest.approx([2.0, 1.0])
    # and later solves are warm again, by the simplex
    assert session.next_algorithm() == "simplex, warm from the kept basis"
