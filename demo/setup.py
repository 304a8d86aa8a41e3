"""Load the demo: market nodes, organisations, one login per role, the fleet file, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import transaction

from sites import importer
from vpp import clock
from vpp.fixtures import DEFAULT_NODES
from vpp.intervals import market_tz
from vpp.models import MarketNode, Organisation, User

FLEET_FILE = Path(__file__).resolve().parent / "fleet.json"
DEMO_START_DAY = date(2026, 7, 1)
DEMO_START_LOCAL_TIME = time(8, 0)
HISTORY_DAYS = 35  # published day-ahead prices before the demo day, for the forecasts

AGGREGATOR = "Suandian Aggregation"
REGULATOR = "Provincial Energy Regulator"
OPERATORS = ["Qilian Compute", "Beiyun Cloud", "Donghai Digital", "Lingnan DataWorks"]


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    organisation: str


LOGINS = [
    Login("trader", "demo-trader", "trader", AGGREGATOR),
    Login("operator", "demo-operator", "operator", "Donghai Digital"),
    Login("operator-qilian", "demo-operator", "operator", "Qilian Compute"),
    Login("regulator", "demo-regulator", "regulator", REGULATOR),
    Login("admin", "demo-admin", "admin", ""),
]


@transaction.atomic
def load_demo() -> importer.ImportCounts:
    clock.set_now(start_instant())
    for node in DEFAULT_NODES:
        MarketNode.objects.update_or_create(code=node["code"], defaults=node)
    orgs = {AGGREGATOR: "aggregator", REGULATOR: "regulator"} | {
        name: "site_operator" for name in OPERATORS
    }
    for name, kind in orgs.items():
        Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
    for login in LOGINS:
        org = Organisation.objects.filter(name=login.organisation).first()
        user, _ = User.objects.get_or_create(
            username=login.username, defaults={"role": login.role, "organisation": org}
        )
        user.is_staff = user.is_superuser = login.role == "admin"
        user.set_password(login.password)
        user.save()
    admin = User.objects.get(username="admin")
    records = importer.parse(FLEET_FILE.read_bytes(), FLEET_FILE.name)
    return importer.import_fleet(actor=admin, records=records)


def start_instant() -> datetime:
    return datetime.combine(DEMO_START_DAY, DEMO_START_LOCAL_TIME, tzinfo=market_tz())


def history_days() -> tuple[date, date]:
    return DEMO_START_DAY - timedelta(days=HISTORY_DAYS), DEMO_START_DAY
