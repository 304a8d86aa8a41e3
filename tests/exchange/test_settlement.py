"""Meter data to the market operator, and the exchange's own two-settlement of a participant's
day, added up by hand.

site-co's day D at node B (two-bus case; test_real_time.py has the clearing by hand):
  day-ahead, intervals 0-3: baseline B = 40 MW, reduction R = 20 MW awarded, P_DA = 20 MW at
  lambda_DA = 50 CNY/MWh;
  real time: interval 0 clears at 70 (site-co's decrement 10 of 15 MW at 70), interval 1 at 50
  (actual = forecast), interval 2 FAILS (no actual data: the day-ahead 50 stands in), interval
  3 at 20 (actual 30 MW at B: the line is not full, G1 sets both prices);
  metered M: 12, 20, 26, and 19 then corrected to 18.331 MW.

  baseline energy   -40 * 0.25 * 50 * 4            = -2,000.00
  reduction credit  +20 * 0.25 * 50 * 4            = +1,000.00
  RT  k0  -(12     - 20) * 0.25 * 70 = +140.00
      k1  -(20     - 20) * 0.25 * 50 =    0.00
      k2  -(26     - 20) * 0.25 * 50 =  -75.00     (day-ahead price: the RT auction failed)
      k3  -(18.331 - 20) * 0.25 * 20 =   +8.345
      sum +73.345 -> rounded once, half-up: +73.35 (half-even would give 73.34)
  total -2,000.00 + 1,000.00 + 73.35 = -926.65 CNY
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from market.exchange import services
from market.exchange.client import LocalExchangeClient, MeteredConsumption
from market.exchange.models import Exogenous, MeterReport
from vpp import clock
from vpp.errors import ApplicationError

from .conftest import DAY, d, interval
from .test_real_time import day_ahead_with_positions, rt_bid

pytestmark = pytest.mark.django_db


def meter(k_mw: dict[int, str], participant="site-co", node="B"):
    da = services.open_day_ahead(day=DAY)
    return LocalExchangeClient().report_metered(
        participant=participant,
        readings=[MeteredConsumption(node, interval(da, k), d(mw)) for k, mw in k_mw.items()],
    )


@pytest.fixture
def settled_day(sim_now):
    da = day_ahead_with_positions()
    rt_bid(interval(da, 0), [(70, 15)])
    Exogenous.objects.filter(
        node__code="B", interval_start=interval(da, 2), kind="demand_mw"
    ).delete()
    sim_now(interval(da, 4))  # 01:00 on D: intervals 0-3 have ended
    services.run_real_time_due()
    meter({0: "12", 1: "20", 2: "26", 3: "19"})
    receipt = meter({0: "12", 3: "18.331"})  # a correction, and a repeat that stores nothing
    assert (receipt.stored, receipt.corrected, receipt.unchanged) == (1, 1, 1)
    return da


def test_a_participants_day_adds_up_by_hand(settled_day):
    st = LocalExchangeClient().participant_settlement(participant="site-co", market_day=DAY)
    assert (st.baseline_energy_amount, st.reduction_credit_amount, st.demand_energy_amount) == (
        Decimal("-2000.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
    )
    assert st.da_amount == Decimal("-1000.00")
    assert st.rt_amount == Decimal("73.35")
    assert st.total_amount == Decimal("-926.65")
    assert st.interval_hours == Decimal("0.25") and st.currency == "CNY"
    rows = {r.interval_start: r for r in st.rows}
    k = [interval(settled_day, i) for i in range(4)]
    assert [rows[t].rt_price_per_mwh for t in k] == [Decimal(x) for x in ("70", "50", "50", "20")]
    assert [rows[t].rt_amount for t in k] == [
        Decimal("140"),
        Decimal("0"),
        Decimal("-75"),
        Decimal("8.345"),
    ]
    fallback = rows[k[2]]
    assert fallback.rt_price_source == "da_fallback" and "failed" in fallback.rt_note
    assert [rows[t].rt_price_source for t in (k[0], k[1], k[3])] == ["rt"] * 3
    assert st.rt_fallback_intervals == 1
    assert (rows[k[3]].metered_mw, rows[k[3]].meter_version) == (Decimal("18.331"), 2)
    assert all(r.da_amount == Decimal("-250") for r in st.rows)  # -P_DA * h * lambda_DA
    # the other intervals of the day: no position, no meter data, so no rows
    assert len(st.rows) == 4 and st.complete and st.pending == []


def test_an_rt_auction_still_running_leaves_the_day_incomplete(sim_now):
    da = day_ahead_with_positions()
    services.open_real_time(interval_start=interval(da, 3))  # open: its gate is ahead
    sim_now(interval(da, 0) - timedelta(minutes=30))
    services.run_real_time_due()  # clears interval 0 only
    sim_now(interval(da, 1))
    meter({0: "20"})
    st = LocalExchangeClient().participant_settlement(participant="site-co", market_day=DAY)
    by_k = {r.interval_start: r for r in st.rows}
    assert by_k[interval(da, 0)].rt_amount == 0
    assert by_k[interval(da, 1)].rt_price_source == "da_fallback"  # no RT auction at all
    assert by_k[interval(da, 1)].rt_amount is None  # no meter data yet
    assert by_k[interval(da, 3)].rt_price_source == "pending"
    assert not st.complete and st.pending


def test_metered_where_no_position_was_held_settles_at_real_time(sim_now):
    da = day_ahead_with_positions()
    sim_now(interval(da, 4) - timedelta(minutes=30))
    services.run_real_time_due()
    sim_now(interval(da, 5))
    meter({4: "3"}, participant="newcomer")
    st = LocalExchangeClient().participant_settlement(participant="newcomer", market_day=DAY)
    (row,) = st.rows
    # interval 4: 120 MW at B: 100 over the line, 20 from G2 -> 50; -(3 - 0) * 0.25 * 50
    assert (row.position, row.position_mw, row.rt_price_per_mwh) == ("none", 0, Decimal("50"))
    assert st.rt_amount == Decimal("-37.50") and st.da_amount == 0


# --- meter data --------------------------------------------------------------------------


def test_meter_reports_are_versioned_latest_wins_and_idempotent(sim_now):
    day_ahead_with_positions()
    sim_now(interval(services.open_day_ahead(day=DAY), 8))
    assert meter({0: "10", 1: "11"}).stored == 2
    again = meter({0: "10", 1: "11"})
    assert (again.stored, again.unchanged) == (0, 2)
    fix = meter({1: "11.5"})
    assert (fix.stored, fix.corrected) == (1, 1)
    versions = list(
        MeterReport.objects.filter(interval_start=interval(services.open_day_ahead(day=DAY), 1))
        .order_by("version")
        .values_list("version", "consumption_mw")
    )
    assert versions == [(1, Decimal("10.000") + 1), (2, Decimal("11.500"))]


@pytest.mark.parametrize(
    "k, mw, field, words",
    [
        (0, "-1", "readings[0].consumption_mw", "must not be negative"),
        (0, "NaN", "readings[0].consumption_mw", "finite"),
        (0, "1.0001", "readings[0].consumption_mw", "3 decimal places"),
        (9, "1", "readings[0].interval_start", "has not ended"),
    ],
)
def test_bad_meter_data_is_refused_naming_the_row(sim_now, k, mw, field, words):
    day_ahead_with_positions()
    sim_now(interval(services.open_day_ahead(day=DAY), 8))
    with pytest.raises(ApplicationError) as err:
        meter({k: mw})
    assert err.value.field == field and words in err.value.message
    assert not MeterReport.objects.exists()


def test_a_batch_with_one_bad_row_stores_nothing(sim_now):
    day_ahead_with_positions()
    sim_now(interval(services.open_day_ahead(day=DAY), 8))
    with pytest.raises(ApplicationError) as err:
        meter({0: "1", 1: "2"}, node="MARS")
    assert err.value.field == "readings[0].node"
    da = services.open_day_ahead(day=DAY)
    start = interval(da, 0)
    with pytest.raises(ApplicationError) as err:
        LocalExchangeClient().report_metered(
            participant="site-co",
            readings=[
                MeteredConsumption("B", start, d(1)),
                MeteredConsumption("B", start, d(2)),
            ],
        )
    assert err.value.field == "readings[1]"
    assert not MeterReport.objects.exists()


# --- the API ------------------------------------------------------------------------------


def test_the_settlement_api_shows_a_trader_its_own_and_a_regulator_everyones(
    settled_day, trader_api, regulator_api, admin_api
):
    meter({0: "5"}, participant="aggregator-co")  # the trader's organisation's participant
    url = f"/api/exchange/settlement/?market_day={DAY.isoformat()}"
    mine = trader_api.get(url).json()
    assert [s["participant"] for s in mine] == ["aggregator-co"]
    assert trader_api.get(url + "&participant=site-co").status_code == 400
    everyone = regulator_api.get(url).json()
    assert [s["participant"] for s in everyone] == ["aggregator-co", "site-co"]
    site = everyone[1]
    assert (site["da_amount"], site["rt_amount"], site["total_amount"]) == (
        "-1000.00",
        "73.35",
        "-926.65",
    )
    assert site["rows"][3]["rt_amount"] == "8.345"
    one = admin_api.get(url + "&participant=site-co").json()
    assert [s["participant"] for s in one] == ["site-co"]
    assert regulator_api.get("/api/exchange/settlement/?market_day=2026-13-01").status_code == 400


def test_meter_reports_through_the_api(sim_now, trader_api, admin_api, regulator_api):
    day_ahead_with_positions()
    sim_now(interval(services.open_day_ahead(day=DAY), 8))
    body = {
        "readings": [
            {"node": "B", "interval_start": interval(services.open_day_ahead(day=DAY), 0).isoformat(),
             "consumption_mw": "4.2"}
        ]
    }  # fmt: skip
    r = trader_api.post("/api/exchange/meter-reports/", body, format="json")
    assert r.status_code == 201 and r.json() == {"stored": 1, "corrected": 0, "unchanged": 0}
    assert (
        trader_api.post("/api/exchange/meter-reports/", body, format="json").json()["unchanged"]
        == 1
    )
    assert MeterReport.objects.get().participant == "aggregator-co"
    r = trader_api.post(
        "/api/exchange/meter-reports/", {**body, "participant": "site-co"}, format="json"
    )
    assert r.status_code == 400 and "participant" in r.json()
    r = admin_api.post(
        "/api/exchange/meter-reports/", {**body, "participant": "site-co"}, format="json"
    )
    assert r.status_code == 201
    assert (
        regulator_api.post("/api/exchange/meter-reports/", body, format="json").status_code == 403
    )
    naive = {"readings": [{**body["readings"][0], "interval_start": "2026-07-02T00:00:00"}]}
    r = trader_api.post("/api/exchange/meter-reports/", naive, format="json")
    assert r.status_code == 400 and "naive" in str(r.json())
    assert clock.now()  # the clock was never read from the wall


def test_rules_endpoint(trader_api, regulator_api, two_bus):
    body = regulator_api.get("/api/exchange/rules/").json()
    assert (body["market"], body["price_floor_per_mwh"], body["da_gate_closure_local"]) == (
        "generic",
        "0.00",
        "10:00",
    )
    assert trader_api.get("/api/exchange/nodes/").json()[0]["voltage_kv"] == 500
