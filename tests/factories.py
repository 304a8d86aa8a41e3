"""factory_boy factories for registry rows (tests build the rest through services and the API)."""

from __future__ import annotations

from decimal import Decimal

import factory

from sites.models import Battery, Job, Site, WorkloadClass


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    code = factory.Sequence(lambda n: f"site-{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Data center {o.code}")
    grid_connection_mw = Decimal("40")
    it_capacity_mw = Decimal("30")
    min_load_mw = Decimal("5")
    ramp_limit_mw_per_min = Decimal("2")
    pue_constant = Decimal("1.5")


class BatteryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Battery

    name = factory.Sequence(lambda n: f"bess-{n}")
    energy_mwh = Decimal("10")
    power_mw = Decimal("5")
    reserve_mwh = Decimal("4")
    nominal_soc_mwh = Decimal("10")
    charge_efficiency = Decimal("0.95")
    discharge_efficiency = Decimal("0.9")


class WorkloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkloadClass

    name = factory.Sequence(lambda n: f"wl-{n}")
    kind = "inference"
    it_mw = Decimal("4")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    name = factory.Sequence(lambda n: f"job-{n}")
    energy_mwh = Decimal("40")
    max_it_mw = Decimal("10")
