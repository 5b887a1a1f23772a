"""Counts of what the randomized tests exercised, summed over a pytest session.

The conftest prints them at the end of the run and stores them in pytest's cache
(.pytest_cache/v/reliability/coverage), so a long run can be reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    graphs: Counter = field(default_factory=Counter)  # per test: graphs checked
    ops: Counter = field(default_factory=Counter)  # per test: generated ops in them
    steps: Counter = field(default_factory=Counter)  # generated ops, by name
    primitives: Counter = field(default_factory=Counter)  # engine primitives in forward graphs
    second_order: Counter = field(default_factory=Counter)  # primitives in backward graphs

    def record(self, test: str, steps: Counter, primitives: Counter,
               second_order: Counter | None = None) -> None:
        self.graphs[test] += 1
        self.ops[test] += sum(steps.values())
        self.steps.update(steps)
        self.primitives.update(primitives)
        if second_order:
            self.second_order.update(second_order)

    def empty(self) -> bool:
        return not self.graphs

    def as_dict(self) -> dict:
        return {
            "graphs": dict(self.graphs),
            "ops_by_test": dict(self.ops),
            "graphs_total": sum(self.graphs.values()),
            "ops_total": sum(self.steps.values()),
            "ops": dict(sorted(self.steps.items())),
            "primitives_forward": dict(sorted(self.primitives.items())),
            "primitives_second_order": dict(sorted(self.second_order.items())),
        }

    def summary_lines(self, registry: list[str]) -> list[str]:
        lines = [f"{name}: {n} graphs, {self.ops[name]} ops"
                 for name, n in sorted(self.graphs.items())]
        lines.append(
            f"total: {sum(self.graphs.values())} graphs, {sum(self.steps.values())} ops "
            f"({len(self.steps)} kinds); {sum(self.primitives.values())} engine primitives "
            f"recorded forward, {sum(self.second_order.values())} in second-order graphs"
        )
        seen = set(self.primitives) | set(self.second_order)
        missing = [r for r in registry if r not in seen]
        lines.append(f"registry primitives exercised: {len(seen & set(registry))}/{len(registry)}"
                     + (f" (not reached: {', '.join(missing)})" if missing else ""))
        return lines


TALLY = Tally()
