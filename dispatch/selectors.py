"""Reads of dispatch rows scoped by role: an operator sees only their organisation's sites'
instructions; traders, regulators and admins see all (the portfolio)."""

from __future__ import annotations

from django.db.models import QuerySet

from sites.selectors import sites_visible_to
from vpp.models import User

from .models import Instruction, OpenPosition


def instructions_visible_to(user: User) -> QuerySet[Instruction]:
    return Instruction.objects.filter(site__in=sites_visible_to(user)).select_related(
        "site", "confirmed_by"
    )


def open_positions_visible_to(user: User) -> QuerySet[OpenPosition]:
    """Open positions are the portfolio's: traders, regulators and admins."""
    if user.is_admin_role or user.is_trader or user.is_regulator:
        return OpenPosition.objects.all()
    return OpenPosition.objects.none()
