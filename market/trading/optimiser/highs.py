"""A thin driver that hands a PuLP problem to HiGHS once and then works on it in place.

PuLP's own HiGHS adapter rebuilds the solver model row by row on every ``solve`` and cannot
pass a starting solution. The solve pipeline (``solve.py``) needs both: it solves the LP
relaxation, fixes the integer variables to a rounded choice, re-solves the LP, and hands that
schedule to the MIP as its incumbent. This class copies the problem into ``highspy`` in bulk
(numpy arrays), changes bounds and integrality in place, and writes the values back to the
PuLP variables (``var.varValue``) so the schedule is read from the PuLP model as before.

Objective values here include the objective's constant (the rebound value of all deferrable
work, which the variable part then earns back), so they equal ``Schedule.objective.total`` and a
relative gap is measured against the whole cost of the horizon, as solvers do when given the
constant. (PuLP's adapter leaves the constant out; against the variable part alone the same
absolute gap reads about 1.5 times larger on the benchmark.)
"""

from __future__ import annotations

import highspy
import numpy as np
import pulp

INF = highspy.kHighsInf


class HighsProblem:
    """One PuLP problem inside one ``highspy.Highs``; ``columns[i]`` is the PuLP variable of
    column ``i``."""

    def __init__(self, prob: pulp.LpProblem, *, threads: int | None, options: dict):
        self.prob = prob
        self.columns = prob.variables()
        index = {v.name: i for i, v in enumerate(self.columns)}
        n = len(self.columns)
        cost = np.zeros(n)
        for v, a in prob.objective.items():
            cost[index[v.name]] = a
        lower = np.array([-INF if v.lowBound is None else v.lowBound for v in self.columns])
        upper = np.array([INF if v.upBound is None else v.upBound for v in self.columns])
        self.integer = np.array(
            [i for i, v in enumerate(self.columns) if v.cat == pulp.LpInteger], dtype=np.int32
        )
        self.lower, self.upper = lower, upper
        starts, indices, values, row_lo, row_up = [0], [], [], [], []
        for c in prob.constraints.values():
            for v, a in c.items():
                if a:
                    indices.append(index[v.name])
                    values.append(a)
            starts.append(len(indices))
            lb, ub = c.getLb(), c.getUb()
            row_lo.append(-INF if lb is None else lb)
            row_up.append(INF if ub is None else ub)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if threads:
            h.setOptionValue("threads", threads)
        for key, value in options.items():
            h.setOptionValue(key, value)
        h.addCols(n, cost, lower, upper, 0, np.array([], np.int32), np.array([], np.int32), [])
        h.changeObjectiveOffset(float(prob.objective.constant))
        h.addRows(
            len(row_lo),
            np.array(row_lo),
            np.array(row_up),
            len(indices),
            np.array(starts[:-1], dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )
        self.h = h
        self.index = index

    # -- the three kinds of solve -------------------------------------------------------------

    def _integrality(self, integer: bool) -> None:
        if not len(self.integer):
            return
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        flags = np.full(len(self.integer), int(kind), dtype=np.uint8)
        self.h.changeColsIntegrality(len(self.integer), self.integer, flags)

    def _bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(cols):
            self.h.changeColsBounds(len(cols), cols, lower, upper)

    def _run(self, time_limit_s: float) -> bool:
        """Run; True when a feasible primal solution is at hand."""
        self.h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
        self.h.run()
        return self.h.getInfo().primal_solution_status == 2

    def relaxation(self, time_limit_s: float) -> float | None:
        """Solve the LP relaxation; its objective (a lower bound of the MIP) or None."""
        self._integrality(False)
        self._bounds(self.integer, self.lower[self.integer], self.upper[self.integer])
        if not self._run(time_limit_s) or not self.optimal:
            return None
        return self.objective

    def partly_fixed(self, fix: dict[int, float], time_limit_s: float) -> float | None:
        """The LP relaxation with the columns of ``fix`` fixed; its objective or None."""
        self._integrality(False)
        self._bounds(self.integer, self.lower[self.integer], self.upper[self.integer])
        cols = np.array(list(fix), dtype=np.int32)
        values = np.array(list(fix.values()), dtype=np.float64)
        self._bounds(cols, values, values)
        if not self._run(time_limit_s) or not self.optimal:
            return None
        return self.objective

    def fixed(self, fix: dict[int, float], time_limit_s: float) -> float | None:
        """Solve the LP with the integer columns fixed to ``fix[col]`` (every integer column must
        be listed); its objective or None when that choice is infeasible."""
        self._integrality(False)
        values = np.array([fix[int(i)] for i in self.integer])
        self._bounds(self.integer, values, values)
        if not self._run(time_limit_s) or not self.optimal:
            return None
        return self.objective

    def mip(
        self,
        *,
        gap: float,
        time_limit_s: float,
        start: np.ndarray | None = None,
        fix: dict[int, float] | None = None,
    ) -> bool:
        """Branch and bound from ``start`` (a full column vector), within ``gap`` and the limit,
        with the columns of ``fix`` fixed."""
        self._integrality(True)
        self._bounds(self.integer, self.lower[self.integer], self.upper[self.integer])
        if fix:
            cols = np.array(list(fix), dtype=np.int32)
            values = np.array(list(fix.values()), dtype=np.float64)
            self._bounds(cols, values, values)
        self.h.setOptionValue("mip_rel_gap", gap)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            self.h.setSolution(solution)
        return self._run(time_limit_s)

    # -- results -------------------------------------------------------------------------------

    @property
    def optimal(self) -> bool:
        return self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal

    @property
    def objective(self) -> float:
        return self.h.getInfo().objective_function_value

    @property
    def dual_bound(self) -> float:
        return self.h.getInfo().mip_dual_bound

    def values(self) -> np.ndarray:
        return np.array(self.h.getSolution().col_value)

    def write_back(self, values: np.ndarray) -> None:
        """Set every PuLP variable's ``varValue`` from a column vector."""
        for v, x in zip(self.columns, values.tolist(), strict=True):
            v.varValue = x

    def col(self, var: pulp.LpVariable) -> int:
        return self.index[var.name]
