"""The API's JSON parser, with the nesting limit (vpp.limits): a body nested 5,000 deep is a
400 naming ``body``, not a RecursionError."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from vpp.errors import ApplicationError
from vpp.limits import loads_bounded


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads_bounded(stream.read(), field="body")
        except ApplicationError as exc:
            raise ParseError(f"JSON parse error: {exc.message}") from exc
