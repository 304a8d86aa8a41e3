from django.conf import settings

from . import clock
from .intervals import to_local


def market(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"market_tz": settings.MARKET_TIME_ZONE}
    return {
        "market_tz": settings.MARKET_TIME_ZONE,
        "market_now_local": to_local(clock.now()),
        "market_clock_simulated": clock.is_simulated(),
    }
