"""Discounting conventions of the lenders who finance border crossings, with their sources.

Economic analysis in constant (real) prices, annual cash flows, the base year undiscounted:

- **ADB** (default): Asian Development Bank, *Guidelines for the Economic Analysis of Projects*,
  Manila, March 2017, doi:10.22617/TIM178607-2, which revised the minimum economic internal
  rate of return of the 1997 edition (10-12 %): a real discount rate of 9 % in general and 6 %
  for social-sector, selected poverty-targeting and mainly environmental projects; a project is
  economically viable when its ENPV at that rate is positive (its EIRR above it).
- **World Bank**: OPSPQ technical note *Discounting Costs and Benefits in Economic Analysis of
  World Bank Projects* (2016) ties the social discount rate to the country's expected growth of
  real GDP per capita (about twice it); there is no single hurdle, so the rate must be given.

Both are configurable; the value used is written next to every result.
"""

from __future__ import annotations

from dataclasses import dataclass

ADB_2017 = ("ADB (2017), Guidelines for the Economic Analysis of Projects, Manila, "
            "doi:10.22617/TIM178607-2")
WORLD_BANK_2016 = ("World Bank OPSPQ (2016), Discounting Costs and Benefits in Economic "
                   "Analysis of World Bank Projects")


@dataclass(frozen=True)
class Conventions:
    """How cash flows are discounted and judged.

    Attributes
    ----------
    discount_rate : float
        Real rate per year (0.09 = 9 %).
    hurdle_eirr : float
        EIRR at or above which a project is viable (the lender's minimum).
    base_year : int or None
        Year discounted to (its flows undiscounted); ``None``: each project's first year of
        construction.
    benefit_growth : float
        Real growth of the annual benefit per year after opening (traffic growth), 0 = the
        model year's benefit throughout.
    source : str
        Where the rate comes from (written with the results).
    """

    discount_rate: float = 0.09
    hurdle_eirr: float = 0.09
    base_year: int | None = None
    benefit_growth: float = 0.0
    source: str = ADB_2017

    def __post_init__(self):
        if not -0.5 < self.discount_rate < 1.0:
            raise ValueError(f"discount rate {self.discount_rate!r} is not a yearly rate "
                             "(give 0.09 for 9 %)")


#: ADB, general projects (the default)
ADB = Conventions()
#: ADB, social-sector, poverty-targeting and mainly environmental projects
ADB_SOCIAL = Conventions(discount_rate=0.06, hurdle_eirr=0.06,
                         source=ADB_2017 + " (social, poverty-targeting, environmental)")


def world_bank(rate: float) -> Conventions:
    """World Bank practice: the rate of the country's guidance, given by the user."""
    return Conventions(discount_rate=rate, hurdle_eirr=rate, source=WORLD_BANK_2016)
