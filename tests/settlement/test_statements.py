"""Performance, money and statements: hand-computed lines, rounding, versions and immutability
(real database, real baseline engine, real VEE; the pipeline runs inline here and on a real
Celery worker in test_statement_pipeline.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from settlement import performance, pipeline, reports
from settlement.models import ImmutableError, Statement, StatementLine

from .statement_world import DAY, EVENT, build, set_day_load

pytestmark = pytest.mark.django_db

RULES = performance.Rules(Decimal("0.10"), Decimal("1.5"), Decimal("1.2"))
H = Decimal("0.25")


def x(instructed, baseline, metered, da="400", rt=None):
    return performance.IntervalInput(
        "t", Decimal(instructed), Decimal(baseline), Decimal(metered), Decimal(da),
        None if rt is None else Decimal(rt),
    )  # fmt: skip


def test_tolerance_band_and_penalty_hand_computed():
    # 1 MW instructed, 0.5 delivered at DA 400, RT 500: instructed 0.25 MWh, delivered 0.125
    # credit 0.25*400 = 100; deviation (0.125-0.25)*500 = -62.5; band floor 0.9*0.25 = 0.225,
    # shortfall 0.1 MWh, penalty 0.1*1.5*400 = 60; net 100 - 62.5 - 60 = -22.5
    r = performance.settle_site([x("1", "10", "9.5", rt="500")], hours=H, rules=RULES)
    assert (r.da_credit, r.rt_deviation, r.penalty) == (Decimal("100.00"), Decimal("-62.50"),
                                                        Decimal("60.00"))  # fmt: skip
    assert r.net_amount == Decimal("-22.50") and r.performance_factor == Decimal("0.5000")
    assert r.shortfall_mwh == Decimal("0.100000")
    # inside the band (0.92 of 1 MW): no penalty; over-delivery: PF capped at 1.2
    inside = performance.settle_site([x("1", "10", "9.08")], hours=H, rules=RULES)
    assert inside.penalty == 0 and inside.intervals[0]["rt_price_source"] == "da"
    over = performance.settle_site([x("1", "10", "8")], hours=H, rules=RULES)
    assert over.performance_factor == Decimal("1.2000") and over.penalty == 0
    # a declined instruction: nothing instructed, no penalty, no factor
    zero = performance.settle_site([x("0", "10", "10")], hours=H, rules=RULES)
    assert zero.performance_factor is None and zero.net_amount == 0


def test_rounded_once_per_site_and_sites_add_up_to_portfolio():
    # thirds of a cent per interval: rounding per interval would give 4 x 0.01 = 0.04 per site
    awkward = [x("0.001", "10", "9.999", da="13.3333333", rt="13.3333333")] * 4
    sites = [performance.settle_site(awkward, hours=H, rules=RULES) for _ in range(3)]
    # exact credit per site: 4 * 0.00025 * 13.3333333 = 0.0133333333 -> 0.01 (rounded once)
    assert sites[0].da_credit == Decimal("0.01")
    total = performance.portfolio(sites, RULES)
    assert total.net_amount == sum(s.net_amount for s in sites) == Decimal("0.03")
    assert total.da_credit == sum(s.da_credit for s in sites)


@pytest.fixture
def world(site_a, site_b, clock_after):
    build(site_a, site_b)


def test_statement_lines_hand_computed(world, site_a, site_b):
    run = pipeline.run_inline(day=DAY)
    assert run.state == "done" and run.progress_pct == 100 and run.new_version
    st = run.statement
    lines = {line.site_code: line for line in st.lines.all()}
    a, b, total = lines["alpha-1"], lines["beta-1"], lines[""]
    # site_a: 4 x (2 MW x 0.25 h x 400) = 800, delivered exactly; site_b: see the band test
    assert (a.da_credit, a.rt_deviation, a.penalty, a.net_amount) == (
        Decimal("800.00"), Decimal("0.00"), Decimal("0.00"), Decimal("800.00"))  # fmt: skip
    assert (b.da_credit, b.rt_deviation, b.penalty, b.net_amount) == (
        Decimal("400.00"), Decimal("-200.00"), Decimal("240.00"), Decimal("-40.00"))  # fmt: skip
    assert total.net_amount == a.net_amount + b.net_amount == st.net_amount == Decimal("760.00")
    assert b.flags == {"rt_price_from_da": 4}
    assert [i["interval_start"] for i in a.intervals] == [t.isoformat() for t in EVENT]
    assert st.inputs["baselines"][0]["method"] == "cn_similar_days v1"
    assert st.inputs["prices"]["da_from_awards"] == 8
    body = reports.canonical_csv(st)
    import hashlib

    assert hashlib.sha256(body.encode()).hexdigest() == st.checksum


def test_resettlement_makes_version_2_listing_changes(world, site_a, site_b):
    v1 = pipeline.run_inline(day=DAY).statement
    v1_csv, v1_lines = reports.csv_report(v1), list(StatementLine.objects.filter(statement=v1))
    again = pipeline.run_inline(day=DAY)  # unchanged inputs: no new version
    assert again.statement == v1 and not again.new_version
    set_day_load(site_b, EVENT[:1], Decimal("9"), "b-corrected")  # corrected meter data
    v2 = pipeline.run_inline(day=DAY).statement
    assert (v2.version, v2.previous) == (2, v1)
    changed = [c for c in v2.changes if c["interval_start"] == EVENT[0].isoformat()]
    assert changed == [{
        "site": "beta-1", "interval_start": EVENT[0].isoformat(),
        "old_metered_mw": "9.500000", "new_metered_mw": "9.000000",
        "old_delivered_mwh": "0.12500000", "new_delivered_mwh": "0.25000000",
        "old_net": changed[0]["old_net"], "new_net": changed[0]["new_net"],
    }]  # fmt: skip
    assert Decimal(changed[0]["old_net"]) == Decimal("-10")  # 100 - 50 - 60
    assert Decimal(changed[0]["new_net"]) == Decimal("100")
    # 1 MW delivered of 1: credit 100, no deviation, no penalty (was -10): net -40 + 110 = 70
    assert v2.lines.get(site_code="beta-1").net_amount == Decimal("70.00")
    assert v2.net_amount == Decimal("870.00")
    v1.refresh_from_db()
    assert v1.net_amount == Decimal("760.00") and reports.csv_report(v1) == v1_csv
    assert list(StatementLine.objects.filter(statement=v1)) == v1_lines
    assert Statement.objects.filter(market_day=DAY).count() == 2


def test_statement_is_immutable(world):
    st = pipeline.run_inline(day=DAY).statement
    st.net_amount = Decimal("1")
    with pytest.raises(ImmutableError):
        st.save()
    with pytest.raises(ImmutableError):
        st.delete()
    with pytest.raises(DatabaseError), transaction.atomic():  # the database refuses too
        Statement.objects.filter(pk=st.pk).update(net_amount=Decimal("1"))
    with pytest.raises(DatabaseError), transaction.atomic():
        StatementLine.objects.filter(statement=st).delete()
    st.refresh_from_db()
    assert st.net_amount == Decimal("760.00")


def test_a_day_not_yet_over_is_refused(site_a, sim_now):
    from vpp.errors import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        pipeline.start_run(day=DAY.replace(month=7, day=1), actor=None)
    assert exc.value.field == "market_day"


def test_published_exchange_prices_win_over_award_prices(world, site_b):
    # The real exchange client reads published auctions only (rows made here, no clearing run).
    from market.exchange import services as exchange
    from market.exchange.models import Auction, Node, NodePrice

    exchange.install_default_market()
    node = Node.objects.get(code="S-LOAD")
    for kind, price in (("da", "300.00"), ("rt", "500.00")):
        auction = Auction.objects.create(
            kind=kind, market_day=DAY, first_interval=EVENT[0], interval_count=1,
            gate_closure_at=EVENT[0], state="published", opened_at=EVENT[0],
        )  # fmt: skip
        NodePrice.objects.create(
            auction=auction, node=node, interval_start=EVENT[0], price_per_mwh=Decimal(price),
            demand_mw=100.0,
        )  # fmt: skip
    st = pipeline.run_inline(day=DAY).statement
    b = st.lines.get(site_code="beta-1")
    first = b.intervals[0]
    assert (first["da_price_per_mwh"], first["rt_price_per_mwh"], first["rt_price_source"]) == (
        "300.00", "500.00", "rt")  # fmt: skip
    # interval 0: credit 0.25*300 = 75, deviation -0.125*500 = -62.5, penalty 0.1*1.5*300 = 45;
    # intervals 1-3 as before (100, -50, 60 each)
    assert (b.da_credit, b.rt_deviation, b.penalty, b.net_amount) == (
        Decimal("375.00"), Decimal("-212.50"), Decimal("225.00"), Decimal("-62.50"))  # fmt: skip
    assert b.flags == {"rt_price_from_da": 3}
    assert st.inputs["prices"]["rt_points"] == 1 and st.inputs["prices"]["da_from_awards"] == 7


def test_estimated_meter_flag_reaches_the_line(world, site_a):
    from settlement.models import MeterReading

    # a gap: the event interval's reading is retired (as if it never arrived); VEE fills it
    MeterReading.objects.filter(site=site_a, interval_start=EVENT[1], is_current=True).update(
        is_current=False
    )
    st = pipeline.run_inline(day=DAY).statement
    a = st.lines.get(site_code="alpha-1")
    assert a.intervals[1]["flags"] == ["estimated"] and a.flags["estimated"] == 1


def test_beat_settles_the_previous_day_once(world, sim_now, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from settlement.models import SettlementRun

    sim_now(datetime(2026, 6, 30, 17, tzinfo=UTC))  # 01:00 on 1 July, market time
    with django_capture_on_commit_callbacks() as queued:
        [run_id] = pipeline.settle_due()
    assert SettlementRun.objects.get().pk == run_id and len(queued) == 1  # the chain
    assert pipeline.settle_due() == []  # already claimed: nothing new
