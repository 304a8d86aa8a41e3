"""Plotly figures embedded without an inline script, so every page runs under the
Content-Security-Policy with no ``'unsafe-inline'`` for scripts.

:func:`embed` answers a ``<div>`` carrying the figure as JSON in ``data-figure``; the site's
``static/js/app.js`` draws every such div with the locally served ``plotly.min.js``. The JSON is
Plotly's own encoding (numpy arrays, datetimes) and sits in an HTML-escaped attribute, so a site
name like ``</script>`` is text, never markup.
"""

from __future__ import annotations

import json
import uuid

import plotly.io as pio
from django.utils.html import format_html


def embed(fig, *, div_id: str | None = None, config: dict | None = None) -> str:
    return format_html(
        '<div id="{}" class="plotly-graph-div vpp-chart" data-figure="{}" data-config="{}"'
        ' style="width:100%;"></div>',
        div_id or f"chart-{uuid.uuid4().hex[:12]}",
        pio.to_json(fig, validate=False),
        json.dumps(config or {}),
    )
