"""Distribution strategies ("Gestão de fila", SPEC §4.5, §8.3).

A strategy owns everything about itself: its key (the group's ``distribution_strategy``
value), label and help text, whether it needs today's figures, the figure it compares
(shown in "por que este agente?") and how it ranks. Strategies take plain data
(``Candidate`` rows) so the worker, the benchmark and the tests call them alike. Adding
one is one class here plus its choice value in ``models.DistributionStrategy``.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from operator import attrgetter

from django.utils.translation import gettext_lazy as _

from .models import DistributionStrategy


@dataclass
class Candidate:
    """An eligible agent with the figures the strategies compare."""

    id: int
    name: str
    priority: int
    capacity: int  # free slots now
    handled_seconds: float = 0.0  # today, closed plus ongoing
    assigned_today: int = 0


_by_id = attrgetter("id")


def rotation(candidates: list[Candidate], last_agent_id: int | None) -> list[Candidate]:
    """Agents by id, starting after the last one served, wrapping."""
    ordered = sorted(candidates, key=_by_id)  # linear when already in id order (the eligible-agents query's)
    if last_agent_id is None:
        return ordered
    split = bisect_right(ordered, last_agent_id, key=_by_id)
    return ordered[split:] + ordered[:split]


class Strategy:
    key: str
    help_text = ""
    needs_today = False  # whether ``Candidate.handled_seconds`` / ``assigned_today`` must be loaded

    @property
    def label(self) -> str:
        return DistributionStrategy(self.key).label

    def figure(self, candidate: Candidate):
        """What this strategy compares, for the assignment's "why" record (None: nothing)."""
        return None

    def rank(self, candidates: list[Candidate], last_agent_id: int | None) -> list[Candidate]:
        """Candidates in order of preference (the first with free capacity is chosen)."""
        raise NotImplementedError


class Circular(Strategy):
    key = DistributionStrategy.CIRCULAR
    help_text = _("Agents receive in turn, one after the other, in a fixed order.")

    def rank(self, candidates, last_agent_id):
        return rotation(candidates, last_agent_id)


class Random(Strategy):
    key = DistributionStrategy.RANDOM
    help_text = _("Any available agent, chosen at random.")

    def rank(self, candidates, last_agent_id):
        shuffled = list(candidates)
        random.shuffle(shuffled)
        return shuffled


class AgentPriority(Strategy):
    """Highest priority first; agents of equal priority take turns (circular)."""

    key = DistributionStrategy.AGENT_PRIORITY
    help_text = _("The available agent with the highest priority receives first.")

    def figure(self, candidate):
        return candidate.priority

    def rank(self, candidates, last_agent_id):
        ranked = []
        for priority in sorted({c.priority for c in candidates}, reverse=True):
            ranked += rotation([c for c in candidates if c.priority == priority], last_agent_id)
        return ranked


class _LeastOfToday(Strategy):
    """The smallest figure of today first; ties take turns from the last agent served."""

    needs_today = True

    def rank(self, candidates, last_agent_id):
        order = {c.id: index for index, c in enumerate(rotation(candidates, last_agent_id))}
        return sorted(candidates, key=lambda c: (self.figure(c), order[c.id]))


class LeastHandlingTime(_LeastOfToday):
    key = DistributionStrategy.LEAST_HANDLING_TIME
    help_text = _("The agent with the least total handling time today receives.")

    def figure(self, candidate):
        return round(candidate.handled_seconds)


class LeastAttendances(_LeastOfToday):
    key = DistributionStrategy.LEAST_ATTENDANCES
    help_text = _("The agent with the fewest attendances today receives.")

    def figure(self, candidate):
        return candidate.assigned_today


STRATEGIES: dict[str, Strategy] = {
    s.key: s() for s in (Circular, Random, AgentPriority, LeastHandlingTime, LeastAttendances)
}
STRATEGY_HELP = {key: strategy.help_text for key, strategy in STRATEGIES.items()}


@dataclass
class Choice:
    agent: Candidate
    reason: dict = field(default_factory=dict)


def choose(
    strategy: Strategy, candidates: list[Candidate], last_agent_id: int | None, wallet_agent_id=None,
    skip_agent_id: int | None = None,
) -> Choice | None:  # fmt: skip
    """The agent for one attendance, and why (the "por que este agente?" record). The
    customer's wallet agent comes first when eligible with a free slot. ``skip_agent_id``:
    the agent who transferred it away, never handed it back (SPEC §7.1)."""
    free = [c for c in candidates if c.capacity > 0 and c.id != skip_agent_id]
    if not free:
        return None
    ranked = strategy.rank(free, last_agent_id)
    wallet = next((c for c in free if c.id == wallet_agent_id), None)
    chosen = wallet or ranked[0]
    figure = strategy.figure
    reason = {
        "strategy": strategy.key,
        "wallet_agent": wallet is not None,
        "candidates": [
            {"agent": c.id, "name": c.name, "position": position, "figure": figure(c), "free_slots": c.capacity}
            for position, c in enumerate(ranked, 1)
        ],
        "chosen": chosen.id,
    }
    return Choice(chosen, reason)
