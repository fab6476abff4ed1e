"""The network and the optimisation model (imported as ``borderflow.model``).

Never imports :mod:`borderflow.solvers`, :mod:`borderflow.gis` or :mod:`borderflow.cli`.
"""

from borderflow.model.lazy_scipy import keep_scipy_stats_lazy

# before any module of the package imports scipy.sparse (model/lazy_scipy.py says why)
keep_scipy_stats_lazy()
