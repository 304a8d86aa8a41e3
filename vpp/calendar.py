"""The market's working-day calendar: public holidays and adjusted working days (调休).

One source for every app (baselines, VEE's like-day estimates, the price forecast's features): the
`holidays` package, which transcribes the State Council's yearly notices for China, adjusted
working days included (``weekend_workdays``), and other countries' calendars the same way.

A day is a **working day** when it is Monday to Friday and not a public holiday, or when it is a
weekend day made a working day. ``MARKET_HOLIDAY_CALENDAR`` names the market's calendar: an ISO
country code the package knows (default ``CN``), or ``none`` for plain Monday to Friday.

A year the package does not know yet (a notice not published) has only the statutory days the
package computes, with no adjusted working days; ``covers(year)`` tells a caller that wants to
warn about it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
from django.conf import settings

NONE = "none"


class MarketCalendar:
    """Working days and holidays of one calendar (``code``: a country code, or ``none``)."""

    def __init__(self, code: str):
        self.code = code
        self._years: set[int] = set()
        self._days = None if code == NONE else holidays.country_holidays(code, years=())

    def _ensure(self, year: int) -> None:
        if self._days is not None and year not in self._years:
            _ = date(year, 1, 1) in self._days  # the package fills a year on first look
            self._years.add(year)

    def holiday_name(self, day: date) -> str | None:
        if self._days is None:
            return None
        self._ensure(day.year)
        return self._days.get(day)

    def is_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    def is_adjusted_working_day(self, day: date) -> bool:
        """A weekend day the calendar made a working day."""
        if self._days is None:
            return False
        self._ensure(day.year)
        return day in self._days.weekend_workdays

    def is_working_day(self, day: date) -> bool:
        if self._days is None:
            return day.weekday() < 5
        self._ensure(day.year)
        return self._days.is_working_day(day)

    def covers(self, year: int) -> bool:
        """Whether the package holds the published arrangement for ``year`` (not only the
        statutory days): some adjusted working day or observed day exists in that year."""
        if self._days is None:
            return True
        self._ensure(year)
        return any(d.year == year for d in self._days.weekend_workdays)


@lru_cache(maxsize=8)
def calendar(code: str | None = None) -> MarketCalendar:
    """The calendar ``code`` (default: the market's, ``MARKET_HOLIDAY_CALENDAR``)."""
    return MarketCalendar(code or settings.MARKET_HOLIDAY_CALENDAR)


def is_working_day(day: date, code: str | None = None) -> bool:
    return calendar(code).is_working_day(day)


def is_holiday(day: date, code: str | None = None) -> bool:
    return calendar(code).is_holiday(day)
