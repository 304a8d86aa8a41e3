"""Interop: the independent ``openadr3`` client from PyPI against the live VTN.

The whole path is real: dispatch's hook fires on commit, a real Celery worker publishes the
event, the live server answers the PyPI client over HTTP (token discovery and client
credentials, programs, events, a USAGE report), and the report lands as delivery readings.
Nothing is patched. Raw HTTP (httpx) checks what the client does not look at: problem JSON."""

from __future__ import annotations

import time

import httpx
import openadr3
import pytest
from django.db import transaction

from dispatch import hooks
from dispatch.models import DeliveryReading, Instruction
from dispatch.openadr.models import Event
from dispatch.openadr.services.objects import register_bl_client, register_site_ven
from vpp import clock

from .conftest import STEP, T0, make_instruction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


def test_pypi_client_reads_an_instruction_as_an_event_and_reports_usage(
    live_server, celery_worker_process, sites
):
    base = f"{live_server.url}/openadr3/3.1.0"
    ven, client_id, secret = register_site_ven(site=sites["a"])
    bl_id, bl_secret = register_bl_client(name="desk")

    with transaction.atomic():  # as dispatch does it: the hook runs once this commits
        instruction = make_instruction(sites["a"])
        hooks.instruction_created(instruction.pk)
    event = wait_for(lambda: Event.objects.filter(instruction=instruction).first())

    token = openadr3.fetch_token(base, client_id, secret)  # discovers /auth/server first
    with openadr3.create_ven_client(base, token) as client:
        programs = client.programs()
        assert [p.program_name for p in programs] == ["suandian-dispatch"]
        [seen] = client.events()
        assert seen.id == str(event.pk) and seen.program_id == programs[0].id
        assert seen.targets == [ven.ven_name]
        assert seen.interval_period.duration.in_seconds() == 15 * 60
        payloads = {p.type: p.values for p in seen.intervals[0].payloads}
        assert payloads["DISPATCH_SETPOINT"] == [12500.0]

        instruction.refresh_from_db()
        assert instruction.state == Instruction.State.CONFIRMED

        clock.set_now(T0 + 2 * STEP)
        response = client.create_report(
            {
                "eventID": seen.id,
                "clientName": "dc-alpha-ems",
                "payloadDescriptors": [
                    {
                        "objectType": "REPORT_PAYLOAD_DESCRIPTOR",
                        "payloadType": "USAGE",
                        "readingType": "DIRECT_READ",
                        "units": "KWH",
                    }
                ],
                "resources": [
                    {
                        "resourceName": "hall-1",
                        "intervalPeriod": {"start": "2026-07-01T04:00:00Z", "duration": "PT15M"},
                        "intervals": [
                            {"id": 0, "payloads": [{"type": "USAGE", "values": [3125]}]},
                            {"id": 1, "payloads": [{"type": "USAGE", "values": [3000]}]},
                        ],
                    }
                ],
            }
        )
        assert response.status_code == 201, response.text
        report = openadr3.coerce(response.json())
        assert report.event_id == seen.id and report.client_id == client_id
        assert [r.id for r in client.reports()] == [report.id]

    readings = DeliveryReading.objects.filter(site=sites["a"], source="openadr")
    assert sorted((r.interval_start, str(r.load_mw)) for r in readings) == [
        (T0, "12.500"),
        (T0 + STEP, "12.000"),
    ]

    bl = openadr3.OpenADRClient(base)
    bl.fetch_token(bl_id, bl_secret)
    assert [e.id for e in bl.events()] == [seen.id]
    assert len(bl.vens()) == 1 and bl.vens()[0].client_id == client_id
    bl.close()

    raw = httpx.get(f"{base}/events")
    assert raw.status_code == 401
    assert raw.headers["content-type"] == "application/problem+json"
    assert raw.json()["status"] == 401
