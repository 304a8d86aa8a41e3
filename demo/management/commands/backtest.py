import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from demo import setup, simulate
from market.trading import backtest_portfolio as bt
from vpp.errors import ApplicationError

from .demo_setup import bar


class Command(BaseCommand):
    help = (
        "Backtest the portfolio's flexibility over past market days against the same fleet "
        "without it, at the cleared day-ahead prices; prints per-site and total figures, "
        "saves them for the /trading/backtest/ page and optionally as CSV. Days whose prices "
        "are not cleared yet are cleared first (the exchange's seeded scenario)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--first-day", type=date.fromisoformat, default=None)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--mode", choices=bt.MODES, default="perfect")
        parser.add_argument("--csv", default="", help="also write the figures to this CSV file")
        parser.add_argument("--sites", default="", help="comma-separated site codes (default all)")

    def handle(self, *args, **options):
        days = options["days"]
        first = options["first_day"] or setup.DEMO_START_DAY - timedelta(days=days)
        last = first + timedelta(days=days - 1)
        need_from = first - timedelta(days=1) if options["mode"] == "naive" else first
        if not bt.cleared_prices(need_from) or not bt.cleared_prices(last):
            self.stdout.write(f"Clearing day-ahead markets {need_from} .. {last} first:")
            simulate.simulate_history(
                need_from, last, progress=lambda k, n, day: bar(k, n, f"cleared {day}")
            )
        started = time.perf_counter()
        codes = [c for c in options["sites"].split(",") if c]
        try:
            report = bt.run_backtest(
                first_day=first, days=days, mode=options["mode"], site_codes=codes or None
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        elapsed = time.perf_counter() - started
        path = bt.save(report)
        data = report.as_dict()
        self.stdout.write(
            f"Backtest {data['first_day']} .. {data['last_day']}, mode {data['mode']}, "
            f"seed {data['seed']}, {len(data['sites'])} sites:"
        )
        head = f"  {'site':<14}{'usual cost':>14}{'flex cost':>14}{'saving':>12}"
        self.stdout.write(head + f"{'revenue*':>12}{'CO2 saved t':>13}")
        for row in [*data["sites"], data["total"]]:
            self.stdout.write(
                f"  {row['site_code']:<14}{row['usual_cost']:>14}{row['energy_cost']:>14}"
                f"{row['saving']:>12}{row['reduction_revenue']:>12}{row['carbon_saved_t']:>13}"
            )
        self.stdout.write("  * revenue: reductions sold at the cleared price (not in the cost)")
        self.stdout.write(
            f"Timing: {elapsed:.1f} s for {days} days ({elapsed / days:.2f} s a day; "
            f"solver {data['solve_seconds']} s). Saved {path}"
        )
        if options["csv"]:
            with open(options["csv"], "w", newline="") as fh:
                fh.write(bt.to_csv(report))
            self.stdout.write(f"CSV written to {options['csv']}")
