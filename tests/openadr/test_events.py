"""Instructions as events: mapping, targeting and privacy, confirmation on read, paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.models import Instruction, InstructionChange
from dispatch.openadr.models import Event
from dispatch.openadr.services.instructions import DISPATCH_PROGRAM, sync_instruction_event
from vpp import clock

from .conftest import STEP, T0, make_instruction

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(sites, vens):
    """One pending instruction per automated site, published as events."""
    out = {}
    for key in ("a", "b"):
        instruction = make_instruction(sites[key])
        out[key] = (instruction, sync_instruction_event(instruction_id=instruction.pk))
    return out


def test_instruction_becomes_an_event_for_its_ven(published, ven_a):
    instruction, event = published["a"]
    [wire] = ven_a.get("/events").json()
    assert wire["id"] == str(event.pk) and wire["objectType"] == "EVENT"
    assert wire["createdDateTime"].endswith("Z") and wire["modificationDateTime"]
    assert wire["targets"] == ["dc-alpha"]
    assert wire["intervalPeriod"] == {"start": "2026-07-01T04:00:00Z", "duration": "PT15M"}
    payloads = {p["type"]: p["values"] for p in wire["intervals"][0]["payloads"]}
    # target 12.5 MW of a 20 MW baseline: a 7.5 MW reduction, sent in kW
    assert payloads == {
        "DISPATCH_SETPOINT": [12500.0],
        "IMPORT_CAPACITY_LIMIT": [12500.0],
        "SIMPLE": [1],
    }
    units = {d["payloadType"]: d.get("units") for d in wire["payloadDescriptors"]}
    assert units["DISPATCH_SETPOINT"] == "KW"
    assert wire["reportDescriptors"][0]["payloadType"] == "USAGE"
    program = ven_a.get(f"/programs/{wire['programID']}").json()
    assert program["programName"] == DISPATCH_PROGRAM


def test_demand_instruction_has_no_cap_and_level_zero(sites, vens, ven_a):
    instruction = make_instruction(sites["a"], target="25", baseline="20")
    sync_instruction_event(instruction_id=instruction.pk)
    payloads = {
        p["type"]: p["values"] for p in ven_a.get("/events").json()[0]["intervals"][0]["payloads"]
    }
    assert payloads == {"DISPATCH_SETPOINT": [25000.0], "SIMPLE": [0]}


def test_sync_is_idempotent_and_ignores_sites_that_are_not_automated(published, org_a, nodes):
    from tests.factories import SiteFactory

    instruction, event = published["a"]
    modified = event.modified_at
    again = sync_instruction_event(instruction_id=instruction.pk)
    assert again.pk == event.pk and again.modified_at == modified
    assert Event.objects.count() == 2
    manual = make_instruction(SiteFactory(organisation=org_a, node=nodes["E-LOAD"]))
    assert sync_instruction_event(instruction_id=manual.pk) is None
    assert Event.objects.count() == 2


def test_a_ven_sees_only_its_own_events_and_bl_sees_all(published, ven_a, ven_b, bl):
    event_b = published["b"][1]
    assert [e["targets"] for e in ven_a.get("/events").json()] == [["dc-alpha"]]
    assert ven_a.get(f"/events/{event_b.pk}").status_code == 404
    assert ven_a.get("/events", targets="dc-beta").json() == []  # asking is not being granted
    assert len(bl.get("/events").json()) == 2
    assert [e["targets"] for e in bl.get("/events", targets="dc-beta").json()] == [["dc-beta"]]


def test_reading_the_event_confirms_the_instruction_once(published, ven_a, ven_b):
    instruction, event = published["a"]
    ven_a.get("/events")
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.CONFIRMED
    assert instruction.confirmed_at == clock.now()
    change = InstructionChange.objects.get(instruction=instruction, to_state="confirmed")
    assert change.by is None and "dc-alpha" in change.reason
    ven_a.get(f"/events/{event.pk}")
    assert InstructionChange.objects.filter(instruction=instruction).count() == 1
    other = published["b"][0]
    other.refresh_from_db()
    assert other.state == Instruction.State.PENDING  # ven_b has not read its event


def test_bl_reading_does_not_confirm(published, bl):
    bl.get("/events")
    assert not Instruction.objects.filter(state="confirmed").exists()


def test_read_after_the_deadline_is_refused_and_nothing_changes(published, ven_a):
    instruction, event = published["a"]
    clock.set_now(instruction.deadline_at + timedelta(minutes=1))
    assert ven_a.get(f"/events/{event.pk}").status_code == 200
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.PENDING
    event.refresh_from_db()
    assert event.delivered_at is not None and "deadline" in event.delivery_error


def test_withdrawn_instruction_withdraws_its_event(published, ven_a, bl):
    instruction, event = published["a"]
    Instruction.objects.filter(pk=instruction.pk).update(state="cancelled")
    assert ven_a.get("/events").json() == []
    assert bl.get(f"/events/{event.pk}").status_code == 404


def test_instruction_events_are_not_editable_through_the_api(published, bl):
    event = published["a"][1]
    body = {**event.body, "eventName": "hijack"}
    response = bl.put(f"/events/{event.pk}", body)
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert bl.delete(f"/events/{event.pk}").status_code == 409
    event.refresh_from_db()
    assert event.body["eventName"] != "hijack"


def test_paging_with_skip_and_limit(sites, vens, ven_a):
    for k in range(5):
        sync_instruction_event(instruction_id=make_instruction(sites["a"], T0 + k * STEP).pk)
    ids = [e["id"] for e in ven_a.get("/events").json()]
    assert len(ids) == 5
    assert [e["id"] for e in ven_a.get("/events", skip=1, limit=2).json()] == ids[1:3]
    for bad in ({"limit": "51"}, {"limit": "0"}, {"skip": "-1"}, {"limit": "x"}):
        response = ven_a.get("/events", **bad)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == list(bad)


def test_bl_creates_targeted_events_and_bad_ones_are_named(sites, vens, bl, ven_a, ven_b):
    program = bl.post("/programs", {"programName": "peak-alert"}).json()
    event = {
        "programID": program["id"],
        "targets": ["dc-beta"],
        "intervalPeriod": {"start": "2026-07-01T12:00:00+08:00", "duration": "PT1H"},
        "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [2]}]}],
        "id": "ignored",
    }
    created = bl.post("/events", event)
    assert created.status_code == 201 and created.json()["id"] != "ignored"
    assert ven_a.get("/events").json() == []
    assert len(ven_b.get("/events").json()) == 1
    naive = {**event, "intervalPeriod": {"start": "2026-07-01T12:00:00", "duration": "PT1H"}}
    response = bl.post("/events", naive)
    assert response.status_code == 400 and "intervalPeriod.start" in response.json()["errors"]
    bad_duration = {**event, "intervalPeriod": {"start": "2026-07-01T04:00:00Z", "duration": "15m"}}
    assert "intervalPeriod.duration" in bl.post("/events", bad_duration).json()["errors"]
    no_values = {**event, "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE"}]}]}
    assert "intervals[0].payloads[0].values" in bl.post("/events", no_values).json()["errors"]
    assert bl.post("/programs", {"programName": "peak-alert"}).status_code == 409
    assert Event.objects.count() == 1


def test_listing_events_costs_the_same_few_queries_for_5_or_20(
    sites, vens, ven_a, bl, django_assert_max_num_queries
):
    for k in range(20):
        sync_instruction_event(instruction_id=make_instruction(sites["a"], T0 + k * STEP).pk)
    ven_a.get("/events")  # the first poll confirms (a claim per event); later polls do not
    for client in (ven_a, bl):
        with django_assert_max_num_queries(6):
            assert len(client.get("/events", limit=20).json()) == 20
        with django_assert_max_num_queries(6):
            assert len(client.get("/events", limit=5).json()) == 5
