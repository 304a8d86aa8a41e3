"""Chinese public holidays and adjusted working days (调休), 2025-2027, as data.

A day is a **working day** when it is Monday to Friday and not a holiday day off, or when it is a
weekend day the State Council made a working day (an *adjusted working day*). A **holiday** is a
day of a public-holiday period (the whole period, weekends inside it included).

Sources (General Office of the State Council notices on the holiday arrangements):

- 2025: 国办发明电〔2024〕12号, published 2024-11-12
  (https://www.gov.cn/gongbao/2024/issue_11726/202411/content_6989767.html)
- 2026: 国办发明电〔2025〕7号, published 2025-11
  (https://www.gov.cn/gongbao/2025/issue_12406/202511/content_7048922.html)
- 2027: **provisional**. The notice for 2027 is published late in 2026; until then the table holds
  only the statutory days (Regulation on National Holidays, 2024 revision) with their lunar
  dates, and no adjusted working days. Replace it with the notice when it is out.

``tests/settlement/test_holidays.py`` checks the table against the ``holidays`` package's China
calendar (an independent transcription of the same notices).
"""

from __future__ import annotations

from datetime import date, timedelta


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# name -> (first day off, last day off); every day in between is a holiday day off.
HOLIDAY_PERIODS: dict[int, list[tuple[str, str, str]]] = {
    2025: [
        ("New Year's Day", "2025-01-01", "2025-01-01"),
        ("Spring Festival", "2025-01-28", "2025-02-04"),
        ("Qingming", "2025-04-04", "2025-04-06"),
        ("Labour Day", "2025-05-01", "2025-05-05"),
        ("Dragon Boat Festival", "2025-05-31", "2025-06-02"),
        ("National Day and Mid-Autumn", "2025-10-01", "2025-10-08"),
    ],
    2026: [
        ("New Year's Day", "2026-01-01", "2026-01-03"),
        ("Spring Festival", "2026-02-15", "2026-02-23"),
        ("Qingming", "2026-04-04", "2026-04-06"),
        ("Labour Day", "2026-05-01", "2026-05-05"),
        ("Dragon Boat Festival", "2026-06-19", "2026-06-21"),
        ("Mid-Autumn Festival", "2026-09-25", "2026-09-27"),
        ("National Day", "2026-10-01", "2026-10-07"),
    ],
    2027: [  # provisional: statutory days only (see the module docstring)
        ("New Year's Day", "2027-01-01", "2027-01-01"),
        ("Spring Festival", "2027-02-05", "2027-02-08"),
        ("Qingming", "2027-04-05", "2027-04-05"),
        ("Labour Day", "2027-05-01", "2027-05-02"),
        ("Dragon Boat Festival", "2027-06-09", "2027-06-09"),
        ("Mid-Autumn Festival", "2027-09-15", "2027-09-15"),
        ("National Day", "2027-10-01", "2027-10-03"),
    ],
}

# Weekend days that are working days (调休上班).
ADJUSTED_WORKING_DAYS: dict[int, list[str]] = {
    2025: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    2026: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
    2027: [],
}

COVERED_YEARS = frozenset(HOLIDAY_PERIODS)

HOLIDAYS: dict[date, str] = {
    day: name
    for periods in HOLIDAY_PERIODS.values()
    for name, first, last in periods
    for day in _span(first, last)
}
WORKING_WEEKENDS: frozenset[date] = frozenset(
    date.fromisoformat(d) for days in ADJUSTED_WORKING_DAYS.values() for d in days
)


class ChinaCalendar:
    """The working-day calendar of mainland China (outside 2025-2027: plain Mon-Fri)."""

    name = "CN"

    def holiday_name(self, day: date) -> str | None:
        return HOLIDAYS.get(day)

    def is_holiday(self, day: date) -> bool:
        return day in HOLIDAYS

    def is_working_day(self, day: date) -> bool:
        if day in WORKING_WEEKENDS:
            return True
        return day.weekday() < 5 and day not in HOLIDAYS


class PlainCalendar:
    """No holidays: Monday to Friday are working days."""

    name = "none"

    def holiday_name(self, day: date) -> str | None:
        return None

    def is_holiday(self, day: date) -> bool:
        return False

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


CALENDARS = {"CN": ChinaCalendar(), "none": PlainCalendar()}
