"""Solving the Pyomo model with HiGHS, and solving many scenarios (``borderflow.solvers``)."""

from borderflow.model.lazy_scipy import keep_scipy_stats_lazy

# before highs.py imports scipy.sparse (model/lazy_scipy.py says why)
keep_scipy_stats_lazy()
