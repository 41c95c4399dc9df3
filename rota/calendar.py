"""Public holidays per centre, on the centre's local dates."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

from rota.domain import Centre


@cache
def _country(country: str, subdivision: str, years: tuple[int, ...]) -> dict[date, str]:
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=years, language="en_US")
    return dict(found.items())


def public_holidays(centre: Centre, first: date, last: date) -> dict[date, str]:
    """The centre's public holidays between two local dates, inclusive, by name."""
    years = tuple(range(first.year, last.year + 1))
    return {d: name for d, name in _country(centre.country, centre.subdivision, years).items() if first <= d <= last}
