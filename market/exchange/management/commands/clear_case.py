"""Clear a JSON case file (format: market/exchange/casefile.py, docs/exchange.md) and print
prices, flows, dispatch and awards. Touches no database."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from vpp.errors import ApplicationError

from ...casefile import load_case, outcome_to_dict
from ...clearing import clear
from ...clearing.model import ClearingError


class Command(BaseCommand):
    help = "Clear a case file and print prices per node and interval and awards per bid segment."

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON case file")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")

    def handle(self, *args, path, **options):
        try:
            case = load_case(path)
            outcome = clear(case)
        except (ApplicationError, ClearingError, OSError, ValueError) as exc:
            field = getattr(exc, "field", None)
            raise CommandError(f"{field + ': ' if field else ''}{exc}") from exc
        result = outcome_to_dict(case, outcome)
        if options["json"]:
            self.stdout.write(_dumps(result))
            return
        w = self.stdout.write
        w(f"solver {result['solver']}, build {result['build_seconds']} s, "
          f"solve {result['solve_seconds']} s, objective {result['objective']}")  # fmt: skip
        w("prices (per MWh), one column per interval:")
        for node, prices in result["prices_per_mwh"].items():
            w(f"  {node:<12} " + " ".join(f"{p:>9.2f}" for p in prices))
        w("line flows (MW, * = at limit):")
        for code, flows in result["flows_mw"].items():
            cells = " ".join(f"{f['flow_mw']:>9.2f}{'*' if f['congested'] else ' '}" for f in flows)
            w(f"  {code:<12} {cells}")
        w("awards (MW):")
        for key, mw in result["awards_mw"].items():
            w(f"  {key:<40} {mw:>9.3f}")
        unserved = sum(sum(v) for v in result["unserved_mw"].values())
        if unserved:
            w(f"unserved load: {unserved:.3f} MW-intervals (priced at the cap)")


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
