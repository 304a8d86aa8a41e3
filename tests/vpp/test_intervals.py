from datetime import UTC, date, datetime, timedelta

import pytest

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import (
    day_bounds,
    day_intervals,
    floor_to_interval,
    interval_index,
    market_day_of,
    require_aware,
)


def test_a_shanghai_day_has_96_intervals_starting_at_local_midnight():
    starts = day_intervals(date(2026, 7, 1))
    assert len(starts) == 96
    assert starts[0] == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 00:00 +08:00
    assert starts[-1] - starts[-2] == timedelta(minutes=15)
    assert day_bounds(date(2026, 7, 1))[1] == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "count"),
    [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100), (date(2026, 7, 1), 96)],
)
def test_dst_days_have_92_or_100_intervals_in_a_zone_with_dst(settings, day, count):
    settings.MARKET_TIME_ZONE = "Europe/Berlin"
    starts = day_intervals(day)
    assert len(starts) == count
    assert all(b - a == timedelta(minutes=15) for a, b in zip(starts, starts[1:], strict=False))


def test_floor_and_index_in_the_market_zone():
    instant = datetime(2026, 7, 1, 2, 7, tzinfo=UTC)  # 10:07 local
    assert floor_to_interval(instant) == datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    assert market_day_of(datetime(2026, 6, 30, 16, 0, tzinfo=UTC)) == date(2026, 7, 1)
    assert interval_index(date(2026, 7, 1), datetime(2026, 7, 1, 2, 0, tzinfo=UTC)) == 40
    with pytest.raises(ApplicationError, match="not an interval start"):
        interval_index(date(2026, 7, 1), instant)


def test_a_naive_datetime_is_refused_naming_the_field():
    with pytest.raises(ApplicationError) as err:
        require_aware(datetime(2026, 7, 1, 10, 0), field="release_at")
    assert err.value.field == "release_at"
    assert err.value.code == "naive_datetime"


@pytest.mark.django_db
def test_simulation_clock_is_set_and_advanced():
    clock.set_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    assert clock.now() == datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    assert clock.advance(timedelta(minutes=15)) == datetime(2026, 7, 1, 2, 15, tzinfo=UTC)
    assert clock.now() == datetime(2026, 7, 1, 2, 15, tzinfo=UTC)
    with pytest.raises(ApplicationError):
        clock.set_now(datetime(2026, 7, 1, 2, 0))


def test_day_param_falls_back_to_the_default_only_when_absent():
    """A malformed day is a 400 naming ``day`` (issue 15: pages answer it, never guess)."""
    from datetime import date

    import pytest

    from vpp.errors import ApplicationError
    from vpp.intervals import day_param

    default = lambda: date(2026, 7, 1)  # noqa: E731
    assert day_param("2026-07-03", default) == date(2026, 7, 3)
    assert day_param(None, default) == day_param("", default) == date(2026, 7, 1)
    with pytest.raises(ApplicationError) as refused:
        day_param("07/03/2026", default)
    assert refused.value.field == "day"
