#!/usr/bin/env python
"""Benchmark the exchange's clearing engine (wrapper of ``manage.py bench_exchange``).

.venv/bin/python bench/exchange.py [--nodes 50 --generators 500 --intervals 96 --repeat 3]
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "bench_exchange", *sys.argv[1:]])
