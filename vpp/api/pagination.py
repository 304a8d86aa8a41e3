"""Paging with validated parameters: ``?limit=`` within 1..``MAX_LIMIT`` and ``?offset=`` a
whole number, or a 400 naming the parameter (DRF's own class passes ``limit=99999999999999999999``
on to PostgreSQL, which fails with a 500)."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination

from vpp import parsing

MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        text = request.query_params.get(self.limit_query_param)
        default = self.default_limit
        return parsing.parse_int(text, field="limit", minimum=1, maximum=MAX_LIMIT, default=default)

    def get_offset(self, request):
        text = request.query_params.get(self.offset_query_param)
        return parsing.parse_int(text, field="offset", minimum=0, maximum=MAX_OFFSET, default=0)
