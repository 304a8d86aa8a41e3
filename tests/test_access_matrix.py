"""The role-by-endpoint matrix, generated from the URL configuration.

Every named URL (pages and API, admin aside) must have a rule here, so a new endpoint without
one fails :func:`test_every_url_has_a_rule`. Each rule lists, per method, the status every
persona gets; the object URLs point at a site of operator_a's organisation, so operator_b is
the "another company" case. Statuses: 200/201 allowed, 302 anonymous page (to login),
400 allowed but invalid input, 403 role refused, 404 scoped out, 405 no such verb.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from market.exchange import services as exchange
from market.exchange.models import Line as ExchangeLine
from tests.factories import BatteryFactory, JobFactory, SiteFactory, WorkloadFactory

ROLES = ("anon", "trader", "operator_a", "operator_b", "regulator", "admin")


def by_role(anon, trader, operator_a, operator_b, regulator, admin):
    return dict(zip(ROLES, (anon, trader, operator_a, operator_b, regulator, admin), strict=True))


@dataclass(frozen=True)
class Case:
    method: str
    expect: dict[str, int]
    kwargs: str | None = None  # which world object fills the URL
    body: str | None = None  # which body builder
    fmt: str = "json"
    query: str = ""


# Shorthands for the common shapes.
def read_portfolio(kwargs=None, anon=403):  # anyone signed in; operator_b scoped out of objects
    return Case("get", by_role(anon, 200, 200, 404 if kwargs else 200, 200, 200), kwargs)


def write_own(method, kwargs, ok=200, body=None, fmt="json", anon=403):
    return Case(method, by_role(anon, 403, ok, 404, 403, ok), kwargs, body, fmt)


EXCHANGE_READ = by_role(403, 200, 403, 403, 200, 200)
DESK_READ = by_role(403, 200, 403, 403, 200, 200)
DESK_READ_404 = by_role(403, 404, 403, 403, 404, 404)
DESK_WRITE_400 = by_role(403, 400, 403, 403, 403, 400)
PORTAL_READ = by_role(403, 200, 403, 403, 200, 200)
PORTAL_PAGE = by_role(302, 200, 403, 403, 200, 200)

RULES: dict[str, list[Case]] = {
    # --- core -------------------------------------------------------------------------
    "home": [Case("get", by_role(302, 302, 302, 302, 200, 302))],
    "login": [Case("get", by_role(200, 200, 200, 200, 200, 200))],
    "logout": [Case("post", by_role(302, 302, 302, 302, 302, 302))],
    "schema": [Case("get", by_role(403, 200, 200, 200, 200, 200))],
    "api-docs": [Case("get", by_role(403, 200, 200, 200, 200, 200))],
    "api:me": [read_portfolio()],
    "api:clock": [read_portfolio()],
    "api:token": [Case("post", by_role(400, 400, 400, 400, 400, 400))],
    # Each user's own tokens (vpp/tokens.py); the matrix signs in with a session, not a token.
    "api:token-list": [read_portfolio()],
    "api:token-revoke": [Case("delete", by_role(403, 404, 404, 404, 404, 404), "token_key")],
    "api:token-logout": [Case("post", by_role(403, 400, 400, 400, 400, 400))],
    "api:token-logout-all": [Case("post", by_role(403, 204, 204, 204, 204, 204))],
    "api:node-list": [read_portfolio(), Case("post", by_role(403, 405, 405, 405, 405, 405))],
    "api:node-detail": [Case("get", by_role(403, 200, 200, 200, 200, 200), "node")],
    # --- sites API ----------------------------------------------------------------------
    "api:site-list": [
        read_portfolio(),
        Case("post", by_role(403, 403, 201, 201, 403, 201), body="site"),
    ],
    "api:site-detail": [
        read_portfolio("site"),
        write_own("patch", "site", body="rename"),
        Case("put", by_role(403, 403, 400, 404, 403, 400), "site", body="rename"),
        Case("delete", by_role(403, 403, 405, 405, 403, 405), "site"),
    ],
    "api:site-deactivate": [write_own("post", "site")],
    "api:site-envelope": [read_portfolio("site")],
    "api:site-import": [
        Case("post", by_role(403, 403, 201, 201, 403, 400), body="fleet", fmt="multipart")
    ],
    "api:battery-list": [
        read_portfolio(),
        Case("post", by_role(403, 403, 201, 400, 403, 201), body="battery"),
    ],
    "api:battery-detail": [read_portfolio("battery"), write_own("patch", "battery", body="rename")],
    "api:battery-deactivate": [write_own("post", "battery")],
    "api:workload-list": [
        read_portfolio(),
        Case("post", by_role(403, 403, 201, 400, 403, 201), body="workload"),
    ],
    "api:workload-detail": [
        read_portfolio("workload"),
        write_own("patch", "workload", body="rename"),
    ],
    "api:workload-deactivate": [write_own("post", "workload")],
    "api:job-list": [
        read_portfolio(),
        Case("post", by_role(403, 403, 201, 400, 403, 201), body="job"),
    ],
    "api:job-detail": [read_portfolio("job"), write_own("patch", "job", body="rename")],
    # --- sites pages ----------------------------------------------------------------------
    "sites:list": [read_portfolio(anon=302)],
    "sites:detail": [read_portfolio("site", anon=302)],
    "sites:create": [
        Case("get", by_role(302, 403, 200, 200, 403, 200)),
        Case("post", by_role(302, 403, 400, 400, 403, 400), body="empty", fmt="form"),
    ],
    "sites:import": [Case("get", by_role(302, 403, 200, 200, 403, 200))],
    "sites:edit": [
        write_own("get", "site", anon=302),
        write_own("post", "site", ok=400, body="empty", fmt="form", anon=302),
    ],
    "sites:deactivate": [write_own("post", "site", ok=302, fmt="form", anon=302)],
    "sites:battery-create": [write_own("get", "site_pk", anon=302)],
    "sites:battery-edit": [
        write_own("get", "battery", anon=302),
        write_own("post", "battery", ok=400, body="empty", fmt="form", anon=302),
    ],
    "sites:battery-deactivate": [write_own("post", "battery", ok=302, fmt="form", anon=302)],
    "sites:workload-create": [write_own("get", "site_pk", anon=302)],
    "sites:workload-edit": [write_own("get", "workload", anon=302)],
    "sites:workload-deactivate": [write_own("post", "workload", ok=302, fmt="form", anon=302)],
    "sites:job-create": [write_own("get", "site_pk", anon=302)],
    "sites:job-edit": [
        write_own("get", "job", anon=302),
        write_own("post", "job", ok=400, body="empty", fmt="form", anon=302),
    ],
    # --- exchange: traders trade; regulators read; site operators have no access ----------
    "exchange:results": [Case("get", by_role(302, 200, 403, 403, 200, 200))],
    "api:exchange-node-list": [Case("get", EXCHANGE_READ)],
    "api:exchange-node-detail": [Case("get", EXCHANGE_READ, "exnode")],
    "api:exchange-line-list": [Case("get", EXCHANGE_READ)],
    "api:exchange-line-detail": [Case("get", EXCHANGE_READ, "line")],
    "api:exchange-auction-list": [Case("get", EXCHANGE_READ)],
    "api:exchange-auction-detail": [Case("get", EXCHANGE_READ, "auction")],
    "api:exchange-bids": [
        Case("get", EXCHANGE_READ, "auction_id"),
        Case("post", by_role(403, 201, 403, 403, 403, 201), "auction_id", body="bid"),
    ],
    # prices, flows and awards exist once the auction is published: before that a 400
    "api:exchange-prices": [Case("get", by_role(403, 400, 403, 403, 400, 400), "auction_id")],
    "api:exchange-flows": [Case("get", by_role(403, 400, 403, 403, 400, 400), "auction_id")],
    "api:exchange-awards": [Case("get", by_role(403, 400, 403, 403, 400, 400), "auction_id")],
    "api:exchange-exogenous": [
        Case(
            "get",
            EXCHANGE_READ,
            query="?start=2026-07-02T00:00:00%2B08:00&end=2026-07-02T06:00:00%2B08:00",
        )
    ],
    "api:exchange-rules": [Case("get", EXCHANGE_READ)],
    # a trader reports its own participant's meters, an admin names one; regulators only read
    "api:exchange-meter-reports": [
        Case("post", by_role(403, 201, 403, 403, 403, 201), body="meter_report")
    ],
    # a trader's own settlement; regulators and admins every participant's
    "api:exchange-settlement": [Case("get", EXCHANGE_READ, query="?market_day=2026-07-02")],
    # --- dispatch: operators answer their own sites' instructions; traders watch -------------
    "dashboard:day": [Case("get", by_role(302, 200, 403, 403, 200, 200))],
    # --- trading desk page ----------------------------------------------------------------
    "trading:desk": [Case("get", by_role(302, 200, 403, 403, 200, 200))],
    "trading:run-start": [Case("post", by_role(302, 302, 403, 403, 403, 302), fmt="form")],
    "trading:run-submit": [Case("post", by_role(302, 302, 403, 403, 403, 302), "trun", fmt="form")],
    "trading:curve-edit": [
        Case("post", by_role(302, 302, 403, 403, 403, 302), "tcurve", fmt="form")
    ],
    # --- trading desk API: traders write; regulators read; operators 403 -----------------
    "api:trading-forecast": [
        Case("get", DESK_READ_404, query="?market_day=2026-07-09"),
        Case("post", DESK_WRITE_400, body="empty"),
    ],
    "api:trading-backtest": [Case("get", DESK_READ_404)],  # no backtest saved in this world
    "api:trading-envelope": [Case("get", DESK_READ, query="?market_day=2026-07-02")],
    "api:trading-run-list": [Case("get", DESK_READ), Case("post", DESK_WRITE_400, body="empty")],
    "api:trading-run-detail": [Case("get", DESK_READ, "trun")],
    "api:trading-run-schedule": [Case("get", DESK_READ, "trun")],
    "api:trading-run-curves": [Case("get", DESK_READ, "trun")],
    "api:trading-run-submit": [Case("post", DESK_WRITE_400, "trun", body="empty")],
    "api:trading-curve": [
        Case("get", DESK_READ, "tcurve"),
        Case("patch", DESK_WRITE_400, "tcurve", body="empty"),
    ],
    "api:trading-submission-list": [Case("get", DESK_READ)],
    "api:trading-submission-detail": [Case("get", DESK_READ, "tsubmission")],
    "api:dispatch-instruction-list": [read_portfolio()],
    "api:dispatch-instruction-detail": [read_portfolio("instruction")],
    "api:dispatch-instruction-confirm": [write_own("post", "instruction")],
    "api:dispatch-instruction-decline": [write_own("post", "instruction", body="decline")],
    "api:dispatch-open-position-list": [Case("get", by_role(403, 200, 403, 403, 200, 200))],
    "api:dispatch-readings": [Case("post", by_role(403, 403, 201, 400, 403, 201), body="delivery")],
    "api:dispatch-delivery": [
        Case(
            "get",
            by_role(403, 200, 200, 200, 200, 200),
            query="?start=2026-07-01T00:00:00%2B08:00&end=2026-07-02T00:00:00%2B08:00",
        )
    ],
    "api:dispatch-submission": [
        Case("get", by_role(403, 200, 403, 403, 200, 200), "submission_id"),
        Case("post", by_role(403, 202, 403, 403, 403, 202), "submission_id", body="empty"),
    ],
    "dispatch:status": [Case("get", by_role(302, 200, 403, 403, 200, 200))],
    # --- web experience: backtest page and CSV (portfolio-wide: traders and regulators) ----
    "backtest:page": [Case("get", by_role(302, 200, 403, 403, 200, 200))],
    "backtest:csv": [Case("get", by_role(302, 200, 403, 403, 200, 200))],
    "console:console": [Case("get", by_role(302, 403, 200, 200, 403, 200))],
    "dispatch:inbox": [Case("get", by_role(302, 403, 200, 200, 403, 200))],
    "dispatch:confirm": [write_own("post", "instruction", ok=302, fmt="form", anon=302)],
    "dispatch:decline": [
        write_own("post", "instruction", ok=302, body="decline", fmt="form", anon=302)
    ],
    # --- settlement: operators upload meter data for their own sites; everyone reads ---------
    "api:settlement-meter-readings": [
        read_portfolio(),
        Case("post", by_role(403, 403, 201, 400, 403, 201), body="meter_json"),
    ],
    "api:settlement-meter-uploads": [
        read_portfolio(),
        Case("post", by_role(403, 403, 201, 400, 403, 201), body="meter_csv", fmt="multipart"),
    ],
    "api:settlement-baseline-methods": [read_portfolio()],
    "api:settlement-baselines": [read_portfolio()],
    "settlement:meter-upload": [
        Case("get", by_role(302, 403, 200, 200, 403, 200)),
        Case("post", by_role(302, 403, 400, 400, 403, 400), body="empty", fmt="form"),
    ],
    # --- settlement statements: the regulator portal (traders, regulators, admins read; traders
    # and admins start runs), operators only their own lines; one statement row, no pipeline ---
    "api:settlement-statements": [Case("get", PORTAL_READ)],
    "api:settlement-statement": [Case("get", PORTAL_READ, "statement")],
    "api:settlement-runs": [
        Case("get", PORTAL_READ),
        Case("post", by_role(403, 202, 403, 403, 403, 202), body="settle_day"),
    ],
    "api:settlement-run": [Case("get", PORTAL_READ, "srun")],
    "api:settlement-methodology": [read_portfolio()],
    "api:settlement-audit": [Case("get", PORTAL_READ)],
    "api:settlement-my-lines": [read_portfolio()],
    "settlement:statements": [
        Case("get", PORTAL_PAGE),
        Case("post", by_role(302, 302, 403, 403, 403, 302), body="settle_day", fmt="form"),
    ],
    "settlement:statement": [Case("get", PORTAL_PAGE, "statement")],
    "settlement:statement-download": [Case("get", PORTAL_PAGE, "statement_csv")],
    "settlement:run": [Case("get", PORTAL_PAGE, "srun")],
    "settlement:period-report": [
        Case("get", PORTAL_PAGE, query="?start=2026-06-01&end=2026-06-30")
    ],
    "settlement:methodology": [Case("get", by_role(302, 200, 200, 200, 200, 200))],
    "settlement:audit": [Case("get", PORTAL_PAGE)],
    "settlement:my-performance": [Case("get", by_role(302, 403, 200, 200, 403, 200))],
}


# --- OpenADR 3 VTN: bearer tokens only, so every session persona is 401 (problem JSON); the
# VEN/BL scope matrix is tested in tests/openadr/test_auth.py. Discovery is public; the token
# endpoint without credentials is an RFC 6749 400; unknown paths are a problem 404.
OADR_401 = by_role(401, 401, 401, 401, 401, 401)


def oadr(kwargs=None, *methods):
    return [Case(m, OADR_401, kwargs) for m in ("get", *methods)]


RULES.update(
    {
        "openadr:auth-server": [Case("get", by_role(200, 200, 200, 200, 200, 200))],
        "openadr:token": [Case("post", by_role(400, 400, 400, 400, 400, 400))],
        "openadr:programs": oadr(None, "post"),
        "openadr:program": oadr("oadr_program", "put", "delete"),
        "openadr:events": oadr(None, "post"),
        "openadr:event": oadr("oadr_event", "put", "delete"),
        "openadr:reports": oadr(None, "post"),
        "openadr:report": oadr("oadr_report", "put", "delete"),
        "openadr:vens": oadr(None, "post"),
        "openadr:ven": oadr("oadr_ven", "put", "delete"),
        "openadr:ven-resources": oadr("oadr_ven", "post"),
        "openadr:ven-resource": oadr("oadr_ven_resource", "put", "delete"),
        "openadr:resources": oadr(None, "post"),
        "openadr:resource": oadr("oadr_resource", "put", "delete"),
        "openadr:not-found": [Case("get", by_role(404, 404, 404, 404, 404, 404), "oadr_rest")],
    }
)


def _walk(patterns, ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            if "format" in p.pattern.regex.groupindex:
                continue  # DRF's .json suffix twins of the same views
            yield f"{ns}:{p.name}" if ns else p.name


def url_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def test_every_url_has_a_rule():
    missing = sorted(n for n in url_names() if n not in RULES)
    assert not missing, f"URLs without an access rule: {missing}"
    stale = sorted(set(RULES) - url_names())
    assert not stale, f"rules for URLs that no longer exist: {stale}"


@pytest.fixture
def exchange_world(sim_now):
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))  # 08:00 local, before the 10:00 DA gate
    exchange.install_default_market()
    auction = exchange.open_day_ahead(day=date(2026, 7, 2))
    return {
        "auction": {"pk": auction.pk},
        "auction_id": {"auction_id": auction.pk},
        "exnode": {"code": "E-LOAD"},
        "line": {"code": ExchangeLine.objects.order_by("code").first().code},
        "_auction": auction,
    }


@pytest.fixture
def trading_world(sim_now):
    """A done optimiser run with one curve and a submission (rows only: no solve per role)."""
    from market.trading.models import (
        BidSubmission,
        OptimisationRun,
        PriceForecast,
        ProposedCurve,
    )

    now = sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    forecast = PriceForecast.objects.create(
        market_day=date(2026, 7, 2), model_name="ridge", created_at=now, trained_through=now
    )
    run = OptimisationRun.objects.create(
        market_day=date(2026, 7, 2), auction_id=1, forecast=forecast, created_at=now, state="done"
    )
    curve = ProposedCurve.objects.create(
        run=run, node_code="E-LOAD", interval_start=datetime(2026, 7, 1, 16, tzinfo=UTC),
        side="reduction", segments=[["100.00", "1.000"]], proposed_segments=[["100.00", "1.000"]],
    )  # fmt: skip
    submission = BidSubmission.objects.create(
        run=run, auction_id=1, submitted_at=now, idempotency_key="desk", curves=[],
        exchange_bid_id=1, exchange_version=1,
    )  # fmt: skip
    return {
        "trun": {"pk": run.pk},
        "tcurve": {"pk": curve.pk},
        "tsubmission": {"pk": submission.pk},
    }


@pytest.fixture
def dispatch_world(world, sim_now):
    """A pending instruction for operator_a's site (deadline ahead) and a dispatched submission."""
    from datetime import timedelta

    from dispatch.models import DispatchRun, Instruction
    from market.trading.models import BidSubmission, OptimisationRun, PriceForecast

    now = sim_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    start = now + timedelta(hours=2)
    instruction = Instruction.objects.create(
        site=world["_site"], market_day=date(2026, 7, 1), interval_start=start,
        interval_end=start + timedelta(minutes=15), target_mw=Decimal("1"),
        baseline_mw=Decimal("2"), reduction_mw=Decimal("1"), deadline_at=start - timedelta(hours=1),
        node_code="E-LOAD", side="reduction", submission_id=1, created_at=now,
    )  # fmt: skip
    forecast = PriceForecast.objects.create(
        market_day=date(2026, 7, 1), model_name="ridge", created_at=now, trained_through=now
    )
    run = OptimisationRun.objects.create(
        market_day=date(2026, 7, 1), auction_id=1, forecast=forecast, created_at=now
    )
    submission = BidSubmission.objects.create(
        run=run, auction_id=1, submitted_at=now, idempotency_key="matrix", curves=[],
        exchange_bid_id=1, exchange_version=1,
    )  # fmt: skip
    DispatchRun.objects.create(
        submission_id=submission.pk, auction_id=1, market_day=date(2026, 7, 1), created_at=now
    )
    return {
        "instruction": {"pk": instruction.pk},
        "submission_id": {"submission_id": submission.pk},
    }


@pytest.fixture
def statements_world(world):
    """One stored statement (with a portfolio line) and a finished run: rows only."""
    from settlement.models import SettlementRun, Statement, StatementLine

    now = datetime(2026, 6, 30, tzinfo=UTC)
    run = SettlementRun.objects.create(market_day=date(2026, 6, 29), state="done", created_at=now)
    zero = Decimal("0")
    st = Statement.objects.create(
        market_day=date(2026, 6, 29), version=1, method={}, inputs={}, input_digest="0" * 64,
        checksum="0" * 64, instructed_mwh=zero, delivered_mwh=zero, net_amount=zero,
        created_at=now, run=run,
    )  # fmt: skip
    StatementLine.objects.create(
        statement=st, site=None, site_code="", instructed_mwh=zero, delivered_mwh=zero,
        shortfall_mwh=zero, da_credit=zero, rt_deviation=zero, penalty=zero, net_amount=zero,
    )  # fmt: skip
    return {"statement": {"pk": st.pk}, "statement_csv": {"pk": st.pk, "fmt": "csv"},
            "srun": {"pk": run.pk}}  # fmt: skip


@pytest.fixture
def world(personas, org_a, nodes):
    site = SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    pool = WorkloadFactory(site=site, kind="batch", it_mw=Decimal("20"), name="pool")
    job = JobFactory(
        workload=pool,
        release_at=datetime(2026, 7, 1, 12, tzinfo=UTC),
        deadline_at=datetime(2026, 7, 1, 20, tzinfo=UTC),
    )
    return {
        "site": {"pk": site.pk},
        "site_pk": {"site_pk": site.pk},
        "battery": {"pk": BatteryFactory(site=site).pk},
        "workload": {"pk": pool.pk},
        "job": {"pk": job.pk},
        "node": {"pk": nodes["E-LOAD"].pk},
        "token_key": {"token_key": "no-such-token00"},
        "oadr_program": {"program_id": "1"},
        "oadr_event": {"event_id": "1"},
        "oadr_report": {"report_id": "1"},
        "oadr_ven": {"ven_id": "1"},
        "oadr_resource": {"resource_id": "1"},
        "oadr_ven_resource": {"ven_id": "1", "resource_id": "1"},
        "oadr_rest": {"rest": "subscriptions"},
        "_site": site,
        "_pool": pool,
    }


def _body(kind, world, role):
    site, pool = world["_site"], world["_pool"]
    if kind == "site":
        body = {"code": f"new-{role}", "name": "New", "node": "S-LOAD",
                "grid_connection_mw": "10", "it_capacity_mw": "8", "ramp_limit_mw_per_min": "1"}  # fmt: skip
        if role == "admin":
            body["organisation"] = site.organisation.name
        return body
    if kind == "rename":
        return {"name": "renamed"}
    if kind == "battery":
        return {"site": site.pk, "name": "b-new", "energy_mwh": "4", "power_mw": "2",
                "nominal_soc_mwh": "4"}  # fmt: skip
    if kind == "workload":
        return {"site": site.pk, "kind": "inference", "name": "inf-new", "it_mw": "2"}
    if kind == "job":
        return {"workload": pool.pk, "name": "j-new", "energy_mwh": "4", "max_it_mw": "2",
                "release_at": "2026-07-01T20:00:00+08:00",
                "deadline_at": "2026-07-02T06:00:00+08:00"}  # fmt: skip
    if kind == "fleet":
        f = io.BytesIO(
            b"record,code,name,node,grid_connection_mw,it_capacity_mw,ramp_limit_mw_per_min\n"
            + f"site,imp-{role},Imported,E-LOAD,10,8,1\n".encode()
        )
        f.name = "fleet.csv"
        return {"file": f}
    if kind == "bid":
        auction = world["_auction"]
        body = {"curves": [{"node": "E-LOAD", "interval_start": auction.first_interval.isoformat(),
                            "side": "demand",
                            "segments": [{"price_per_mwh": "500", "quantity_mw": "5"}]}]}  # fmt: skip
        if role == "admin":
            body["participant"] = "aggregator-co"
        return body
    if kind == "meter_report":  # an interval that ended before the world's clock
        body = {"readings": [{"node": "E-LOAD", "interval_start": "2026-07-01T06:45:00+08:00",
                              "consumption_mw": "12.5"}]}  # fmt: skip
        if role == "admin":
            body["participant"] = "aggregator-co"
        return body
    if kind in ("meter_json", "meter_csv"):  # operator_b names operator_a's site: a 400
        row = (site.code, "2025-06-02T10:00:00+08:00", "1500", "kW")
        if kind == "meter_json":
            keys = ("site_code", "interval_start", "value", "unit")
            return {"readings": [dict(zip(keys, row, strict=True))]}
        f = io.BytesIO(f"site_code,interval_start,value,unit\n{','.join(row)}\n".encode())
        f.name = "meter.csv"
        return {"file": f}
    if kind == "decline":
        return {"reason": "cooling maintenance"}
    if kind == "delivery":
        return {"rows": [{"site": site.pk, "interval_start": "2026-07-01T09:45:00+08:00",
                          "load_mw": "3.5"}]}  # fmt: skip
    if kind == "settle_day":
        return {"market_day": "2026-06-29"}
    if kind == "empty":
        return {}
    return None


CASES = [
    pytest.param(name, case, role, id=f"{name}-{case.method}-{role}")
    for name, cases in RULES.items()
    for case in cases
    for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "case", "role"), CASES)
def test_access(name, case, role, world, personas, request):
    if "exchange" in name:
        world = {**world, **request.getfixturevalue("exchange_world")}
    if "dispatch" in name:
        world = {**world, **request.getfixturevalue("dispatch_world")}
    if "trading" in name:
        world = {**world, **request.getfixturevalue("trading_world")}
    if "statement" in name or "settlement-run" in name or name == "settlement:run":
        world = {**world, **request.getfixturevalue("statements_world")}
    client = APIClient()
    if role != "anon":
        client.force_login(personas["admin" if role == "admin" else role])
    url = reverse(name, kwargs=world[case.kwargs] if case.kwargs else None) + case.query
    body = _body(case.body, world, role) if case.body else None
    send = getattr(client, case.method)
    if case.fmt == "form":
        response = send(url, body or {})
    elif case.fmt == "multipart":
        response = send(url, body, format="multipart")
    else:
        response = send(url, body, format="json") if body is not None else send(url)
    assert response.status_code == case.expect[role], getattr(response, "data", None)
