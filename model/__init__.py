"""The network and the optimisation model (imported as ``borderflow.model``).

Never imports :mod:`borderflow.solvers`, :mod:`borderflow.gis` or :mod:`borderflow.cli`.
"""
