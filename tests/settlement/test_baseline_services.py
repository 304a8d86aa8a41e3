"""Baselines from stored readings: evidence stored, idempotent, new inputs make a new result,
event days read from dispatch, methods immutable once used."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from settlement import meter_store
from settlement.baseline_services import compute_baseline, ensure_presets, method_create
from settlement.models import BaselineMethod, BaselineResult
from tests.settlement.conftest import csv_bytes
from vpp.errors import ApplicationError
from vpp.intervals import day_intervals, market_tz

pytestmark = pytest.mark.django_db

TARGET = date(2026, 7, 8)  # Wednesday


@pytest.fixture
def history(operator_a, site_a, clock_after):
    """Jun 24..Jul 8 at a level per day: working days 10 MW, Jul 6 at 14 MW, weekends 4 MW."""
    rows = []
    day = date(2026, 6, 24)
    while day <= TARGET:
        level = 14 if day == date(2026, 7, 6) else 10 if day.weekday() < 5 else 4
        rows += [("alpha-1", t.isoformat(), level, "MW") for t in day_intervals(day)]
        day += timedelta(days=1)
    meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows))
    return rows


def test_a_baseline_keeps_its_evidence_and_is_computed_once(site_a, history):
    method = ensure_presets()["cn_similar_days"]
    result = compute_baseline(site=site_a, day=TARGET, method=method, event_days=[])
    assert result.used_days == ["2026-07-07", "2026-07-06", "2026-07-03", "2026-07-02",
                                "2026-07-01"]  # fmt: skip
    assert result.baseline_mw == [pytest.approx((10 * 4 + 14) / 5)] * 96
    reasons = {e["day"]: e["reason"] for e in result.excluded_days}
    assert reasons["2026-07-05"] == "day_type" and reasons["2026-06-30"] == "beyond_pool"
    assert reasons["2026-06-23"] == "missing_data"
    assert result.input_summary["readings"] == 15 * 96
    again = compute_baseline(site=site_a, day=TARGET, method=method, event_days=[])
    assert again.pk == result.pk and BaselineResult.objects.count() == 1


def test_an_event_day_from_dispatch_and_a_correction_make_a_new_result(operator_a, site_a, history):
    from dispatch.models import Instruction

    method = ensure_presets()["cn_similar_days"]
    first = compute_baseline(site=site_a, day=TARGET, method=method)
    t = datetime(2026, 7, 6, 14, tzinfo=market_tz())
    Instruction.objects.create(
        site=site_a, market_day=date(2026, 7, 6), interval_start=t,
        interval_end=t + timedelta(minutes=15), target_mw=Decimal("8"),
        baseline_mw=Decimal("14"), reduction_mw=Decimal("6"), state="confirmed",
        deadline_at=t - timedelta(hours=1), node_code="E-LOAD", side="reduction",
        submission_id=1, created_at=t - timedelta(days=1), confirmed_at=t - timedelta(hours=2),
    )  # fmt: skip
    second = compute_baseline(site=site_a, day=TARGET, method=method)
    assert second.pk != first.pk
    assert {"day": "2026-07-06", "reason": "event_day", "detail": "a dispatch event day"} in (
        second.excluded_days
    )
    assert "2026-07-06" not in second.used_days and second.baseline_mw[0] == pytest.approx(10)
    # a corrected reading of a used day changes the inputs' digest: a third result
    fix = [("alpha-1", day_intervals(date(2026, 7, 7))[0].isoformat(), 20, "MW")]
    meter_store.upload_csv(actor=operator_a, content=csv_bytes(fix))
    third = compute_baseline(site=site_a, day=TARGET, method=method)
    assert third.input_digest != second.input_digest
    assert third.input_summary["by_version"] == {"1": 15 * 96 - 1, "2": 1}
    assert third.baseline_mw[0] == pytest.approx(12) and third.baseline_mw[1] == pytest.approx(10)


def test_a_used_method_is_immutable_and_changes_are_new_versions(site_a, history):
    method = ensure_presets()["cn_similar_days"]
    compute_baseline(site=site_a, day=TARGET, method=method, event_days=[])
    method.params = {**method.params, "pool_days": 3, "use_days": 3}
    with pytest.raises(ValidationError, match="add a new version"):
        method.full_clean()
    v2 = method_create(name="cn_similar_days", params=method.params)
    assert v2.version == 2 and BaselineMethod.objects.get(pk=method.pk).params["pool_days"] == 5
    with pytest.raises(ValidationError, match="pool_days"):
        method_create(name="broken", params={"pool_days": 50, "lookback_days": 10})


def test_naive_event_times_and_impossible_baselines_are_400s(site_a, history):
    method = ensure_presets()["caiso_10in10"]
    with pytest.raises(ApplicationError) as err:
        compute_baseline(
            site=site_a, day=TARGET, method=method, event_start=datetime(2026, 7, 8, 14)
        )
    assert err.value.field == "event_start"
    mba = ensure_presets()["meter_before_after"]
    with pytest.raises(ApplicationError) as err:
        compute_baseline(site=site_a, day=date(2026, 7, 20), method=mba, event_days=[],
                         event_start=datetime(2026, 7, 20, 14, tzinfo=market_tz()),
                         event_end=datetime(2026, 7, 20, 16, tzinfo=market_tz()))  # fmt: skip
    assert "no meter reading" in err.value.message
