"""Baseline parameter sets: one frozen dataclass validated on construction, and the presets.

A baseline method is data, not code: the engine (:mod:`settlement.baselines.engine`) reads these
fields and nothing else, and :class:`settlement.models.BaselineMethod` stores them as JSON under a
name and a version. The meaning of every field and the presets' values are in docs/settlement.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

KINDS = ("similar_days", "meter_before_after", "max_base_load", "regression")
DAY_TYPES = ("working", "calendar", "same_weekday", "any")
SELECTIONS = ("all", "highest")
ADJUSTMENTS = ("none", "additive", "ratio")
MBA_WINDOWS = ("before", "after", "both")


class ParamsError(ValueError):
    """A parameter set that cannot be used; ``field`` names the parameter at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field


@dataclass(frozen=True)
class BaselineParams:
    """How a baseline is computed.

    - ``kind``: ``similar_days`` (X-of-Y), ``meter_before_after``, ``max_base_load``,
      ``regression``.
    - look-back: the ``lookback_days`` calendar days before the target day are the candidates.
    - ``day_type``: which candidates match the target day: ``working`` (working vs non-working
      in the holiday calendar, adjusted working days count as working), ``calendar`` (Mon-Fri vs
      Sat-Sun), ``same_weekday``, ``any``.
    - exclusions: ``exclude_event_days``, ``exclude_holidays`` (``holiday_calendar`` ``CN`` or
      ``none``), ``low_usage_fraction`` (a day whose window mean load is below this fraction of
      the mean over the eligible days is dropped; ``None`` = keep).
    - selection: the ``pool_days`` most recent eligible days form the pool (Y); ``selection``
      ``all`` uses the whole pool, ``highest`` the ``use_days`` (N) with the highest window
      mean. ``nonworking_pool_days``/``nonworking_use_days`` replace Y/N when the target day is
      not a working day (``None`` = same as working days). ``min_days``: fewer eligible days
      is an error.
    - same-day adjustment: ``adjustment`` ``none``/``additive``/``ratio`` over the window of
      ``adjustment_window_hours`` ending ``adjustment_offset_hours`` before the event start;
      capped at ``adjustment_cap_fraction`` (``None`` = uncapped).
    - meter-before/after: ``mba_window`` and ``mba_window_hours``.
    - max base load: the mean of the daily peaks of the eligible days.
    - regression: ``regression_threshold_c`` (cooling term above it) and ``regression_ridge``.
    """

    kind: str = "similar_days"
    lookback_days: int = 10
    day_type: str = "working"
    exclude_event_days: bool = True
    exclude_holidays: bool = True
    holiday_calendar: str = "CN"
    low_usage_fraction: float | None = None
    pool_days: int = 10
    use_days: int = 10
    selection: str = "all"
    nonworking_pool_days: int | None = None
    nonworking_use_days: int | None = None
    min_days: int = 1
    adjustment: str = "none"
    adjustment_window_hours: float = 3.0
    adjustment_offset_hours: float = 1.0
    adjustment_cap_fraction: float | None = None
    mba_window: str = "before"
    mba_window_hours: float = 1.0
    regression_threshold_c: float = 24.0
    regression_ridge: float = 1e-6

    def __post_init__(self) -> None:
        choices = {
            "kind": KINDS,
            "day_type": DAY_TYPES,
            "selection": SELECTIONS,
            "adjustment": ADJUSTMENTS,
            "mba_window": MBA_WINDOWS,
            "holiday_calendar": ("CN", "none"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ParamsError(f"must be one of {', '.join(allowed)}", field=name)
        for name in ("lookback_days", "pool_days", "use_days", "min_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ParamsError("must be a whole number of at least 1", field=name)
        for name in ("nonworking_pool_days", "nonworking_use_days"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ParamsError("must be a whole number of at least 1, or null", field=name)
        if self.use_days > self.pool_days:
            raise ParamsError("cannot use more days than the pool holds", field="use_days")
        if (self.nonworking_use_days or self.use_days) > (
            self.nonworking_pool_days or self.pool_days
        ):
            raise ParamsError(
                "cannot use more days than the pool holds", field="nonworking_use_days"
            )
        if self.pool_days > self.lookback_days:
            raise ParamsError("the pool cannot be larger than the look-back", field="pool_days")
        for name in ("adjustment_window_hours", "mba_window_hours"):
            if not getattr(self, name) > 0:
                raise ParamsError("must be greater than zero", field=name)
        if self.adjustment_offset_hours < 0:
            raise ParamsError("must not be negative", field="adjustment_offset_hours")
        cap = self.adjustment_cap_fraction
        if cap is not None and not 0 <= cap < 1:
            raise ParamsError(
                "must be in [0, 1), e.g. 0.2 for +/-20 %", field="adjustment_cap_fraction"
            )
        low = self.low_usage_fraction
        if low is not None and not 0 < low < 1:
            raise ParamsError("must be in (0, 1), e.g. 0.25", field="low_usage_fraction")
        if self.regression_ridge < 0:
            raise ParamsError("must not be negative", field="regression_ridge")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaselineParams:
        if not isinstance(data, dict):
            raise ParamsError("a parameter set is a JSON object", field="params")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParamsError(f"unknown parameter(s) {', '.join(unknown)}", field="params")
        try:
            return cls(**data)
        except TypeError as exc:  # pragma: no cover - guarded by the unknown-name check
            raise ParamsError(str(exc), field="params") from exc

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def pool_and_use(self, working_target: bool) -> tuple[int, int]:
        if working_target:
            return self.pool_days, self.use_days
        return (
            self.nonworking_pool_days or self.pool_days,
            self.nonworking_use_days or self.use_days,
        )


# Presets: modelled on the programmes they are named after (see docs/settlement.md for what is
# simplified); each is stored as BaselineMethod(name, version 1) by the settlement services.
PRESETS: dict[str, BaselineParams] = {
    "caiso_10in10": BaselineParams(
        lookback_days=45, day_type="calendar", pool_days=10, use_days=10,
        nonworking_pool_days=4, nonworking_use_days=4, selection="all",
        adjustment="ratio", adjustment_window_hours=3, adjustment_offset_hours=1,
        adjustment_cap_fraction=0.2,
    ),
    "pjm_high_4of5": BaselineParams(
        lookback_days=45, day_type="calendar", pool_days=5, use_days=4,
        nonworking_pool_days=3, nonworking_use_days=2, selection="highest",
        low_usage_fraction=0.25, adjustment="additive", adjustment_window_hours=3,
        adjustment_offset_hours=1,
    ),
    "nyiso_5of10": BaselineParams(
        lookback_days=30, day_type="calendar", pool_days=10, use_days=5,
        nonworking_pool_days=3, nonworking_use_days=2, selection="highest",
        low_usage_fraction=0.25, adjustment="ratio", adjustment_window_hours=2,
        adjustment_offset_hours=1, adjustment_cap_fraction=0.2,
    ),
    "cn_similar_days": BaselineParams(
        lookback_days=30, day_type="working", pool_days=5, use_days=5, selection="all",
        low_usage_fraction=0.75, adjustment="none",
    ),
    "meter_before_after": BaselineParams(
        kind="meter_before_after", lookback_days=1, pool_days=1, use_days=1,
        mba_window="before", mba_window_hours=1,
    ),
    "max_base_load": BaselineParams(
        kind="max_base_load", lookback_days=30, day_type="any", pool_days=30, use_days=30,
    ),
    "regression": BaselineParams(
        kind="regression", lookback_days=60, day_type="working", pool_days=60, use_days=60,
        min_days=5,
    ),
}  # fmt: skip
