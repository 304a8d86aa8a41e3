"""Seed the load-test database: the default nodes, an operator company with 4 sites, a trader;
tokens for both. Prints nothing secret: the tokens go to a file run.sh reads."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from sites.models import Site  # noqa: E402
from vpp.fixtures import DEFAULT_NODES  # noqa: E402
from vpp.models import MarketNode, Organisation, User  # noqa: E402
from vpp.tokens import token_create  # noqa: E402

nodes = [MarketNode.objects.get_or_create(code=n["code"], defaults=n)[0] for n in DEFAULT_NODES]
aggregator, _ = Organisation.objects.get_or_create(name="Load Aggregator", kind="aggregator")
company, _ = Organisation.objects.get_or_create(name="Load DC Co", kind="site_operator")
for i in range(4):
    Site.objects.get_or_create(
        code=f"load-{i}",
        defaults=dict(
            name=f"Load test DC {i}", organisation=company, node=nodes[i % len(nodes)],
            grid_connection_mw=Decimal("40"), it_capacity_mw=Decimal("30"),
            min_load_mw=Decimal("5"), ramp_limit_mw_per_min=Decimal("2"),
            pue_constant=Decimal("1.5"),
        ),
    )  # fmt: skip
users = {}
people = (("load-operator", "operator", company), ("load-trader", "trader", aggregator))
for name, role, org in people:
    user = User.objects.filter(username=name).first() or User.objects.create_user(
        username=name, password="load-" + name, role=role, organisation=org
    )
    users[name] = token_create(user=user)[1]  # an expiring API token (knox), 10 h
Path(os.environ["LOAD_TOKENS"]).write_text(
    f"OPERATOR_TOKEN={users['load-operator']}\nTRADER_TOKEN={users['load-trader']}\n"
)
