import sys
import time
from datetime import timedelta

from django.core.management.base import BaseCommand

from demo import flow, setup, simulate
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
    help = (
        "Load the demo portfolio, simulate the market's history, then run the whole flow "
        "(forecast, optimise, bid, clear, dispatch with declines, meter, settle) over --days "
        "market days; print one login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="market days of the full flow")

    def handle(self, *args, **options):
        started = time.perf_counter()
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
        history_s = time.perf_counter() - started
        days = options["days"]
        if days > 0:
            self.stdout.write(f"Running {days} market days end to end:")
            report = flow.run_flow(days=days, progress=lambda k, n, label: bar(k, n, label))
            for d in report.days:
                self.stdout.write(
                    f"  {d.market_day}: optimiser {d.run_state} in {d.optimise_seconds:.1f} s, "
                    f"{d.curves_submitted} curves bid, {d.awards} award segments, "
                    f"{d.instructions} instructions ({d.confirmed} confirmed, {d.declined} "
                    f"declined), {d.meter_rows} meter rows, settlement: {d.settled or '-'}"
                )
            for note in report.notes:
                self.stdout.write(f"  note: settlement {note}")
        total_s = time.perf_counter() - started
        self.stdout.write(
            f"Timing: history {history_s:.1f} s, flow {total_s - history_s:.1f} s, "
            f"total {total_s:.1f} s"
        )
        self.stdout.write(f"Market clock (simulated): {to_local(clock.now()):%Y-%m-%d %H:%M %Z}")
        self.stdout.write("\nDemo logins (one per role):")
        for login in setup.LOGINS:
            org = f"  [{login.organisation}]" if login.organisation else ""
            self.stdout.write(f"  {login.role:<10} {login.username:<16} {login.password}{org}")
