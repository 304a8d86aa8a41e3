"""The portfolio backtest: real exchange clearing for the prices, the real optimiser, money to the
cent. Reproducibility is the point: two runs on the same seeded market give the same figures."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from demo import setup, simulate
from market.trading import backtest_portfolio as bt
from vpp.errors import ApplicationError
from vpp.models import User

pytestmark = pytest.mark.django_db

FIRST = date(2026, 6, 20)
SITES = ["beiyun-hh-01", "donghai-sh-01", "lingnan-sg-01", "qilian-zy-01"]


@pytest.fixture
def cleared(db):
    setup.load_demo()
    simulate.simulate_history(date(2026, 6, 19), date(2026, 6, 21))


def test_same_market_same_figures(cleared):
    one = bt.run_backtest(first_day=FIRST, days=2, mode="perfect", site_codes=SITES)
    two = bt.run_backtest(first_day=FIRST, days=2, mode="perfect", site_codes=SITES)
    assert one.figures() == two.figures()
    assert [s.site_code for s in one.sites] == sorted(SITES)
    assert len(one.days) == 2


def test_flexibility_never_costs_more_with_perfect_foresight_and_lines_add_up(cleared):
    report = bt.run_backtest(first_day=FIRST, days=2, mode="perfect", site_codes=SITES)
    total = report.total
    assert total.usual_cost > 0
    # the usual load is a feasible schedule, so the optimum at the true prices is no dearer
    # (up to the MIP gap on the energy bill)
    gap = Decimal(str(0.01)) * total.usual_cost
    assert total.energy_cost <= total.usual_cost + gap
    assert total.saving == total.usual_cost - total.energy_cost
    for name in bt.MONEY_FIELDS:
        assert getattr(total, name) == sum(getattr(s, name) for s in report.sites), name
        assert getattr(total, name) == getattr(total, name).quantize(Decimal("0.01"))
    day_savings = sum(Decimal(d["saving"]) for d in report.days)
    assert day_savings == total.saving


def test_naive_mode_decides_on_yesterdays_prices(cleared):
    naive = bt.run_backtest(first_day=FIRST, days=2, mode="naive", site_codes=SITES)
    perfect = bt.run_backtest(first_day=FIRST, days=2, mode="perfect", site_codes=SITES)
    assert naive.mode == "naive"
    # same usual load at the same cleared prices; the decisions (and so the cost) differ
    assert naive.total.usual_cost == perfect.total.usual_cost
    assert naive.total.saving <= perfect.total.saving + Decimal("0.01") * perfect.total.usual_cost


def test_bad_requests_name_the_field(cleared):
    with pytest.raises(ApplicationError) as err:
        bt.run_backtest(first_day=FIRST, days=1, mode="clairvoyant")
    assert err.value.field == "mode"
    with pytest.raises(ApplicationError) as err:
        bt.run_backtest(first_day=date(2026, 8, 1), days=1, site_codes=SITES)
    assert err.value.field == "first_day"
    with pytest.raises(ApplicationError) as err:
        bt.run_backtest(first_day=FIRST, days=1, site_codes=["no-such-site"])
    assert err.value.field == "sites"


def test_page_and_csv_show_the_saved_figures(cleared, client, settings, tmp_path):
    settings.BACKTEST_DIR = tmp_path
    client.force_login(User.objects.get(username="regulator"))
    empty = client.get("/trading/backtest/")
    assert empty.status_code == 200 and b"No backtest saved yet" in empty.content
    report = bt.run_backtest(first_day=FIRST, days=1, site_codes=SITES)
    bt.save(report)
    page = client.get("/trading/backtest/")
    assert page.status_code == 200
    for code in SITES:
        assert code.encode() in page.content
    assert str(report.total.saving).encode() in page.content
    response = client.get("/trading/backtest/csv/")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["site_code"] for r in rows] == [*sorted(SITES), "TOTAL"]
    assert rows[-1]["saving"] == str(report.total.saving)
