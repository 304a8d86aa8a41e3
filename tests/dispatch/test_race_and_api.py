"""Two confirmations racing (threads, real PostgreSQL row locks), and the API's answers:
409 on a refused transition, 400 naming the field, 404 for another company's instruction."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from dispatch import services
from dispatch.models import DeliveryReading, Instruction

from .conftest import T0


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_racing_one_wins(fleet, instruct, operator_a, admin_user):
    row = instruct(fleet["a1"], 5)
    barrier = threading.Barrier(2)
    outcomes = []

    def answer(user):
        try:
            barrier.wait()
            services.confirm(instruction_id=row.pk, user=user)
            outcomes.append("ok")
        except services.TransitionRefused as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(u,)) for u in (operator_a, admin_user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert outcomes.count("ok") == 1 and "already confirmed" in "".join(outcomes)
    row.refresh_from_db()
    assert row.state == "confirmed"
    assert list(row.changes.values_list("to_state", flat=True)) == ["pending", "confirmed"]


def url(pk, verb):
    return f"/api/dispatch/instructions/{pk}/{verb}/"


def test_api_confirm_twice_is_409(fleet, instruct, operator_a_api):
    row = instruct(fleet["a1"], 5)
    assert operator_a_api.post(url(row.pk, "confirm")).status_code == 200
    second = operator_a_api.post(url(row.pk, "confirm"))
    assert second.status_code == 409 and "state" in second.data


def test_api_confirm_after_deadline_is_409_nothing_changed(
    fleet, instruct, operator_a_api, sim_now
):
    row = instruct(fleet["a1"], 5)
    sim_now(row.deadline_at)
    response = operator_a_api.post(url(row.pk, "confirm"))
    assert response.status_code == 409 and "deadline_at" in response.data
    row.refresh_from_db()
    assert row.state == "pending" and row.confirmed_at is None


def test_api_decline_without_reason_is_400(fleet, instruct, operator_a_api):
    row = instruct(fleet["a1"], 5)
    response = operator_a_api.post(url(row.pk, "decline"), {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.data
    row.refresh_from_db()
    assert row.state == "pending"


def test_api_other_company_is_404(fleet, instruct, operator_b_api):
    row = instruct(fleet["a1"], 5)
    assert operator_b_api.get(f"/api/dispatch/instructions/{row.pk}/").status_code == 404
    assert operator_b_api.post(url(row.pk, "confirm")).status_code == 404
    listed = operator_b_api.get("/api/dispatch/instructions/").json()["results"]
    assert all(r["site"] != fleet["a1"].pk for r in listed)


def test_instruction_list_query_count(fleet, instruct, trader_api, django_assert_max_num_queries):
    for code in ("a1", "a2", "b1"):
        instruct(fleet[code], 5)
    with django_assert_max_num_queries(6):
        assert trader_api.get("/api/dispatch/instructions/").json()["count"] == 3


READINGS = "/api/dispatch/readings/"
PAST = "2026-07-01T09:45:00+08:00"  # the clock is at 10:00 local


def post(api, rows):
    return api.post(READINGS, {"rows": rows}, format="json")


def test_readings_stored_latest_kept(fleet, operator_a_api):
    row = {"site": fleet["a1"].pk, "interval_start": PAST, "load_mw": "18.5"}
    assert post(operator_a_api, [row]).status_code == 201
    assert post(operator_a_api, [{**row, "load_mw": "17.25"}]).status_code == 201
    reading = DeliveryReading.objects.get()
    assert reading.load_mw == Decimal("17.250") and reading.revision == 2
    assert reading.source == "api"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interval_start": "2026-07-01T09:45:00"}, "interval_start"),  # naive
        ({"interval_start": "2026-07-01T09:50:00+08:00"}, "rows[0].interval_start"),  # not a start
        ({"interval_start": "2026-07-01T10:15:00+08:00"}, "rows[0].interval_start"),  # future
        ({"load_mw": "18500"}, "rows[0].load_mw"),  # kW sent as MW
        ({"load_mw": "-1"}, "rows[0].load_mw"),
        ({"site": 999999}, "rows[0].site"),  # unknown
        ({"site": "b1"}, "rows[0].site"),  # another company's site
    ],
)
def test_readings_refused_naming_the_field(fleet, operator_a_api, change, field):
    if change.get("site") == "b1":
        change = {"site": fleet["b1"].pk}
    good = {"site": fleet["a2"].pk, "interval_start": PAST, "load_mw": "18"}
    bad = {"site": fleet["a1"].pk, "interval_start": PAST, "load_mw": "18", **change}
    response = post(operator_a_api, [bad, good] if field.startswith("rows[0]") else [bad])
    assert response.status_code == 400
    text = str(response.data)
    assert field.split(".")[-1] in text, response.data
    assert not DeliveryReading.objects.exists()  # all or nothing


def test_duplicate_rows_refused(fleet, operator_a_api):
    row = {"site": fleet["a1"].pk, "interval_start": PAST, "load_mw": "18"}
    response = post(operator_a_api, [row, row])
    assert response.status_code == 400 and "rows[1]" in response.data
    assert not DeliveryReading.objects.exists()


def test_delivered_vs_instructed(fleet, instruct, operator_a_api, trader_api, sim_now):
    rows = [instruct(fleet[c], 5) for c in ("a1", "a2")]
    sim_now(T0)
    post(operator_a_api, [{"site": fleet["a1"].pk, "interval_start": T0.isoformat(),
                           "load_mw": "16.5"}])  # fmt: skip
    data = trader_api.get(
        "/api/dispatch/delivery/",
        {"start": "2026-07-02T10:00:00+08:00", "end": "2026-07-02T11:00:00+08:00"},
    ).json()
    (point,) = data["portfolio"]
    assert Decimal(point["instructed_mw"]) == sum(r.target_mw for r in rows)
    assert Decimal(point["delivered_mw"]) == Decimal("16.5")
    assert point["sites"] == 2 and point["reporting"] == 1
    assert Decimal(data["sites"]["a1"][0]["delivered_mw"]) == Decimal("16.5")
    naive = trader_api.get("/api/dispatch/delivery/", {"start": "2026-07-02T10:00:00",
                                                       "end": "2026-07-02T11:00:00"})  # fmt: skip
    assert naive.status_code == 400 and "start" in naive.data


def test_inbox_lists_pending_and_page_answers(fleet, instruct, operator_a, client):
    row = instruct(fleet["a1"], 5)
    client.force_login(operator_a)
    page = client.get("/dispatch/inbox/")
    assert page.status_code == 200 and f"/dispatch/instructions/{row.pk}/confirm/" in page.text
    refused = client.post(f"/dispatch/instructions/{row.pk}/decline/", {"reason": ""})
    assert refused.status_code == 400
    assert (
        client.post(f"/dispatch/instructions/{row.pk}/decline/", {"reason": "fault"}).status_code
        == 302
    )
    assert Instruction.objects.get(pk=row.pk).state == "declined"
    again = client.post(f"/dispatch/instructions/{row.pk}/confirm/")
    assert again.status_code == 409


def test_status_page_plots_and_lists_positions(fleet, instruct, trader, client):
    instruct(fleet["a1"], 5)
    client.force_login(trader)
    page = client.get("/dispatch/?day=2026-07-02")
    assert page.status_code == 200 and "Portfolio 2026-07-02" in page.text
