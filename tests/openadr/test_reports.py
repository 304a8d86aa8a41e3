"""USAGE reports: converted at the door, landing as delivery readings; bad ones refused whole."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from dispatch.models import DeliveryReading
from dispatch.openadr.models import Report
from dispatch.openadr.services.instructions import sync_instruction_event
from vpp import clock

from .conftest import STEP, T0, make_instruction

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_a(sites, vens):
    instruction = make_instruction(sites["a"])
    event = sync_instruction_event(instruction_id=instruction.pk)
    clock.set_now(T0 + 2 * STEP)  # two intervals have started
    return event


def report(event, intervals, *, units="KWH", payload="USAGE", period=None, resource="hall-1"):
    body = {
        "eventID": str(event.pk),
        "clientName": "dc-alpha-ems",
        "payloadDescriptors": [
            {"objectType": "REPORT_PAYLOAD_DESCRIPTOR", "payloadType": payload, "units": units}
        ],
        "resources": [{"resourceName": resource, "intervals": intervals}],
    }
    if period:
        body["resources"][0]["intervalPeriod"] = period
    return body


def usage(i, value, start=None, payload="USAGE"):
    item = {"id": i, "payloads": [{"type": payload, "values": [value]}]}
    if start:
        item["intervalPeriod"] = {"start": start, "duration": "PT15M"}
    return item


def test_usage_report_lands_as_readings_in_mw(event_a, sites, ven_a):
    # 3,125 kWh in 15 min = 12.5 MW; the second interval follows the first (sequential)
    body = report(
        event_a,
        [usage(0, 3125), usage(1, 3000.5)],
        period={"start": "2026-07-01T12:00:00+08:00", "duration": "PT15M"},
    )
    response = ven_a.post("/reports", body)
    assert response.status_code == 201, response.content
    wire = response.json()
    assert wire["objectType"] == "REPORT" and wire["clientID"] == ven_a.client_id
    rows = DeliveryReading.objects.filter(site=sites["a"]).order_by("interval_start")
    assert [(r.interval_start, r.load_mw, r.source) for r in rows] == [
        (T0, Decimal("12.500"), "openadr"),
        (T0 + STEP, Decimal("12.002"), "openadr"),
    ]


def test_demand_in_kw_and_resources_add_up(event_a, sites, ven_a):
    body = report(
        event_a, [usage(0, 5000, "2026-07-01T04:00:00Z", "DEMAND")], units="KW", payload="DEMAND"
    )
    body["resources"].append(
        {"resourceName": "hall-2", "intervals": [usage(0, 7000, "2026-07-01T04:00:00Z", "DEMAND")]}
    )
    response = ven_a.post("/reports", body)
    assert response.status_code == 201, response.json()
    assert DeliveryReading.objects.get(site=sites["a"]).load_mw == Decimal("12.000")


def test_reposting_and_updating_a_report(event_a, sites, ven_a):
    body = report(event_a, [usage(0, 3125, "2026-07-01T04:00:00Z")])
    created = ven_a.post("/reports", body).json()
    ven_a.put(
        f"/reports/{created['id']}", report(event_a, [usage(0, 2500, "2026-07-01T04:00:00Z")])
    )
    reading = DeliveryReading.objects.get(site=sites["a"])
    assert reading.load_mw == Decimal("10.000") and reading.revision == 2
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda b: b["resources"][0]["intervals"][0].update(
                intervalPeriod={"start": "2026-07-01T04:00:00", "duration": "PT15M"}
            ),
            "resources[0].intervals[0].intervalPeriod.start",
        ),
        (
            lambda b: b["resources"][0]["intervals"][0].update(
                intervalPeriod={"start": "2026-07-01T04:05:00Z", "duration": "PT15M"}
            ),
            "resources[0].intervals[0].intervalPeriod.start",
        ),
        (
            lambda b: b["resources"][0]["intervals"][0].update(
                intervalPeriod={"start": "2026-07-01T04:00:00Z", "duration": "PT1H"}
            ),
            "resources[0].intervals[0].intervalPeriod.duration",
        ),
        (
            lambda b: b["resources"][0]["intervals"][0].update(
                intervalPeriod={"start": "2026-07-01T05:00:00Z", "duration": "PT15M"}
            ),
            "resources[0].intervals[0].intervalPeriod.start",
        ),
        (
            lambda b: b["resources"][0]["intervals"][0]["payloads"][0].update(values=[-1]),
            "resources[0].intervals[0].payloads[0].values",
        ),
        (
            lambda b: b["resources"][0]["intervals"][0]["payloads"][0].update(values=["12"]),
            "resources[0].intervals[0].payloads[0].values",
        ),
        (lambda b: b["payloadDescriptors"][0].update(units="LITRES"), "payloadDescriptors"),
        (lambda b: b["payloadDescriptors"][0].update(units="KW"), "payloadDescriptors"),
        (
            lambda b: b["resources"][0]["intervals"].append(usage(1, 10, "2026-07-01T04:00:00Z")),
            "resources[0].intervals[2]",
        ),
        (
            lambda b: b["resources"][0]["intervals"][0]["payloads"][0].update(values=[3_125_000]),
            "resources[0].intervals[0].payloads[0].values",
        ),
        (lambda b: b.update(eventID="999999"), "eventID"),
        (lambda b: b.pop("clientName"), "clientName"),
        (lambda b: b.pop("resources"), "resources"),
    ],
    ids=[
        "naive",
        "misaligned",
        "not-15-min",
        "future",
        "negative",
        "string",
        "unknown-unit",
        "power-unit-for-usage",
        "overlap",
        "probably-wh-as-kwh",
        "unknown-event",
        "no-client-name",
        "no-resources",
    ],  # fmt: skip
)
def test_bad_reports_are_400_naming_the_field_and_store_nothing(event_a, ven_a, mutate, field):
    body = report(
        event_a, [usage(0, 3125, "2026-07-01T04:00:00Z"), usage(1, 3000, "2026-07-01T04:15:00Z")]
    )
    mutate(body)
    response = ven_a.post("/reports", body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()
    assert not Report.objects.exists() and not DeliveryReading.objects.exists()


def test_a_ven_cannot_report_on_another_sites_event(sites, vens, ven_b, event_a):
    response = ven_b.post("/reports", report(event_a, [usage(0, 3125, "2026-07-01T04:00:00Z")]))
    assert response.status_code == 400 and "eventID" in response.json()["errors"]
    assert not DeliveryReading.objects.exists()


def test_reports_are_private_to_their_ven(event_a, ven_a, ven_b, bl):
    created = ven_a.post(
        "/reports", report(event_a, [usage(0, 3125, "2026-07-01T04:00:00Z")])
    ).json()
    assert ven_b.get("/reports").json() == []
    assert ven_b.get(f"/reports/{created['id']}").status_code == 404
    assert [r["id"] for r in ven_a.get("/reports", eventID=str(event_a.pk)).json()] == [
        created["id"]
    ]
    assert [r["id"] for r in bl.get("/reports").json()] == [created["id"]]


def test_reading_only_from_intervals_that_started(event_a, ven_a):
    clock.set_now(T0 - timedelta(minutes=1))
    response = ven_a.post("/reports", report(event_a, [usage(0, 3125, "2026-07-01T04:00:00Z")]))
    assert response.status_code == 400
