import sys
from datetime import timedelta

from django.core.management.base import BaseCommand

from demo import setup, simulate
from market.exchange import services as exchange
from vpp import clock
from vpp.intervals import to_local


def bar(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}")
    sys.stdout.flush()
    if done == total:
        sys.stdout.write("\n")


class Command(BaseCommand):
    help = "Load the demo portfolio, simulate the market's history, print one login per role."

    def handle(self, *args, **options):
        counts = setup.load_demo()
        self.stdout.write(
            f"Demo fleet loaded: {counts.sites} sites, {counts.batteries} batteries, "
            f"{counts.workloads} workload classes, {counts.jobs} batch jobs."
        )
        first, last = setup.history_days()
        self.stdout.write(f"Simulating day-ahead markets {first} .. {last}:")
        simulate.simulate_history(
            first, last, progress=lambda k, n, day: bar(k, n, f"cleared {day}")
        )
        # Back to the demo morning: tomorrow's day-ahead auction is open until its gate.
        clock.set_now(setup.start_instant())
        exchange.open_day_ahead(day=setup.DEMO_START_DAY + timedelta(days=1))
        self.stdout.write(f"Market clock (simulated): {to_local(clock.now()):%Y-%m-%d %H:%M %Z}")
        self.stdout.write("\nDemo logins (one per role):")
        for login in setup.LOGINS:
            org = f"  [{login.organisation}]" if login.organisation else ""
            self.stdout.write(f"  {login.role:<10} {login.username:<16} {login.password}{org}")
