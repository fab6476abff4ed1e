"""Input tables of borderflow: schemas, loading, cross-table checks and scenarios.

Imported as ``borderflow.data``. This stage imports nothing from ``borderflow.model``.
"""
