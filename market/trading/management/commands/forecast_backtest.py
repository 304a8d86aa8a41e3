import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from market.trading import forecasting
from market.trading.forecast.backtest import ALL_NODES
from vpp import clock
from vpp.intervals import market_day_of


def _num(value, fmt: str = ".1f") -> str:
    return "-" if value is None else format(value, fmt)


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.0f} %"


class Command(BaseCommand):
    help = (
        "Rolling-origin backtest of the price models on the exchange's published day-ahead "
        "prices: for each day every model is refitted on what was known before it. Prints MAE, "
        "RMSE, skill against yesterday's and last week's prices per node and the 10-90 % "
        "band's coverage; saves the scores for /api/trading/backtest/ and /trading/backtest/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--last-day",
            type=date.fromisoformat,
            default=None,
            help="last market day scored (default: yesterday on the market clock)",
        )
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--no-save", action="store_true", help="print only")

    def handle(self, *args, **options):
        last = options["last_day"] or market_day_of(clock.now()) - timedelta(days=1)
        days = options["days"]
        if not 1 <= days <= 60:
            raise CommandError("--days: between 1 and 60")
        started = time.perf_counter()

        def progress(done, total):
            self.stdout.write(f"\r  {done}/{total} days", ending="")
            self.stdout.flush()

        result = forecasting.run_backtest(last_day=last, days=days, progress=progress)
        self.stdout.write("")
        elapsed = time.perf_counter() - started
        if not any(s.count for s in result.scores):
            raise CommandError(f"no published day-ahead prices in {result.days[0]} .. {last}")
        refs = sorted(next(iter(result.scores)).skills)
        self.stdout.write(
            f"Forecast backtest {result.days[0]} .. {result.days[-1]} ({days} days, rolling "
            f"origin), day-ahead prices CNY/MWh; skill = 1 - MAE / MAE of the reference"
        )
        head = f"  {'model':<20}{'node':<10}{'MAE':>8}{'RMSE':>8}"
        head += "".join(f"{'skill ' + _short(r):>20}" for r in refs)
        self.stdout.write(head + f"{'10-90 %':>9}{'on edge':>9}{'25-75 %':>9}")
        for model in result.models:
            for node in [*result.nodes, ALL_NODES]:
                s = result.score(model, node)
                line = f"  {model:<20}{'all' if node == ALL_NODES else node:<10}"
                line += f"{_num(s.mae):>8}{_num(s.rmse):>8}"
                line += "".join(f"{_num(s.skills.get(r), '+.3f'):>20}" for r in refs)
                line += f"{_pct(s.coverage_80):>9}{_pct(s.edge_80):>9}{_pct(s.coverage_50):>9}"
                self.stdout.write(line)
        self.stdout.write(
            "  coverage: share of outcomes inside the band, one on an edge counting half (cleared "
            "prices sit on price steps); 'on edge': the share on a 10-90 % edge"
        )
        self.stdout.write(f"Timing: {elapsed:.1f} s ({elapsed / days:.1f} s a day).")
        if not options["no_save"]:
            saved = forecasting.backtest_save(result)
            self.stdout.write(f"Saved as forecast backtest #{saved.pk}.")


def _short(name: str) -> str:
    return {"seasonal_naive": "vs yesterday", "seasonal_naive_7d": "vs last week"}.get(name, name)
