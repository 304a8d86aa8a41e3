"""The registry's web pages: who may open what, what they show, and that every write goes
through the services (a refusal is a 400 on the form and stores nothing)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import Battery, Job, Site, WorkloadClass
from vpp.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_site(org, node, code="alpha-1", **fields) -> Site:
    values = {
        "name": "Alpha One",
        "grid_connection_mw": Decimal("30"),
        "it_capacity_mw": Decimal("20"),
        "ramp_limit_mw_per_min": Decimal("5"),
        "pue_constant": Decimal("1.5"),
        **fields,
    }
    return Site.objects.create(organisation=org, node=node, code=code, **values)


@pytest.fixture
def site_a(org_a, nodes, sim_now):
    """10 MW of inference at PUE 1.5 (baseline 15 MW) and a 2 MW battery kept at 3 of 4 MWh
    with 1 MWh reserve: 2 MW down, 2 MW up."""
    site = make_site(org_a, nodes["NW-WIND"])
    WorkloadClass.objects.create(site=site, kind="inference", name="chat", it_mw=Decimal("10"))
    WorkloadClass.objects.create(site=site, kind="batch", name="render", it_mw=Decimal("4"))
    Battery.objects.create(
        site=site,
        name="ups-1",
        energy_mwh=Decimal("4"),
        power_mw=Decimal("2"),
        reserve_mwh=Decimal("1"),
        nominal_soc_mwh=Decimal("3"),
    )
    return site


def site_post(node, **overrides) -> dict:
    data = {
        "code": "alpha-new",
        "name": "Alpha New",
        "node": node.pk,
        "grid_connection_mw": "25",
        "it_capacity_mw": "18",
        "min_load_mw": "2",
        "ramp_limit_mw_per_min": "3",
        "notice_minutes": "15",
        "max_events_per_day": "2",
        "pue_kind": "constant",
        "pue_constant": "1.35",
        "climate_mean_temp_c": "15",
        "climate_daily_swing_c": "8",
    }
    data.update(overrides)
    return data


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["trader", "operator_a", "regulator", "admin"])
def test_list_and_detail_render_for_readers(client, personas, site_a, who):
    client.force_login(personas[who])
    page = client.get(reverse("sites:list"))
    assert page.status_code == 200
    assert b"alpha-1" in page.content and b"Alpha DC Co" in page.content
    may_write = who in ("operator_a", "admin")
    assert (b"Register a site" in page.content) is may_write
    assert (b"Import a fleet" in page.content) is may_write

    page = client.get(reverse("sites:detail", args=[site_a.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="envelope-chart"' in body and "js/plotly.min.js" in body
    assert "cdn.plot.ly" not in body
    assert "market day 2026-07-01" in body  # the simulation clock's day
    assert "15.00" in body  # baseline: 10 MW IT x PUE 1.5
    assert "ups-1" in body and "render" in body
    assert ("Edit site" in body) is may_write


def test_envelope_table_is_in_market_local_time(client, trader, site_a):
    client.force_login(trader)
    body = client.get(reverse("sites:detail", args=[site_a.pk])).content.decode()
    table = body.split("Hourly values")[1].split("</table>")[0]
    hours = [cell.split("</td>")[0] for cell in table.split("<tr><td>")[1:]]
    assert hours[0] == "00:00" and hours[-1] == "23:00" and len(hours) == 24
    # the chart's x axis starts at local midnight too (naive local times, no zone shift)
    # The chart's data sit HTML-escaped in its data-figure attribute (vpp/charts.py).
    figure = html.unescape(body)
    assert '"2026-07-01T00:00:00"' in figure and '"2026-07-02T00:00:00"' in figure


def test_detail_queries_do_not_grow_with_resources(client, trader, site_a):
    client.force_login(trader)
    url = reverse("sites:detail", args=[site_a.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    batch = site_a.workloads.get(name="render")
    for i in range(3):
        Battery.objects.create(
            site=site_a, name=f"extra-{i}", energy_mwh=1, power_mw=1, nominal_soc_mwh=1
        )
        Job.objects.create(
            workload=batch,
            name=f"job-{i}",
            release_at=datetime(2026, 7, 1, 0, tzinfo=UTC),
            deadline_at=datetime(2026, 7, 1, 8, tzinfo=UTC),
            energy_mwh=1,
            max_it_mw=1,
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert "job-2" in body and "extra-2" in body
    assert len(many) == len(few)


def test_list_counts_only_active_resources_without_n_plus_1(client, trader, org_a, nodes, site_a):
    Battery.objects.create(
        site=site_a, name="old", energy_mwh=1, power_mw=1, nominal_soc_mwh=1, active=False
    )
    client.force_login(trader)
    with CaptureQueriesContext(connection) as one_site:
        page = client.get(reverse("sites:list"))
    row = page.content.decode().split("alpha-1")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row and '<td class="num">2</td>' in row

    for i in (3, 2, 1, 0):  # created out of code order
        site = make_site(org_a, nodes["E-LOAD"], code=f"alpha-x{i}")
        Battery.objects.create(site=site, name="b", energy_mwh=1, power_mw=1, nominal_soc_mwh=1)
    with CaptureQueriesContext(connection) as five_sites:
        body = client.get(reverse("sites:list")).content.decode()
    assert len(five_sites) == len(one_site)
    codes = [part.split("<")[0] for part in body.split('/">')[1:] if part.startswith("alpha")]
    assert codes == sorted(codes) and len(codes) == 5


def test_empty_list_says_so(client, operator_a, trader):
    client.force_login(operator_a)
    body = client.get(reverse("sites:list")).content.decode()
    assert "No sites registered yet" in body
    client.force_login(trader)
    body = client.get(reverse("sites:list")).content.decode()
    assert "No sites to show yet" in body and "Register a site" not in body


def test_detail_of_another_day_and_a_bad_day(client, trader, site_a):
    client.force_login(trader)
    page = client.get(reverse("sites:detail", args=[site_a.pk]), {"day": "2026-07-05"})
    assert page.status_code == 200 and b"market day 2026-07-05" in page.content
    page = client.get(reverse("sites:detail", args=[site_a.pk]), {"day": "July"})
    assert page.status_code == 400 and b"is not a date" in page.content


def test_operator_sees_only_own_organisation(client, operator_a, operator_b, site_a):
    client.force_login(operator_b)
    assert b"alpha-1" not in client.get(reverse("sites:list")).content
    battery = site_a.batteries.get()
    workload = site_a.workloads.get(name="chat")
    for url in [
        reverse("sites:detail", args=[site_a.pk]),
        reverse("sites:edit", args=[site_a.pk]),
        reverse("sites:battery-create", args=[site_a.pk]),
        reverse("sites:battery-edit", args=[battery.pk]),
        reverse("sites:workload-create", args=[site_a.pk]),
        reverse("sites:workload-edit", args=[workload.pk]),
        reverse("sites:job-create", args=[site_a.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("sites:deactivate", args=[site_a.pk]),
        reverse("sites:battery-deactivate", args=[battery.pk]),
        reverse("sites:workload-deactivate", args=[workload.pk]),
    ]:
        assert client.post(url).status_code == 404, url
    site_a.refresh_from_db()
    battery.refresh_from_db()
    assert site_a.active and battery.active


@pytest.mark.parametrize("who", ["trader", "regulator"])
def test_readers_may_not_write(client, personas, site_a, who):
    client.force_login(personas[who])
    for url in [
        reverse("sites:create"),
        reverse("sites:edit", args=[site_a.pk]),
        reverse("sites:import"),
        reverse("sites:battery-create", args=[site_a.pk]),
        reverse("sites:job-create", args=[site_a.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("sites:deactivate", args=[site_a.pk])).status_code == 403
    site_a.refresh_from_db()
    assert site_a.active


def test_anonymous_is_sent_to_login(client, site_a):
    page = client.get(reverse("sites:detail", args=[site_a.pk]))
    assert page.status_code == 302 and "/login/" in page["Location"]


# --- writing sites -------------------------------------------------------------------------


def test_operator_registers_a_site_for_own_organisation(client, operator_a, org_a, nodes):
    client.force_login(operator_a)
    page = client.get(reverse("sites:create"))
    assert page.status_code == 200 and b'name="organisation"' not in page.content
    page = client.post(reverse("sites:create"), site_post(nodes["NW-WIND"]))
    site = Site.objects.get(code="alpha-new")
    assert page.status_code == 302 and page["Location"] == reverse("sites:detail", args=[site.pk])
    assert site.organisation == org_a and site.pue_constant == Decimal("1.35")
    assert AuditEvent.objects.filter(action="site.create", object_id=str(site.pk)).exists()


def test_admin_picks_the_organisation(client, admin_user, org_b, nodes):
    client.force_login(admin_user)
    assert b'name="organisation"' in client.get(reverse("sites:create")).content
    page = client.post(reverse("sites:create"), site_post(nodes["NW-WIND"]))
    assert page.status_code == 400 and b"This field is required" in page.content
    page = client.post(reverse("sites:create"), site_post(nodes["NW-WIND"], organisation=org_b.pk))
    assert page.status_code == 302
    assert Site.objects.get(code="alpha-new").organisation == org_b


def test_site_form_errors_are_400_and_store_nothing(client, operator_a, nodes):
    client.force_login(operator_a)
    page = client.post(
        reverse("sites:create"),
        site_post(nodes["NW-WIND"], min_load_mw="30", pue_kind="hourly", pue_hourly="1.2, 1.3"),
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "must be below the grid limit 25" in body
    assert "an hourly PUE needs 24 numbers" in body
    assert not Site.objects.exists()


def test_edit_keeps_the_organisation_and_shows_hourly_pue(client, operator_a, org_a, site_a):
    client.force_login(operator_a)
    hourly = ", ".join(["1.2"] * 12 + ["1.4"] * 12)
    data = site_post(site_a.node, code="alpha-1", pue_kind="hourly", pue_hourly=hourly)
    page = client.post(reverse("sites:edit", args=[site_a.pk]), data)
    assert page.status_code == 302
    site_a.refresh_from_db()
    assert site_a.pue_hourly == [1.2] * 12 + [1.4] * 12 and site_a.organisation == org_a
    page = client.get(reverse("sites:edit", args=[site_a.pk]))
    assert b"1.2, 1.2" in page.content
    assert b"hourly, 1.2 to 1.4" in client.get(reverse("sites:detail", args=[site_a.pk])).content


def test_deactivate_is_post_only(client, operator_a, site_a):
    client.force_login(operator_a)
    url = reverse("sites:deactivate", args=[site_a.pk])
    assert client.get(url).status_code == 405
    assert (
        b"Confirm: deactivate alpha-1"
        in client.get(reverse("sites:detail", args=[site_a.pk])).content
    )
    page = client.post(url)
    assert page.status_code == 302
    site_a.refresh_from_db()
    assert not site_a.active


# --- batteries, workload classes, jobs -----------------------------------------------------


def battery_post(**overrides) -> dict:
    data = {
        "name": "ups-2",
        "energy_mwh": "10",
        "power_mw": "5",
        "charge_efficiency": "0.95",
        "discharge_efficiency": "0.95",
        "reserve_mwh": "2",
        "nominal_soc_mwh": "8",
    }
    data.update(overrides)
    return data


def test_battery_create_edit_deactivate(client, operator_a, site_a):
    client.force_login(operator_a)
    page = client.post(reverse("sites:battery-create", args=[site_a.pk]), battery_post())
    assert page.status_code == 302
    battery = site_a.batteries.get(name="ups-2")
    assert battery.nominal_soc_mwh == Decimal("8")

    page = client.post(
        reverse("sites:battery-edit", args=[battery.pk]), battery_post(nominal_soc_mwh="9")
    )
    assert page.status_code == 302
    battery.refresh_from_db()
    assert battery.nominal_soc_mwh == Decimal("9")

    page = client.post(reverse("sites:battery-deactivate", args=[battery.pk]))
    assert page.status_code == 302
    battery.refresh_from_db()
    assert not battery.active


def test_battery_reserve_above_capacity_is_a_400_naming_the_field(client, operator_a, site_a):
    client.force_login(operator_a)
    page = client.post(
        reverse("sites:battery-create", args=[site_a.pk]), battery_post(reserve_mwh="12")
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "backup reserve 12" in body and "above the capacity 10" in body
    field = body.split('name="reserve_mwh"')[1].split("</p>")[0]
    assert "above the capacity" in field  # shown next to the reserve field
    assert not site_a.batteries.filter(name="ups-2").exists()


def test_duplicate_battery_name_is_refused_by_the_service(client, operator_a, site_a):
    client.force_login(operator_a)
    page = client.post(
        reverse("sites:battery-create", args=[site_a.pk]), battery_post(name="ups-1")
    )
    assert page.status_code == 400 and b"already exists" in page.content
    assert site_a.batteries.count() == 1


def test_workload_class_create_and_inference_rule(client, operator_a, site_a):
    client.force_login(operator_a)
    url = reverse("sites:workload-create", args=[site_a.pk])
    data = {"kind": "training", "name": "llm", "it_mw": "6", "power_cap_floor_fraction": "0.5",
            "interruptible": "on", "max_deferral_hours": "4"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert site_a.workloads.get(name="llm").interruptible

    page = client.post(url, {**data, "kind": "inference", "name": "search"})
    assert page.status_code == 400
    assert b"online inference is not shiftable" in page.content
    assert not site_a.workloads.filter(name="search").exists()

    llm = site_a.workloads.get(name="llm")
    page = client.post(reverse("sites:workload-edit", args=[llm.pk]), {**data, "it_mw": "7"})
    assert page.status_code == 302
    llm.refresh_from_db()
    assert llm.it_mw == Decimal("7") and llm.kind == "training"
    assert client.post(reverse("sites:workload-deactivate", args=[llm.pk])).status_code == 302
    llm.refresh_from_db()
    assert not llm.active


def test_job_local_time_is_stored_as_utc(client, operator_a, site_a):
    client.force_login(operator_a)
    batch = site_a.workloads.get(name="render")
    page = client.get(reverse("sites:job-create", args=[site_a.pk]))
    assert page.status_code == 200 and b'type="datetime-local"' in page.content
    assert b"Asia/Shanghai" in page.content
    data = {
        "workload": batch.pk,
        "name": "nightly",
        "release_at": "2026-07-02T08:00",
        "deadline_at": "2026-07-02T20:00",
        "energy_mwh": "6",
        "max_it_mw": "2",
    }
    page = client.post(reverse("sites:job-create", args=[site_a.pk]), data)
    assert page.status_code == 302, page.content.decode()
    job = Job.objects.get(name="nightly")
    assert job.release_at == datetime(2026, 7, 2, 0, 0, tzinfo=UTC)  # 08:00 at UTC+8
    assert job.deadline_at == datetime(2026, 7, 2, 12, 0, tzinfo=UTC)

    page = client.get(reverse("sites:job-edit", args=[job.pk]))
    assert b'value="2026-07-02T08:00"' in page.content  # shown back in market time
    body = client.get(reverse("sites:detail", args=[site_a.pk])).content.decode()
    assert "2026-07-02 08:00" in body

    page = client.post(
        reverse("sites:job-edit", args=[job.pk]), {**data, "deadline_at": "2026-07-02T07:00"}
    )
    assert page.status_code == 400 and b"deadline must be after the release" in page.content
    job.refresh_from_db()
    assert job.deadline_at == datetime(2026, 7, 2, 12, 0, tzinfo=UTC)


def test_job_only_attaches_to_a_batch_class(client, operator_a, site_a):
    client.force_login(operator_a)
    inference = site_a.workloads.get(name="chat")
    page = client.post(
        reverse("sites:job-create", args=[site_a.pk]),
        {"workload": inference.pk, "name": "j", "release_at": "2026-07-02T08:00",
         "deadline_at": "2026-07-02T20:00", "energy_mwh": "1", "max_it_mw": "1"},
    )  # fmt: skip
    assert page.status_code == 400 and b"Select a valid choice" in page.content
    assert not Job.objects.exists()


# --- fleet import --------------------------------------------------------------------------


def test_import_of_a_good_file_creates_the_sites(client, operator_a, org_a, nodes):
    client.force_login(operator_a)
    assert client.get(reverse("sites:import")).status_code == 200
    fleet = {
        "sites": [
            {
                "code": f"imp-{i}", "name": f"Imported {i}", "node": "NW-WIND",
                "grid_connection_mw": "20", "it_capacity_mw": "15",
                "ramp_limit_mw_per_min": "2",
                "batteries": [{"name": "b", "energy_mwh": "2", "power_mw": "1",
                               "nominal_soc_mwh": "2"}],
            }
            for i in (1, 2)
        ]
    }  # fmt: skip
    upload = SimpleUploadedFile("fleet.json", json.dumps(fleet).encode(), "application/json")
    page = client.post(reverse("sites:import"), {"file": upload}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("sites:list")
    assert b"Imported 2 site(s), 2 battery(ies)" in page.content
    assert set(Site.objects.filter(organisation=org_a).values_list("code", flat=True)) == {
        "imp-1",
        "imp-2",
    }


def test_import_of_a_bad_file_stores_nothing_and_lists_the_rows(client, operator_a, nodes):
    client.force_login(operator_a)
    csv_text = (
        "record,site,code,name,node,grid_connection_mw,it_capacity_mw,ramp_limit_mw_per_min,"
        "energy_mwh,power_mw,reserve_mwh,nominal_soc_mwh\n"
        "site,,ok-1,Fine,NW-WIND,20,15,2,,,,\n"
        "site,,bad-1,Bad,NOWHERE,-5,15,2,,,,\n"
        "battery,ok-1,,b1,,,,,2,1,3,2\n"
    )
    upload = SimpleUploadedFile("fleet.csv", csv_text.encode(), "text/csv")
    page = client.post(reverse("sites:import"), {"file": upload})
    assert page.status_code == 400
    body = page.content.decode()
    assert "nothing was imported" in body
    table = body.split('class="import-errors"')[1]
    assert "line 3 (site)" in table and "unknown market node" in table
    assert "grid_connection_mw" in table
    assert "line 4 (battery)" in table and "reserve_mwh" in table
    assert "line 2" not in table
    assert not Site.objects.exists() and not Battery.objects.exists()


def test_import_of_an_unreadable_file_names_the_file(client, operator_a):
    client.force_login(operator_a)
    upload = SimpleUploadedFile("fleet.txt", b"hello", "text/plain")
    page = client.post(reverse("sites:import"), {"file": upload})
    assert page.status_code == 400 and b"give a .csv or .json file" in page.content


def test_local_time_that_a_dst_change_skips_is_refused(settings):
    from sites.forms import MarketLocalDateTimeField

    settings.MARKET_TIME_ZONE = "Europe/Berlin"
    field = MarketLocalDateTimeField()
    assert field.clean("2026-07-01T10:00") == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="interpreted in time zone Europe/Berlin"):
        field.clean("2026-03-29T02:30")  # clocks jump from 02:00 to 03:00
