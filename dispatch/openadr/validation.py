"""Checks of client request bodies: required fields present and of the right JSON type, so a
bad body is a 400 that names the field (``intervals[1].payloads[0].values``), never a 500 and
never a half-written object. Deeper meaning (units, interval alignment) is checked where it is
used (``services/reports.py``)."""

from __future__ import annotations

from vpp.errors import ApplicationError

from .wire import parse_duration, parse_instant, strip_owned


def need(body: dict, key: str, kind: type | tuple, *, at: str = "", required: bool = True):
    field = f"{at}.{key}" if at else key
    if key not in body or body[key] is None:
        if required:
            raise ApplicationError("this field is required", field=field)
        return None
    value = body[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ApplicationError(f"expected a JSON {_json_name(names)}", field=field)
    if isinstance(value, str) and not value.strip():
        raise ApplicationError("must not be blank", field=field)
    return value


def _json_name(py: str) -> str:
    return {"str": "string", "list": "array", "dict": "object", "int": "integer"}.get(py, py)


def as_object(data, *, at: str = "") -> dict:
    if not isinstance(data, dict):
        raise ApplicationError("expected a JSON object", field=at or "body")
    return data


def targets(body: dict, *, at: str = "") -> list[str]:
    values = need(body, "targets", list, at=at, required=False) or []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise ApplicationError("a target is a non-blank string", field=f"targets[{i}]")
    return values


def interval_period(body: dict, *, at: str, allow_now: bool = True) -> dict | None:
    period = need(body, "intervalPeriod", dict, at=at, required=False)
    if period is None:
        return None
    where = f"{at}.intervalPeriod" if at else "intervalPeriod"
    parse_instant(need(period, "start", str, at=where), field=f"{where}.start", allow_now=allow_now)
    for key in ("duration", "randomizeStart"):
        if period.get(key) is not None:
            parse_duration(period[key], field=f"{where}.{key}")
    return period


def intervals(body: dict, *, at: str = "", required: bool = True) -> list[dict]:
    items = need(body, "intervals", list, at=at, required=required) or []
    base = f"{at}.intervals" if at else "intervals"
    for i, item in enumerate(items):
        where = f"{base}[{i}]"
        as_object(item, at=where)
        need(item, "id", int, at=where)
        interval_period(item, at=where)
        for j, payload in enumerate(need(item, "payloads", list, at=where)):
            pwhere = f"{where}.payloads[{j}]"
            as_object(payload, at=pwhere)
            need(payload, "type", str, at=pwhere)
            need(payload, "values", list, at=pwhere)
    return items


def program_request(data) -> dict:
    body = strip_owned(as_object(data))
    need(body, "programName", str)
    interval_period(body, at="")
    targets(body)
    need(body, "payloadDescriptors", list, required=False)
    need(body, "attributes", list, required=False)
    return body


def event_request(data) -> dict:
    body = strip_owned(as_object(data))
    need(body, "programID", str)
    need(body, "eventName", str, required=False)
    need(body, "priority", int, required=False)
    if body.get("duration") is not None:
        parse_duration(body["duration"], field="duration")
    interval_period(body, at="")
    targets(body)
    need(body, "payloadDescriptors", list, required=False)
    need(body, "reportDescriptors", list, required=False)
    intervals(body)
    return body


def ven_request(data, *, by_bl: bool) -> dict:
    body = strip_owned(as_object(data))
    need(body, "venName", str)
    if by_bl:
        need(body, "clientID", str)
    elif body.get("targets"):
        raise ApplicationError("only the business logic may grant targets", field="targets")
    targets(body)
    need(body, "attributes", list, required=False)
    return body


def resource_request(data, *, by_bl: bool) -> dict:
    body = strip_owned(as_object(data))
    need(body, "resourceName", str)
    need(body, "venID", str)
    if not by_bl and body.get("targets"):
        raise ApplicationError("only the business logic may grant targets", field="targets")
    targets(body)
    need(body, "attributes", list, required=False)
    return body


def report_request(data) -> dict:
    body = strip_owned(as_object(data))
    need(body, "eventID", str)
    need(body, "clientName", str)
    need(body, "reportName", str, required=False)
    for i, descriptor in enumerate(need(body, "payloadDescriptors", list, required=False) or []):
        where = f"payloadDescriptors[{i}]"
        as_object(descriptor, at=where)
        need(descriptor, "payloadType", str, at=where)
        need(descriptor, "units", str, at=where, required=False)
    for i, resource in enumerate(need(body, "resources", list)):
        where = f"resources[{i}]"
        as_object(resource, at=where)
        need(resource, "resourceName", str, at=where)
        interval_period(resource, at=where, allow_now=False)
        intervals(resource, at=where)
    return body
