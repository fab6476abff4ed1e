"""Numbers with their band, as an analyst quotes them: "+44,000 USD/day (P10–P90: 21,000–90,000)".

Rounding follows the unit (:data:`DIGITS`): money to whole dollars and then to three
significant figures, tonnes and trucks to whole units, shares to a percent with one decimal.
A value that rounds to zero prints as 0, never -0. Issue 22's number rules can reuse
:func:`quote` and :func:`with_band`.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

#: significant figures kept per unit (None: round to whole units only)
SIGNIFICANT = {"USD": 3, "USD/day": 3, "USD/t": 3, "USD/year": 3, "t": None, "t/day": None,
               "trucks": None, "trucks/day": None, "days": None, "%": None, "-": 3}
EN_DASH = "\u2013"


def _half_up(x: float, digits: int) -> float:
    """``x`` rounded half away from zero to ``digits`` decimals (negative: tens, hundreds...)."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def _round(x: float, unit: str) -> float:
    sig = SIGNIFICANT.get(unit, 3)
    if unit == "%":
        return _half_up(x, 1)
    if sig is None or x == 0:
        return _half_up(x, 0)
    digits = sig - math.floor(math.log10(abs(x))) - 1
    return _half_up(x, min(digits, 0) if unit.startswith("USD") else digits)


def quote(x: float | None, unit: str = "", *, sign: bool = False) -> str:
    """One number rounded for its unit, thousands separated, no negative zero.

    Parameters
    ----------
    x : float or None
        The value (``None``/NaN prints as ``n/a``; inf as ``∞``).
    unit : str
        Its unit, e.g. ``USD/day``, ``t``, ``%`` (a share given as a percent).
    sign : bool
        Print ``+`` before a positive value (a change).
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return ("-" if x < 0 else ("+" if sign else "")) + "\u221e"
    r = _round(float(x), unit)
    if r == 0:
        r = 0.0  # no "-0"
    text = f"{r:,.1f}" if unit == "%" else (f"{r:,.0f}" if r == int(r) else f"{r:,.6g}")
    if sign and r > 0:
        text = "+" + text
    return text


def with_band(value: float | None, p10: float | None, p90: float | None, unit: str = "", *,
              sign: bool = False) -> str:
    """``value unit (P10–P90: lo–hi)``; the band is left out when it was not computed.

    >>> with_band(44216.3, 21012, 90450, "USD/day", sign=True)
    '+44,200 USD/day (P10–P90: 21,000–90,500)'
    """
    text = quote(value, unit, sign=sign) + (f" {unit}" if unit else "")
    if p10 is None or p90 is None or (isinstance(p10, float) and math.isnan(p10)):
        return text
    return f"{text} (P10{EN_DASH}P90: {quote(p10, unit)}{EN_DASH}{quote(p90, unit)})"
