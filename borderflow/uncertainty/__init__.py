"""Answers with error bars: ranges of the estimated numbers, samples, warm re-solves, summaries,
global sensitivity and tornado charts (issue 19). See docs/uncertainty.md.

The package is itself callable, so ``bf.uncertainty(ds, scenario, ...)`` works whether or not
the package was imported before (Python binds the subpackage to ``borderflow.uncertainty``):
calling it calls :func:`borderflow.uncertainty.run.uncertainty`.
"""

import sys
import types


class _CallablePackage(types.ModuleType):
    """This package, callable as :func:`borderflow.uncertainty.run.uncertainty`."""

    def __call__(self, *args, **kwargs):
        from .run import uncertainty

        return uncertainty(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
