"""Regression baseline: ordinary least squares of load on time of day and temperature.

For an interval t with local hour h(t) and outdoor temperature T(t) (when temperatures are given):

    load(t) = sum_h alpha_h * [h(t) = h] + beta * T(t) + gamma * max(T(t) - T0, 0)

fitted on every interval of the used days by solving the normal equations
``(X'X + lambda I) theta = X'y`` (``lambda`` = ``regression_ridge``, tiny, only so an hour with no
data or a cooling term that never switches on does not make the system singular), then evaluated
on the target day's intervals. Without temperatures only the hour terms remain: the baseline is
then the mean load of each local hour over the used days.
"""

from __future__ import annotations

from datetime import date, datetime

from .calendar import local_day_and_slot
from .engine import BaselineError, BaselineInput, _Days
from .params import BaselineParams


def _features(inp: BaselineInput, params: BaselineParams, t: datetime) -> list[float]:
    hour = local_day_and_slot(t, inp.zone)[1] // 60
    row = [1.0 if h == hour else 0.0 for h in range(24)]
    if inp.temperatures_c is not None:
        if t not in inp.temperatures_c:
            raise BaselineError(f"no temperature for {t.isoformat()}", field="temperature_c")
        temp = float(inp.temperatures_c[t])
        row += [temp, max(temp - params.regression_threshold_c, 0.0)]
    return row


def solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the system is small: 24-26 unknowns)."""
    n = len(rhs)
    a = [row[:] + [rhs[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            raise BaselineError("the regression is singular: not enough varied data")
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            if f:
                for c in range(col, n + 1):
                    a[r][c] -= f * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def fit(inp: BaselineInput, params: BaselineParams, used: list[date]) -> list[float]:
    used_set = set(used)
    rows, ys = [], []
    for t, load in sorted(inp.loads_mw.items()):
        if local_day_and_slot(t, inp.zone)[0] in used_set:
            rows.append(_features(inp, params, t))
            ys.append(float(load))
    k = len(rows[0])
    xtx = [[sum(r[i] * r[j] for r in rows) for j in range(k)] for i in range(k)]
    for i in range(k):
        xtx[i][i] += params.regression_ridge
    xty = [sum(r[i] * y for r, y in zip(rows, ys, strict=True)) for i in range(k)]
    return solve(xtx, xty)


def regression_baseline(
    inp: BaselineInput,
    params: BaselineParams,
    days: _Days,
    used: list[date],
    starts: list[datetime],
) -> list[float]:
    theta = fit(inp, params, used)
    return [
        sum(c * x for c, x in zip(theta, _features(inp, params, t), strict=True)) for t in starts
    ]
