"""A decline or an expiry: the other sites at the node pick up the share within their limits;
what they cannot take is an open position priced at the award's day-ahead price."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from dispatch import services
from dispatch.models import Instruction, OpenPosition
from sites.flexibility import envelope_at
from sites.selectors import site_spec
from tests.factories import BatteryFactory

from .conftest import T0, award, make_submission

S = Instruction.State


def active(site):
    return Instruction.objects.get(site=site, interval_start=T0, state__in=["pending", "confirmed"])


def test_decline_spreads_share_within_limits_rest_is_open(fleet, instruct, operator_a):
    """a1 reduces 12, a2 10, b1 14 of 15 MW each can give. a1 declines: a2 can take 5 more,
    b1 1 more (their envelope depth), s1 is at another node; 6 MW stay open."""
    sub = make_submission()
    award(sub, "E-LOAD", T0, 36, price="800")
    a1 = instruct(fleet["a1"], 12, submission_id=sub.pk)
    instruct(fleet["a2"], 10, submission_id=sub.pk)
    b1 = instruct(fleet["b1"], 14, submission_id=sub.pk)
    services.confirm_delivered(instruction_id=b1.pk)  # even a confirmed one is asked again
    s1_before = Instruction.objects.filter(site=fleet["s1"]).count()

    services.decline(instruction_id=a1.pk, user=operator_a, reason="cooling fault")

    a2_new, b1_new = active(fleet["a2"]), active(fleet["b1"])
    assert a2_new.reduction_mw == Decimal("15.000") and b1_new.reduction_mw == Decimal("15.000")
    for row in (a2_new, b1_new):
        assert row.state == S.PENDING and row.origin == "reallocation"
        assert row.supersedes.state == S.SUPERSEDED and row.version == 2
        env = envelope_at(site_spec(row.site), T0)
        assert row.target_mw >= Decimal(str(env.baseline_mw - env.down_mw)) - Decimal("0.001")
        assert row.deadline_at == T0 - timedelta(minutes=row.site.notice_minutes)
    assert Instruction.objects.filter(site=fleet["s1"]).count() == s1_before  # other node
    pos = OpenPosition.objects.get()
    assert pos.missing_mw == Decimal("6.000") and pos.instruction == a1
    assert pos.price_per_mwh == Decimal("800.00") and pos.price_basis == "day_ahead"
    assert pos.expected_cost == Decimal("1200.00")  # 6 MW x 0.25 h x 800
    assert "a1 declined" in pos.reason


def test_full_pick_up_is_proportional_to_headroom(fleet, instruct, operator_a):
    a1 = instruct(fleet["a1"], 6)
    instruct(fleet["a2"], 5)  # headroom 10
    instruct(fleet["b1"], 10)  # headroom 5
    services.decline(instruction_id=a1.pk, user=operator_a, reason="no")
    assert active(fleet["a2"]).reduction_mw == Decimal("9.000")  # + 6 x 10/15
    assert active(fleet["b1"]).reduction_mw == Decimal("12.000")  # + 6 x 5/15
    assert not OpenPosition.objects.exists()


def test_ramp_limit_bounds_pick_up(fleet, instruct, operator_a):
    fleet["a2"].ramp_limit_mw_per_min = Decimal("0.1")  # 1.5 MW per 15-min interval
    fleet["a2"].save()
    a1 = instruct(fleet["a1"], 6)
    fleet["b1"].notice_minutes = 24 * 60  # cannot be given its notice any more
    fleet["b1"].save()
    services.decline(instruction_id=a1.pk, user=operator_a, reason="no")
    assert active(fleet["a2"]).reduction_mw == Decimal("1.500")
    assert not Instruction.objects.filter(site=fleet["b1"]).exists()
    pos = OpenPosition.objects.get()
    assert pos.missing_mw == Decimal("4.500")
    assert "b1: needs 1440 min notice" in pos.reason


def test_expiry_reallocates_too(fleet, instruct, sim_now):
    a1 = instruct(fleet["a1"], 4)
    fleet["a2"].notice_minutes = 5  # short notice: can still pick up after a1's deadline
    fleet["a2"].save()
    sim_now(a1.deadline_at)
    assert services.expire_due() == [a1.pk]
    picked = active(fleet["a2"])
    assert picked.reduction_mw == Decimal("4.000") and picked.origin == "reallocation"
    assert picked.deadline_at == T0 - timedelta(minutes=5)


def test_demand_side_gap_asks_for_more_load(fleet, instruct, operator_a):
    """A demand award asked a1 to draw 3 MW more than usual; it declines. Only a2 can draw
    more (its battery is below full: up to 2 MW of charging); the last MW is open."""
    BatteryFactory(site=fleet["a2"], power_mw=Decimal("2"), nominal_soc_mwh=Decimal("6"))
    a1 = instruct(fleet["a1"], -3)
    services.decline(instruction_id=a1.pk, user=operator_a, reason="no")
    picked = active(fleet["a2"])
    assert picked.reduction_mw == Decimal("-2.000")
    assert not Instruction.objects.filter(site=fleet["b1"]).exists()  # no way up
    assert OpenPosition.objects.get().missing_mw == Decimal("1.000")
