"""Registry API: create/read/update/deactivate, validation 400s that name the field, scoping."""

from decimal import Decimal

import pytest

from sites.models import Battery, Job, Site, WorkloadClass
from tests.factories import BatteryFactory, SiteFactory, WorkloadFactory
from vpp.models import AuditEvent

pytestmark = pytest.mark.django_db

SITE = {
    "code": "alpha-sh-01",
    "name": "Alpha Shanghai",
    "node": "E-LOAD",
    "grid_connection_mw": "40",
    "it_capacity_mw": "30",
    "min_load_mw": "5",
    "ramp_limit_mw_per_min": "2",
    "pue_kind": "constant",
    "pue_constant": "1.5",
}


@pytest.fixture
def site_a(org_a, nodes):
    return SiteFactory(organisation=org_a, node=nodes["E-LOAD"])


@pytest.fixture
def site_b(org_b, nodes):
    return SiteFactory(organisation=org_b, node=nodes["S-LOAD"])


def test_operator_registers_a_site_for_their_organisation(operator_a_api, org_a, nodes):
    r = operator_a_api.post("/api/sites/", SITE, format="json")
    assert r.status_code == 201, r.data
    site = Site.objects.get(code="alpha-sh-01")
    assert site.organisation == org_a
    assert r.data["organisation"] == "Alpha DC Co"
    assert AuditEvent.objects.filter(action="site.create", object_id=str(site.pk)).exists()


def test_operator_cannot_register_for_another_organisation(operator_a_api, org_b, nodes):
    r = operator_a_api.post("/api/sites/", {**SITE, "organisation": org_b.name}, format="json")
    assert r.status_code == 400
    assert "organisation" in r.data
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("grid_connection_mw", "0", "greater than zero"),
        ("it_capacity_mw", "-5", "greater than zero"),
        ("ramp_limit_mw_per_min", "0", "greater than zero"),
        ("min_load_mw", "-1", "negative"),
        ("min_load_mw", "40", "below the grid limit"),
        ("node", "MARS", "unknown market node"),
        ("pue_constant", "0.9", "greater than or equal to 1"),
    ],
)
def test_bad_site_input_is_a_400_naming_the_field(operator_a_api, nodes, field, value, message):
    r = operator_a_api.post("/api/sites/", {**SITE, field: value}, format="json")
    assert r.status_code == 400
    assert message in " ".join(str(m) for m in r.data[field])
    assert not Site.objects.exists()


def test_hourly_and_temperature_pue_need_their_parameters(operator_a_api, nodes):
    r = operator_a_api.post("/api/sites/", {**SITE, "pue_kind": "hourly"}, format="json")
    assert r.status_code == 400 and "pue_hourly" in r.data
    r = operator_a_api.post("/api/sites/", {**SITE, "pue_kind": "temperature"}, format="json")
    assert r.status_code == 400 and "pue_temp_base" in r.data


def test_battery_reserve_above_capacity_is_refused(operator_a_api, site_a):
    body = {"site": site_a.pk, "name": "b1", "energy_mwh": "10", "power_mw": "5",
            "reserve_mwh": "12", "nominal_soc_mwh": "10"}  # fmt: skip
    r = operator_a_api.post("/api/batteries/", body, format="json")
    assert r.status_code == 400
    assert "above the capacity" in r.data["reserve_mwh"][0]
    assert not Battery.objects.exists()


def test_a_resource_on_another_organisations_site_is_refused(operator_a_api, site_b):
    body = {"site": site_b.pk, "name": "b1", "energy_mwh": "10", "power_mw": "5",
            "reserve_mwh": "2", "nominal_soc_mwh": "10"}  # fmt: skip
    r = operator_a_api.post("/api/batteries/", body, format="json")
    assert r.status_code == 400
    assert r.data["site"] == [f"no site {site_b.pk} among the sites you manage"]
    assert not Battery.objects.exists()


def test_job_deadline_before_release_and_naive_datetimes(operator_a_api, site_a):
    pool = WorkloadFactory(site=site_a, kind="batch", it_mw=Decimal("20"))
    job = {"workload": pool.pk, "name": "j", "energy_mwh": "10", "max_it_mw": "5",
           "release_at": "2026-07-01T20:00:00+08:00", "deadline_at": "2026-07-01T18:00:00+08:00"}  # fmt: skip
    r = operator_a_api.post("/api/jobs/", job, format="json")
    assert r.status_code == 400
    assert r.data["deadline_at"] == ["deadline must be after the release time"]

    r = operator_a_api.post(
        "/api/jobs/", {**job, "deadline_at": "2026-07-02T02:00:00"}, format="json"
    )
    assert r.status_code == 400
    assert "naive datetime" in r.data["deadline_at"][0]

    r = operator_a_api.post(
        "/api/jobs/", {**job, "deadline_at": "2026-07-01T21:00:00+08:00"}, format="json"
    )
    assert r.status_code == 400
    assert "cannot be served" in r.data["energy_mwh"][0]
    assert not Job.objects.exists()

    r = operator_a_api.post(
        "/api/jobs/", {**job, "deadline_at": "2026-07-02T02:00:00+08:00"}, format="json"
    )
    assert r.status_code == 201, r.data
    assert r.data["deadline_at"] == "2026-07-01T18:00:00Z"


def test_inference_is_not_shiftable(operator_a_api, site_a):
    body = {"site": site_a.pk, "kind": "inference", "name": "inf", "it_mw": "5", "movable": True}
    r = operator_a_api.post("/api/workloads/", body, format="json")
    assert r.status_code == 400 and "movable" in r.data
    assert not WorkloadClass.objects.exists()


def test_update_keeps_the_site_when_refused(operator_a_api, site_a):
    r = operator_a_api.patch(f"/api/sites/{site_a.pk}/", {"min_load_mw": "99"}, format="json")
    assert r.status_code == 400
    site_a.refresh_from_db()
    assert site_a.min_load_mw == Decimal("5")
    r = operator_a_api.patch(f"/api/sites/{site_a.pk}/", {"min_load_mw": "7"}, format="json")
    assert r.status_code == 200
    site_a.refresh_from_db()
    assert site_a.min_load_mw == Decimal("7")
    event = AuditEvent.objects.get(action="site.update")
    assert event.changes["min_load_mw"] == ["5.000", "7.000"]


def test_deactivate_a_site_and_a_battery(operator_a_api, site_a):
    battery = BatteryFactory(site=site_a)
    r = operator_a_api.post(f"/api/batteries/{battery.pk}/deactivate/")
    assert r.status_code == 200 and r.data["active"] is False
    r = operator_a_api.post(f"/api/sites/{site_a.pk}/deactivate/")
    assert r.status_code == 200 and r.data["active"] is False
    assert Site.objects.filter(pk=site_a.pk, active=False).exists()


def test_operators_see_only_their_sites_traders_and_regulators_all(
    operator_a_api, operator_b_api, trader_api, regulator_api, site_a, site_b
):
    codes = lambda r: {s["code"] for s in r.data["results"]}  # noqa: E731
    assert codes(operator_a_api.get("/api/sites/")) == {site_a.code}
    assert codes(operator_b_api.get("/api/sites/")) == {site_b.code}
    assert codes(trader_api.get("/api/sites/")) == {site_a.code, site_b.code}
    assert codes(regulator_api.get("/api/sites/")) == {site_a.code, site_b.code}
    assert operator_a_api.get(f"/api/sites/{site_b.pk}/").status_code == 404


def test_envelope_endpoint_uses_the_stored_site(operator_a_api, site_a):
    WorkloadFactory(site=site_a, kind="inference", it_mw=Decimal("4"))
    WorkloadFactory(
        site=site_a, kind="training", it_mw=Decimal("10"), power_cap_floor_fraction=Decimal("0.6"),
        max_deferral_hours=Decimal("6"),
    )  # fmt: skip
    BatteryFactory(site=site_a)  # 10 MWh, 5 MW, reserve 4, discharge 0.9
    r = operator_a_api.get(f"/api/sites/{site_a.pk}/envelope/", {"day": "2026-07-01"})
    assert r.status_code == 200
    assert len(r.data["intervals"]) == 96
    first = r.data["intervals"][0]
    assert first["interval_start"] == "2026-06-30T16:00:00Z"
    assert first["baseline_mw"] == pytest.approx(21.0)
    assert first["down_mw"] == pytest.approx(11.0)
    assert first["down_hours"] == pytest.approx(1.08)
    r = operator_a_api.get(f"/api/sites/{site_a.pk}/envelope/", {"day": "July"})
    assert r.status_code == 400 and "day" in r.data


def test_list_query_count_does_not_grow_with_sites(
    trader_api, org_a, nodes, django_assert_max_num_queries
):
    for _ in range(30):
        SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    with django_assert_max_num_queries(6):
        r = trader_api.get("/api/sites/")
    assert r.data["count"] == 30
