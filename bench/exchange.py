#!/usr/bin/env python
"""Benchmark the exchange's clearing engine (wrapper of ``manage.py bench_exchange``).

.venv/bin/python bench/exchange.py [--repeat 3] [--no-store] [--db bench_exchange]
                                   [--nodes 50 --generators 500 --intervals 96]

Prints IEEE 118 and 300 x 96 intervals beside pandapower's DC-OPF on the same case, the default
market and the large synthetic case, then (unless ``--no-store``) a 118-bus day cleared through
the services into a PostgreSQL database of its own (``--db``, dropped and created again, so the
development and test databases are never touched).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    args = sys.argv[1:]
    store = "--no-store" not in args
    args = [a for a in args if a != "--no-store"]
    db = "bench_exchange"
    if "--db" in args:
        i = args.index("--db")
        db = args[i + 1]
        del args[i : i + 2]
    if store:
        from settlement_pipeline import prepare_database

        prepare_database(db)  # sets DATABASE_URL and the settings, migrates
        args.append("--store")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "bench_exchange", *args])
