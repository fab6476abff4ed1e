"""A tolerant image comparison for screenshot tests of maps (PNG, or a browser's screenshot).

Two renderings of the same map differ by a pixel here and there (anti-aliasing, a font hinted
differently, a label nudged by a pixel); a map with a missing layer or a moved legend differs
over whole regions. :func:`compare_images` tells them apart:

1. both images are read with Pillow and converted to RGB; the actual one is resized to the
   expected one's size (Lanczos) when they differ, so a screenshot at another device pixel
   ratio still compares;
2. both are blurred with a Gaussian of ``blur_px`` pixels (default 2), so one-pixel shifts of thin
   lines and glyph edges cost little;
3. the root mean square difference of the 0-255 channel values is computed by matplotlib's
   own image-test function (:func:`matplotlib.testing.compare.calculate_rms`); the images
   match when it is at most ``tol``.

On a mismatch (or whenever ``diff_path`` is given) an image of the differences, amplified, is
written for the test report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.testing.compare import calculate_rms
from PIL import Image, ImageChops, ImageFilter

#: default RMS tolerance (0-255 scale) after the default 2-pixel blur; see docs/outputs.md
DEFAULT_TOL = 6.0


@dataclass(frozen=True)
class ImageDiff:
    """Outcome of :func:`compare_images`.

    Attributes
    ----------
    rms : float
        Root mean square difference (0-255 channel scale) after resizing and blurring.
    tol : float
        The tolerance it was compared with.
    resized : bool
        True when the actual image was resized to the expected one's size.
    diff_path : Path or None
        Image of the differences, when written.
    """

    rms: float
    tol: float
    resized: bool
    diff_path: Path | None = None

    @property
    def passed(self) -> bool:
        """True when ``rms <= tol``."""
        return self.rms <= self.tol

    def __str__(self) -> str:
        verdict = "match" if self.passed else "differ"
        where = f"; differences in {self.diff_path}" if self.diff_path else ""
        return f"images {verdict}: RMS {self.rms:.2f} (tolerance {self.tol:g}){where}"


def _load(path: Path | str) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def compare_images(expected: Path | str, actual: Path | str, tol: float = DEFAULT_TOL,
                   blur_px: float = 2.0, diff_path: Path | str | None = None) -> ImageDiff:
    """Compare an image with the expected one, tolerating small rendering differences.

    Parameters
    ----------
    expected, actual : path
        Image files (PNG, JPEG ...).
    tol : float
        Largest RMS difference (0-255) accepted.
    blur_px : float
        Gaussian blur radius applied to both images first (0: none).
    diff_path : path, optional
        Where to write the amplified difference image; by default it is written next to
        ``actual`` (``<name>-diff.png``) only when the images differ.

    Returns
    -------
    ImageDiff
    """
    exp, act = _load(expected), _load(actual)
    resized = exp.size != act.size
    if resized:
        act = act.resize(exp.size, Image.Resampling.LANCZOS)
    if blur_px > 0:
        exp = exp.filter(ImageFilter.GaussianBlur(blur_px))
        act = act.filter(ImageFilter.GaussianBlur(blur_px))
    rms = float(calculate_rms(np.asarray(exp, dtype=np.int16), np.asarray(act, dtype=np.int16)))
    out = None
    if diff_path is not None or rms > tol:
        out = Path(diff_path) if diff_path is not None else \
            Path(actual).with_name(f"{Path(actual).stem}-diff.png")
        diff = ImageChops.difference(exp, act).point(lambda v: min(255, v * 8))
        diff.save(out)
    return ImageDiff(rms=rms, tol=tol, resized=resized, diff_path=out)
