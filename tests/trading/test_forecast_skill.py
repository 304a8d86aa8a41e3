"""The desk's forecast on prices the exchange's own clearing LP produced (not a synthetic market):
a rolling-origin backtest over the last working week of four cleared weeks of the seeded default
market, against yesterday's and last week's published prices.

Stated band: the 10-90 % band must hold between 70 % and 90 % of the outcomes (nominal 80 %;
an outcome on a band edge counts half, see ``forecast.backtest.Score``;
5 days x 6 nodes x 96 intervals = 2,880 outcomes, but neighbouring intervals move together, so
the band is wider than a binomial one)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from market.trading.forecast import GradientBoosting, SeasonalNaive, backtest
from tests.trading.conftest import CLEARED_FIRST, CLEARED_LAST

# the cleared history is made in the test database (session fixture): the mark sets that up
pytestmark = pytest.mark.django_db

DAYS = [CLEARED_LAST - timedelta(days=k) for k in range(4, -1, -1)]  # Mon 06-22 .. Fri 06-26
COVERAGE_BAND = (0.70, 0.90)


@pytest.fixture(scope="module")
def result(cleared_weeks):
    nodes, history, exogenous = cleared_weeks
    models = [SeasonalNaive(1), SeasonalNaive(7), GradientBoosting()]
    return backtest(models, history, exogenous, DAYS, nodes)


def test_the_cleared_history_is_what_the_desk_reads(cleared_weeks):
    nodes, history, exogenous = cleared_weeks
    days = (CLEARED_LAST - CLEARED_FIRST).days + 1
    assert sorted(nodes) == ["E-LOAD", "N-COAL", "NW-SOLAR", "NW-WIND", "S-LOAD", "SW-HYDRO"]
    assert len(history) == days * 96 * 6
    assert len({float(p.price_per_mwh) for p in history}) > 100  # prices move: congestion, merit


def test_gradient_boosting_beats_yesterday_and_last_week_at_every_node(result, cleared_weeks):
    nodes = cleared_weeks[0]
    for node in [*nodes, "*"]:
        score = result.score("gradient_boosting", node)
        assert score.count == 96 * len(DAYS) * (6 if node == "*" else 1)
        assert score.skills["seasonal_naive_7d"] > 0, (node, score)
        assert score.skills["seasonal_naive"] > 0, (node, score)


def test_the_scores_match_a_recount_from_the_rows(result, cleared_weeks):
    """MAE, skill and coverage recomputed here from the per-interval rows, and the weekly
    reference checked against the published price seven days earlier."""
    _, history, _ = cleared_weeks
    published = {(p.node, p.interval_start): float(p.price_per_mwh) for p in history}
    rows = [r for r in result.rows if r.node == "E-LOAD"]
    weekly = [r for r in rows if r.model == "seasonal_naive_7d"]
    for r in weekly:
        assert r.forecast == published[("E-LOAD", r.interval_start - timedelta(days=7))]
        assert r.actual == published[("E-LOAD", r.interval_start)]
    boosted = [r for r in rows if r.model == "gradient_boosting"]
    mae = sum(abs(r.forecast - r.actual) for r in boosted) / len(boosted)
    mae_weekly = sum(abs(r.forecast - r.actual) for r in weekly) / len(weekly)
    score = result.score("gradient_boosting", "E-LOAD")
    assert score.mae == pytest.approx(mae)
    assert score.skills["seasonal_naive_7d"] == pytest.approx(1 - mae / mae_weekly)
    # strictly inside counts 1, on an edge (within half a cent: prices are published to the
    # cent) counts half
    on_edge = [min(abs(r.actual - r.low), abs(r.actual - r.high)) < 0.005 for r in boosted]
    strictly = [r.low < r.actual < r.high and not e for r, e in zip(boosted, on_edge, strict=True)]
    assert score.coverage_80 == pytest.approx((sum(strictly) + sum(on_edge) / 2) / len(boosted))
    assert score.edge_80 == pytest.approx(sum(on_edge) / len(boosted))
    assert all(r.low <= r.forecast <= r.high for r in boosted)


def test_the_10_90_band_holds_about_80_percent(result, cleared_weeks):
    overall = result.score("gradient_boosting")
    assert COVERAGE_BAND[0] <= overall.coverage_80 <= COVERAGE_BAND[1], overall
    assert overall.coverage_50 < overall.coverage_80  # the 25-75 % band is narrower
    for node in cleared_weeks[0]:
        assert 0.6 <= result.score("gradient_boosting", node).coverage_80 <= 0.97, node
