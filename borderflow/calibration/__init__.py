"""Calibration on normal times (issue 18): fit the dataset's estimated numbers to published
normal-time observations (``docs/calibration.md``).

::

    import borderflow as bf
    res = bf.calibrate(bf.load_dataset(), out="runs/calibration")
    res.report["goodness"], res.report["observations"], res.changes
    res.report["dated_check"]          # static vs dated baseline at the gates

    # the check alone, on a dataset as it is (e.g. the calibrated default)
    from borderflow.calibration import check_dated_baseline
    table, meta = check_dated_baseline(bf.load_dataset())
"""

from .dated_check import DatedCheckOptions, check_dated_baseline
from .fit import FitOptions, FitResult
from .parameters import DEFAULT_PARAMETERS, Parameters
from .run import CalibrationResult, calibrate
from .targets import Targets, read_targets

__all__ = ["DEFAULT_PARAMETERS", "CalibrationResult", "DatedCheckOptions", "FitOptions",
           "FitResult", "Parameters", "Targets", "calibrate", "check_dated_baseline",
           "read_targets"]
