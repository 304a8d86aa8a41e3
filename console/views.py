"""The operator console (``/operator/``): my sites, my dispatch inbox with deadlines counting
down on the market clock, my dispatch record and my settlement money, on one page."""

from __future__ import annotations

from django.shortcuts import render

from vpp import clock
from vpp.roles import role_required

from . import selectors


@role_required("operator")
def console(request):
    user = request.user
    now = clock.now()
    pending = selectors.pending_instructions(user)
    for ins in pending:
        ins.seconds_left = int((ins.deadline_at - now).total_seconds())
    return render(
        request,
        "console/console.html",
        {
            "sites": list(selectors.my_sites(user)),
            "pending": pending,
            "record": selectors.dispatch_record(user),
            "money": selectors.money_by_day(user),
            "now": now,
        },
    )
