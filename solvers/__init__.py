"""Solving the Pyomo model with HiGHS, and solving many scenarios (``borderflow.solvers``)."""
