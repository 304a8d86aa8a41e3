"""The trader's desk page: what it shows after a run, and its forms (edit, submit) going through
the same services as the API, with refusals shown with their reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from market.trading.models import BidSubmission, OptimisationRun, ProposedCurve
from tests.trading.conftest import TRADING_DAY

pytestmark = pytest.mark.django_db

DESK = reverse("trading:desk") + f"?day={TRADING_DAY.isoformat()}"


def test_the_desk_shows_forecast_flexibility_run_schedule_and_curves(client, trader, done_run):
    client.force_login(trader)
    page = client.get(DESK)
    assert page.status_code == 200
    html = page.content.decode()
    for part in (
        "forecast-chart",
        "envelope-chart",
        "run-summary",
        "schedule-chart",
        "submit-form",
    ):
        assert f'id="{part}"' in html
    assert done_run.summary["expected_saving"] in html
    assert page.context["chosen_curves"], "the default interval shows its curves"


def test_a_regulator_reads_the_desk_without_forms(client, regulator, done_run):
    client.force_login(regulator)
    html = client.get(DESK).content.decode()
    assert 'id="run-summary"' in html and 'id="submit-form"' not in html
    assert "Save curve" not in html


def test_a_refused_edit_shows_the_reason_and_changes_nothing(client, trader, done_run):
    client.force_login(trader)
    curve = ProposedCurve.objects.filter(run=done_run, side="demand").first()
    before = curve.segments
    page = client.post(
        reverse("trading:curve-edit", args=[curve.pk]),
        {"segments": "100, 1\n200, 1"},  # demand prices must not rise
        follow=True,
    )
    text = page.content.decode()
    assert "Refused (segments[1].price_per_mwh)" in text and "must not increase" in text
    curve.refresh_from_db()
    assert curve.segments == before


def test_an_edit_and_a_submission_from_the_page(client, trader, done_run):
    client.force_login(trader)
    curve = ProposedCurve.objects.filter(run=done_run, side="reduction").first()
    client.post(reverse("trading:curve-edit", args=[curve.pk]), {"segments": "150, 0.5"})
    curve.refresh_from_db()
    assert curve.segments == [["150.00", "0.500"]] and curve.edited_by == trader

    url = reverse("trading:run-submit", args=[done_run.pk])
    page = client.post(url, {"side": "reduction", "idempotency_key": "page-1"}, follow=True)
    assert "Submitted" in page.content.decode()
    sub = BidSubmission.objects.get()
    sent = {(c["node"], c["interval_start"]): c["segments"] for c in sub.curves}
    assert sent[curve.node_code, curve.interval_start.isoformat()] == [["150.00", "0.500"]]
    client.post(url, {"side": "reduction", "idempotency_key": "page-1"})  # a double click
    assert BidSubmission.objects.count() == 1


def test_starting_a_run_from_the_page(client, trader, portfolio):
    client.force_login(trader)
    page = client.post(
        reverse("trading:run-start"),
        {"day": TRADING_DAY.isoformat(), "carbon_price_per_t": "80"},
        follow=True,
    )
    run = OptimisationRun.objects.get()
    assert run.state == "queued" and str(run.carbon_price_per_t) == "80.00"
    assert 'id="run-progress"' in page.content.decode()


def test_the_desk_with_nothing_yet_shows_empty_states(client, trader, db):
    client.force_login(trader)
    html = client.get(DESK).content.decode()
    assert "No optimiser run for this day" in html and "Nothing submitted" in html
