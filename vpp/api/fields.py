"""Serializer fields shared by every API: aware datetimes only."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a naive datetime is a 400 naming the field, never a guess."""

    default_error_messages = {
        "naive": "naive datetime: give an offset, e.g. +08:00 or Z",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)
