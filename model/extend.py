"""The extension point: an analyst's own Pyomo constraints on a built model.

An *extension* is a function ``extra(model, index) -> None`` that adds ordinary Pyomo
components to a built model: ``model`` is the :class:`pyo.ConcreteModel` of
:func:`borderflow.model.formulation.build_model`, ``index`` its
:class:`~borderflow.model.indices.IndexTables` (which variable is which route, product, gate and
day). It is given to the public API, ``bf.solve(dataset, scenario,
extra_constraints=extra)``, or to :func:`borderflow.pipeline.prepare`; the model is extended
after it is built and before HiGHS sees it. For example, at most 30 % of the durian dispatched
may cross at the Lang Son gates::

    LANG_SON = ["huu-nghi-youyiguan", "tan-thanh-puzhai"]

    def durian_lang_son(m, ix):
        use = ix.crossing_use                      # var, idx, crossing, direction, day, product
        via = use[use["crossing_id"].isin(LANG_SON) & (use["product_id"] == "durian")]
        durian = ix.flows.index[ix.flows["product_id"] == "durian"]
        m.durian_lang_son = pyo.Constraint(
            expr=sum(getattr(m, v)[i] for v, i in zip(via["var"], via["idx"]))
            <= 0.3 * sum(m.route_flow[f] for f in durian))

Contract:

- Add components (constraints, variables, expressions, parameters); do not delete or change
  the formulation's own (their rows are matrix rows whose terms are fixed; only bounds move).
- The rows stay fast: the HiGHS translation stacks the formulation's matrices and walks only
  the added rows (:func:`borderflow.model.pyomo_layer.linear_form`); a nonlinear row is
  refused by name.
- A disrupted scenario's baseline is re-solved on the same model, so it keeps the extension
  (the comparison is between two constrained optima); scenario bound changes (sweeps,
  :func:`~borderflow.model.formulation.bound_updates`) leave added rows as written.
- A rolling-horizon solve needs the day of every variable: an extension that adds variables
  is refused there (rows over the model's own variables are fine; a row spanning days is
  solved in the window of its latest day).
- The independent verifier checks the model's own constraints, not an extension's; the run
  records which extension it was solved with (``run.json``: ``extra_constraints``).
- Column generation (issue 17) adds route columns to a kept model: a row written over the
  routes known when the extension ran does not see them; the column-generation stage must
  run the extension again on the model it finally solves.
"""

from __future__ import annotations

from typing import Callable

import pyomo.environ as pyo

from .indices import IndexTables

#: ``extra(model, index)``: adds an analyst's components to a built model
ExtraConstraints = Callable[[pyo.ConcreteModel, IndexTables], None]


def extension_name(extra: ExtraConstraints) -> str:
    """``module.qualname`` of an extension (what ``run.json`` records)."""
    module = getattr(extra, "__module__", None) or "?"
    name = getattr(extra, "__qualname__", None) or type(extra).__qualname__
    return f"{module}.{name}"


def apply_extension(model: pyo.ConcreteModel, index: IndexTables,
                    extra: ExtraConstraints) -> dict:
    """Run ``extra(model, index)`` and say what it added.

    Returns
    -------
    dict
        ``function`` (:func:`extension_name`), ``constraints`` and ``variables``: names of
        the components added, in order (``run.json``'s ``extra_constraints``).

    Raises
    ------
    ValueError
        If the extension deleted or replaced a component of the model.
    """
    before = {name: id(c) for name, c in model.component_map().items()}
    extra(model, index)
    after = model.component_map()
    gone = sorted(n for n, i in before.items() if n not in after or id(after[n]) != i)
    if gone:
        raise ValueError(f"extra constraints {extension_name(extra)} removed or replaced "
                         f"model components {gone}: add components, do not change the "
                         "formulation's")
    added = [c for n, c in after.items() if n not in before]
    return {"function": extension_name(extra),
            "constraints": [c.local_name for c in added if c.ctype is pyo.Constraint],
            "variables": [c.local_name for c in added if c.ctype is pyo.Var]}
