"""The market clock: the one answer to "what time is it" for gate closures, deadlines and
beat-triggered work. Nothing else reads the wall clock.

``MARKET_CLOCK=wall``: real time. ``MARKET_CLOCK=simulation``: the instant stored in
:class:`vpp.models.SimulationClock`, which the demo and the tests set and advance.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .intervals import floor_to_interval, require_aware


def is_simulated() -> bool:
    return settings.MARKET_CLOCK == "simulation"


def now() -> datetime:
    if not is_simulated():
        return timezone.now()
    from .models import SimulationClock

    row = SimulationClock.objects.filter(pk=1).only("now").first()
    if row is None:
        return floor_to_interval(timezone.now())
    return row.now


@transaction.atomic
def set_now(instant: datetime) -> datetime:
    """Move the simulation clock to ``instant`` (aware). Refused on the wall clock."""
    from .models import SimulationClock

    if not is_simulated():
        raise RuntimeError("the wall clock cannot be set; run with MARKET_CLOCK=simulation")
    instant = require_aware(instant, field="now")
    SimulationClock.objects.update_or_create(pk=1, defaults={"now": instant})
    return instant


@transaction.atomic
def advance(delta: timedelta) -> datetime:
    """Advance the simulation clock by ``delta`` under a row lock, so concurrent advances add up."""
    from .models import SimulationClock

    if not is_simulated():
        raise RuntimeError("the wall clock cannot be advanced; run with MARKET_CLOCK=simulation")
    row = SimulationClock.objects.select_for_update().filter(pk=1).first()
    if row is None:
        return set_now(floor_to_interval(timezone.now()) + delta)
    row.now = row.now + delta
    row.save(update_fields=["now", "updated_at"])
    return row.now
