"""Serializer fields shared by every API: aware datetimes and market days, within the range
the platform can compute with (vpp.parsing: 1970 to 2099)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from vpp import parsing


def _in_range(field: serializers.Field, day) -> None:
    if not (parsing.EARLIEST_DAY <= day <= parsing.LATEST_DAY):
        field.fail("out_of_range", low=parsing.EARLIEST_DAY, high=parsing.LATEST_DAY)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a naive datetime is a 400 naming the field, never a guess."""

    default_error_messages = {
        "naive": "naive datetime: give an offset, e.g. +08:00 or Z",
        "out_of_range": "outside {low} .. {high}",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        _in_range(self, value.date())
        return super().enforce_timezone(value)


class MarketDayField(serializers.DateField):
    """A market day ``YYYY-MM-DD`` the platform can lay out (0001-01-01 overflowed its
    intervals' arithmetic: a 500)."""

    default_error_messages = {"out_of_range": "outside {low} .. {high}"}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        _in_range(self, day)
        return day
