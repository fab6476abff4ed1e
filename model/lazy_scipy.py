"""Keep Pyomo from importing ``scipy.stats`` whenever borderflow imports ``scipy.sparse``.

Pyomo declares scipy a deferred import with a finishing step
(``pyomo.common.dependencies._finalize_scipy``: ``import scipy.stats, scipy.integrate,
scipy.sparse, scipy.spatial``) and installs an import hook
(``pyomo.common.dependencies.DeferredImportCallbackFinder``) that runs that step as soon as
*anything* imports scipy. borderflow's model and solvers import ``scipy.sparse`` (matrices) and
nothing of ``scipy.stats``, so every command that builds a model paid for ``scipy.stats``
(about 0.9 CPU s of a 2.6 s start-up, docs/testing.md "CI time") for nothing.

:func:`keep_scipy_stats_lazy` unregisters that finishing step from the hook only: Pyomo's own
deferred ``scipy`` still runs it the first time Pyomo itself uses scipy (its
``DeferredImportIndicator`` keeps the callback), so Pyomo sees exactly the modules it expects;
code that wants ``scipy.stats`` imports it (``borderflow.uncertainty``). Nothing a solve computes
changes: the same modules run, the unused ones are just not loaded.

This and :mod:`borderflow.model.pyomo_layer` are the modules that touch Pyomo internals (here:
the hook's registry, ``DeferredImportCallbackFinder._callbacks``); a Pyomo release that drops
the registry makes :func:`keep_scipy_stats_lazy` do nothing (the old start-up, the same
results), and ``tests/test_pyomo_layer.py`` notices (a fresh ``borderflow solve`` process must
not load ``scipy.stats``).
"""

from __future__ import annotations

import sys


def keep_scipy_stats_lazy() -> bool:
    """Unregister Pyomo's import-time scipy finishing step (``import scipy.stats`` ...).

    Called by ``borderflow.model`` when it is imported (the solvers import it before scipy).
    Must run after Pyomo's ``pyomo.common.dependencies`` is imported (this imports it) and
    before scipy is: once scipy is loaded the step has already run, and this does nothing.
    Idempotent.

    Returns
    -------
    bool
        True if scipy is not loaded yet and no finishing step is registered for it any more
        (importing scipy will not pull in ``scipy.stats``), False otherwise.
    """
    if "scipy" in sys.modules:
        return False
    from pyomo.common import dependencies

    finder = getattr(dependencies, "DeferredImportCallbackFinder", None)
    callbacks = getattr(finder, "_callbacks", None)
    if not isinstance(callbacks, dict):
        return False
    callbacks.pop("scipy", None)
    return True
