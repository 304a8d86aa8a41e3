"""Fleet import: all or nothing, a report naming every bad row; the demo fleet loads."""

import io
import json

import pytest

from demo.setup import FLEET_FILE
from sites import importer
from sites.models import Battery, Job, Site, WorkloadClass
from vpp.models import Organisation

pytestmark = pytest.mark.django_db

GOOD_CSV = """record,site,workload,code,name,node,grid_connection_mw,it_capacity_mw,min_load_mw,ramp_limit_mw_per_min,pue_kind,pue_constant,pue_hourly,energy_mwh,power_mw,reserve_mwh,nominal_soc_mwh,kind,it_mw,release_at,deadline_at,max_it_mw
site,,,a-01,Alpha one,E-LOAD,40,30,5,2,constant,1.4,,,,,,,,,,
site,,,a-02,Alpha two,S-LOAD,20,15,2,1,hourly,,1.2;1.2;1.2;1.2;1.2;1.2;1.2;1.2;1.2;1.2;1.3;1.3;1.4;1.4;1.4;1.4;1.3;1.3;1.2;1.2;1.2;1.2;1.2;1.2,,,,,,,,,
battery,a-01,,,bess,,,,,,,,,10,5,2,8,,,,,
workload,a-01,,,pool,,,,,,,,,,,,,batch,12,,,
job,a-01,pool,,night,,,,,,,,,20,,,,,,2026-07-01T20:00:00+08:00,2026-07-02T04:00:00+08:00,6
"""


def upload(client, name, content):
    f = io.BytesIO(content.encode())
    f.name = name
    return client.post("/api/sites/import/", {"file": f}, format="multipart")


def test_csv_fleet_is_imported(operator_a_api, nodes, org_a):
    r = upload(operator_a_api, "fleet.csv", GOOD_CSV)
    assert r.status_code == 201, r.data
    assert r.data == {"sites": 2, "batteries": 1, "workloads": 1, "jobs": 1}
    assert set(Site.objects.values_list("organisation", flat=True)) == {org_a.pk}
    assert Site.objects.get(code="a-02").pue_hourly[12] == 1.4


def test_one_bad_row_stores_nothing_and_every_bad_row_is_reported(operator_a_api, nodes):
    bad = (
        GOOD_CSV.replace("bess,,,,,,,,,10,5,2,8", "bess,,,,,,,,,10,5,12,8")  # reserve > energy
        .replace("a-02,Alpha two,S-LOAD", "a-02,Alpha two,MOON")  # unknown node
        .replace("2026-07-02T04:00:00+08:00", "2026-07-02T04:00:00")  # naive deadline
    )
    r = upload(operator_a_api, "fleet.csv", bad)
    assert r.status_code == 400
    assert "nothing was imported" in r.data["file"][0]
    by_line = {row["record"]: row["errors"] for row in r.data["rows"]}
    assert "node" in by_line["line 3 (site)"]
    assert "reserve_mwh" in by_line["line 4 (battery)"]
    assert "naive datetime" in by_line["line 6 (job)"]["deadline_at"][0]
    assert not Site.objects.exists() and not Battery.objects.exists()
    assert not WorkloadClass.objects.exists() and not Job.objects.exists()


def test_json_rows_name_their_place_and_other_organisations_are_refused(
    operator_a_api, nodes, org_b
):
    doc = {"sites": [{"code": "x", "name": "X", "node": "E-LOAD", "organisation": org_b.name,
                      "grid_connection_mw": "10", "it_capacity_mw": "8",
                      "ramp_limit_mw_per_min": "1",
                      "batteries": [{"name": "b", "energy_mwh": "0", "power_mw": "1",
                                     "nominal_soc_mwh": "0"}]}]}  # fmt: skip
    r = upload(operator_a_api, "fleet.json", json.dumps(doc))
    assert r.status_code == 400
    rows = {row["record"]: row["errors"] for row in r.data["rows"]}
    assert "organisation" in rows["sites[0] (site)"]
    assert "site" in rows["sites[0].batteries[0] (battery)"]  # its site failed, so unknown
    assert not Site.objects.exists()


def test_wrong_file_type_and_bad_json(operator_a_api, nodes):
    r = upload(operator_a_api, "fleet.xlsx", "x")
    assert r.status_code == 400 and r.data["file"] == ["give a .csv or .json file"]
    r = upload(operator_a_api, "fleet.json", "{nope")
    assert r.status_code == 400 and "not valid JSON" in r.data["file"][0]


def test_the_demo_fleet_file_loads(admin_user, nodes):
    for name in ("Qilian Compute", "Beiyun Cloud", "Donghai Digital", "Lingnan DataWorks"):
        Organisation.objects.create(name=name, kind="site_operator")
    counts = importer.import_fleet(
        actor=admin_user, records=importer.parse(FLEET_FILE.read_bytes(), "fleet.json")
    )
    assert counts.sites == 12
    assert Site.objects.values("node").distinct().count() == 5
    assert Battery.objects.count() == counts.batteries > 0
    assert Job.objects.count() == counts.jobs > 0
