"""The schema tells the truth about real data: every GET operation of the project's API,
called on a world with real rows (a settled day, a pending instruction, an optimiser run, an
open auction, system audit events with no actor), answers as its documented schema says, for
every role that may read it.

The fuzz run (test_schema_fuzz.py) generates ids and mostly meets 404s; this test points every
path at an object that exists, so null fields, nested arrays and optional members are seen."""

from __future__ import annotations

import pytest
from django.core.wsgi import get_wsgi_application
from schemathesis.specs.openapi.checks import response_schema_conformance

from settlement import pipeline
from tests import test_access_matrix as matrix
from tests.factories import SiteFactory
from tests.hardening.test_schema_fuzz import _keep_test_connection, schema  # noqa: F401
from tests.settlement.statement_world import DAY, build
from vpp.tokens import token_create

ROLES = ("trader", "operator_a", "regulator", "admin")
# The access matrix's worlds, registered here under their own fixture names.
world = matrix.world
exchange_world = matrix.exchange_world
trading_world = matrix.trading_world
dispatch_world = matrix.dispatch_world
statements_world = matrix.statements_world


@pytest.fixture
def rich_world(request, org_a, org_b, nodes):
    made = (
        request.getfixturevalue(name)
        for name in ("world", "exchange_world", "trading_world", "dispatch_world")
    )
    request.getfixturevalue("statements_world")
    site_world, auction_world, desk_world, dispatched = made
    build(
        SiteFactory(organisation=org_a, node=nodes["E-LOAD"], code="alpha-1"),
        SiteFactory(organisation=org_b, node=nodes["S-LOAD"], code="beta-1"),
    )
    settled = pipeline.run_inline(day=DAY, actor=None)  # a system run: audit rows, no actor
    assert settled.state == "done", settled.error
    ids = {k: site_world[k]["pk"] for k in ("site", "battery", "workload", "job", "node")}
    ids.update({k: desk_world[k]["pk"] for k in ("trun", "tcurve", "tsubmission")})
    ids.update(
        auction=auction_world["auction"]["pk"],
        instruction=dispatched["instruction"]["pk"],
        submission=dispatched["submission_id"]["submission_id"],
        statement=settled.statement_id,
        srun=settled.pk,
    )
    return ids, auction_world


PATHS = {  # path prefix -> which object fills {id}
    "/api/sites/": "site",
    "/api/batteries/": "battery",
    "/api/workloads/": "workload",
    "/api/jobs/": "job",
    "/api/nodes/": "node",
    "/api/exchange/auctions/": "auction",
    "/api/dispatch/instructions/": "instruction",
    "/api/trading/runs/": "trun",
    "/api/trading/curves/": "tcurve",
    "/api/trading/submissions/": "tsubmission",
    "/api/settlement/statements/": "statement",
    "/api/settlement/runs/": "srun",
}
DAY_RANGE = {"start": "2026-06-30T00:00:00+08:00", "end": "2026-07-01T00:00:00+08:00"}
QUERIES = {
    "/api/sites/{id}/envelope/": {"day": "2026-07-01"},
    "/api/trading/forecast/": {"market_day": "2026-07-02"},
    "/api/trading/envelope/": {"market_day": "2026-07-02"},
    "/api/trading/backtest/": {"last_day": "2026-06-30", "days": "1"},
    "/api/dispatch/delivery/": DAY_RANGE,
}


def _parameters(path: str, ids: dict, exchange: dict) -> dict:
    params = {}
    if "{id}" in path:
        params["id"] = next(ids[key] for prefix, key in PATHS.items() if path.startswith(prefix))
    if "{auction_id}" in path:
        params["auction_id"] = ids["auction"]
    if "{submission_id}" in path:
        params["submission_id"] = ids["submission"]
    if "{code}" in path:
        kind = "exnode" if "/nodes/" in path else "line"
        params["code"] = exchange[kind]["code"]
    return params


@pytest.mark.django_db
def test_every_get_answers_its_documented_shape_on_real_data(rich_world, personas):
    ids, exchange = rich_world
    schema.app = get_wsgi_application()
    tokens = {role: token_create(user=personas[role])[1] for role in ROLES}
    checked, problems = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        if operation.method.upper() != "GET" or path.startswith("/openadr3/"):
            continue
        for role, token in tokens.items():
            case = operation.Case(
                path_parameters=_parameters(path, ids, exchange), query=QUERIES.get(path)
            )
            response = case.call(headers={"Authorization": f"Token {token}"})
            assert response.status_code < 500, (path, role, response.text[:300])
            if response.status_code != 200:
                continue
            try:
                case.validate_response(response, checks=[response_schema_conformance])
            except BaseExceptionGroup as failures:  # schemathesis' FailureGroup: collected
                reasons = "; ".join(
                    " ".join(line.strip() for line in str(f).splitlines()[1:9] if line.strip())
                    for f in failures.exceptions
                )
                problems.append(f"{role} GET {path}: {reasons[:500]}")
            checked += 1
    assert problems == [], "\n".join(problems)
    assert checked > 100  # most operations answered 200 for most roles
