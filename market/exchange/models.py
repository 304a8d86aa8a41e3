"""The mock spot market: network, fleet, exogenous data, auctions, bids and clearing results.

Instants are aware UTC; power in MW, prices in currency per MWh (Decimal in the database).
A participant is a code string (the exchange knows nothing of the platform's organisations).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Node(models.Model):
    """A pricing node of the exchange's network (codes match ``vpp.fixtures.DEFAULT_NODES``)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=200, blank=True)
    is_slack = models.BooleanField(default=False, help_text="angle reference of the DC-OPF")
    voltage_kv = models.PositiveIntegerField(
        default=500,
        help_text="nominal voltage of the node's bus (kV); the trading-unit rule may require a "
        "minimum (Guangdong: 220 kV)",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Line(models.Model):
    """A transmission corridor (or transformer) between two nodes: reactance (p.u. on 100 MVA),
    phase shift and thermal limit. Flow is positive from ``from_node`` to ``to_node``:
    ``100 * (theta_from - theta_to - shift) / reactance_pu`` MW. A negative reactance is a
    series capacitor; zero is refused (a zero-impedance branch: its two nodes are one)."""

    code = models.CharField(max_length=80, unique=True)
    from_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    to_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    reactance_pu = models.FloatField(help_text="negative: series compensation; never zero")
    phase_shift_deg = models.FloatField(
        default=0.0, help_text="phase-shifting transformer angle, degrees (0: none)"
    )
    limit_mw = models.FloatField(null=True, blank=True, help_text="null: unlimited")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(reactance_pu=0), name="exchange_line_x_nonzero"),
            models.CheckConstraint(
                condition=~Q(from_node=models.F("to_node")), name="exchange_line_two_ends"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Generator(models.Model):
    """A unit of the synthetic fleet, offering its capacity at its marginal cost every
    interval. Wind and solar availability follows the node's weather series."""

    class Fuel(models.TextChoices):
        COAL = "coal"
        GAS = "gas"
        HYDRO = "hydro"
        NUCLEAR = "nuclear"
        WIND = "wind"
        SOLAR = "solar"

    code = models.CharField(max_length=80, unique=True)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="generators")
    fuel = models.CharField(max_length=10, choices=Fuel.choices)
    marginal_cost_per_mwh = models.DecimalField(max_digits=10, decimal_places=2)
    min_mw = models.FloatField(default=0)
    max_mw = models.FloatField()
    ramp_mw_per_interval = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_mw__gte=0) & Q(max_mw__gte=models.F("min_mw")),
                name="exchange_gen_bounds",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Exogenous(models.Model):
    """One node-interval of exogenous data: inelastic demand, or wind/solar availability as a
    capacity factor (0..1). ``forecast`` is what the market knew day-ahead; ``actual`` is what
    happened (used by the real-time auction, revealed to participants once the interval ends)."""

    class Kind(models.TextChoices):
        DEMAND_MW = "demand_mw"
        WIND_CF = "wind_cf"
        SOLAR_CF = "solar_cf"

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="exogenous")
    interval_start = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    forecast = models.FloatField()
    actual = models.FloatField()
    source = models.CharField(max_length=80, default="scenario")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["interval_start", "node_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "interval_start", "kind"], name="exchange_exogenous_unique"
            )
        ]


class Auction(models.Model):
    """One auction: day-ahead (every interval of a market day) or real-time (one interval).

    States move open -> closed -> cleared -> published, each by the market clock (see
    ``services``). Prices and awards are visible to participants only once published."""

    class Kind(models.TextChoices):
        DAY_AHEAD = "da", "Day-ahead"
        REAL_TIME = "rt", "Real-time"

    class State(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"
        CLEARED = "cleared"
        PUBLISHED = "published"
        FAILED = "failed"

    kind = models.CharField(max_length=2, choices=Kind.choices)
    market_day = models.DateField()
    first_interval = models.DateTimeField()
    interval_count = models.PositiveSmallIntegerField()
    gate_closure_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    solver = models.CharField(max_length=40, blank=True)
    objective = models.FloatField(null=True, blank=True)
    build_seconds = models.FloatField(null=True, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    unserved_mwh = models.FloatField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-first_interval", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "first_interval"], name="exchange_auction_unique"
            ),
            models.CheckConstraint(
                condition=Q(interval_count__gte=1), name="exchange_auction_has_intervals"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.first_interval.isoformat()} ({self.state})"


class Bid(models.Model):
    """One version of a participant's bid into an auction: every curve it submits there.

    A resubmission makes a new version and marks the earlier one superseded (both are kept);
    a retry with the same idempotency key returns the existing version and makes nothing new."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    participant = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    superseded = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=120, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(help_text="market clock instant")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["auction_id", "participant", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "participant", "version"], name="exchange_bid_version_unique"
            ),
            models.UniqueConstraint(
                fields=["auction", "participant"],
                condition=Q(superseded=False),
                name="exchange_bid_one_current",
            ),
            models.UniqueConstraint(
                fields=["participant", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="exchange_bid_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"bid {self.participant} v{self.version} in auction {self.auction_id}"


class BidSegment(models.Model):
    """One price-quantity segment of a bid's curve at one node and interval. ``demand``: buys
    up to ``quantity_mw`` at or below the price; ``reduction``: sells a load reduction of up to
    ``quantity_mw`` at or above the price."""

    class Side(models.TextChoices):
        DEMAND = "demand"
        REDUCTION = "reduction"

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="segments")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    side = models.CharField(max_length=10, choices=Side.choices)
    segment_index = models.PositiveSmallIntegerField()
    price_per_mwh = models.DecimalField(max_digits=10, decimal_places=2)
    quantity_mw = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["bid_id", "interval_start", "node_id", "side", "segment_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "node", "interval_start", "side", "segment_index"],
                name="exchange_segment_unique",
            ),
            models.CheckConstraint(condition=Q(quantity_mw__gt=0), name="exchange_segment_qty"),
        ]


class BidBaseline(models.Model):
    """A registered baseline of a day-ahead bid: the participant's consumption at one node and
    interval, cleared as inelastic demand; the bid's reduction offer there sells reductions from
    it (never more). The participant's position there is then ``baseline_mw - reduction
    awarded``, and settlement uses this baseline (docs/market-loop.md §1)."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="baselines")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    baseline_mw = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["bid_id", "interval_start", "node_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "node", "interval_start"], name="exchange_baseline_unique"
            ),
            models.CheckConstraint(
                condition=Q(baseline_mw__gte=0), name="exchange_baseline_not_negative"
            ),
        ]


class NodePrice(models.Model):
    """The cleared price (LMP) at one node and interval of an auction, rounded to the cent,
    with the inelastic demand it cleared against in its two parts: the exogenous series and the
    participants' fixed consumption (their registered baselines day-ahead; their day-ahead
    positions in real time)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="prices")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    price_per_mwh = models.DecimalField(max_digits=10, decimal_places=2)
    demand_mw = models.FloatField(help_text="exogenous inelastic demand cleared against")
    participant_demand_mw = models.FloatField(
        default=0,
        help_text="participants' fixed consumption cleared against: registered baselines "
        "(day-ahead) or day-ahead positions (real-time)",
    )
    unserved_mw = models.FloatField(default=0)

    class Meta:
        ordering = ["auction_id", "interval_start", "node_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "node", "interval_start"], name="exchange_price_unique"
            )
        ]


class LineFlow(models.Model):
    """The DC flow on a line in one interval of an auction, and whether it sits at its limit."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="flows")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    flow_mw = models.FloatField()
    limit_mw = models.FloatField(null=True)
    congested = models.BooleanField(default=False)
    shadow_price_per_mwh = models.FloatField(default=0)

    class Meta:
        ordering = ["auction_id", "interval_start", "line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "line", "interval_start"], name="exchange_flow_unique"
            )
        ]


class Award(models.Model):
    """What one bid segment won: MW accepted, settled at the node's price for that interval."""

    segment = models.OneToOneField(BidSegment, on_delete=models.CASCADE, related_name="award")
    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="awards")
    awarded_mw = models.DecimalField(max_digits=12, decimal_places=3)
    price_per_mwh = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["auction_id", "segment_id"]


class MeterReport(models.Model):
    """A participant's metered consumption at one node and interval (average MW), as reported
    to the market operator. Latest wins: a report that differs from the current one is stored
    as the next version (the earlier ones are kept); a report equal to the current one stores
    nothing, so a retry is harmless. Settlement uses the highest version."""

    participant = models.CharField(max_length=80)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    consumption_mw = models.DecimalField(max_digits=12, decimal_places=3)
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=80, blank=True)
    reported_at = models.DateTimeField(help_text="market clock instant")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["participant", "interval_start", "node_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "node", "interval_start", "version"],
                name="exchange_meter_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(consumption_mw__gte=0), name="exchange_meter_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["participant", "interval_start"])]
