"""Calibration on normal times (issue 18): fit the dataset's estimated numbers to published
normal-time observations (``docs/calibration.md``).

::

    import borderflow as bf
    res = bf.calibrate(bf.load_dataset(), out="runs/calibration")
    res.report["goodness"], res.report["observations"], res.changes
"""

from .fit import FitOptions, FitResult
from .parameters import DEFAULT_PARAMETERS, Parameters
from .run import CalibrationResult, calibrate
from .targets import Targets, read_targets

__all__ = ["DEFAULT_PARAMETERS", "CalibrationResult", "FitOptions", "FitResult", "Parameters",
           "Targets", "calibrate", "read_targets"]
