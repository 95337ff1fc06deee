"""Survey answers into the rollups: registered into ``surveys.hooks.answer_recorded``,
called by ``surveys.services.response_record`` in the answer's transaction. Every other
fact comes from the engine's transitions (``attendance.facts.facts_recorded``)."""

from __future__ import annotations

from .rollups import fact_answer, rollup_record


def rollup_answer(response) -> None:
    if response.group_id is None:
        return
    fact = fact_answer(at=response.answered_at, group_id=response.group_id, agent_id=response.agent_id,
                       type_=response.question.type, satisfied=response.satisfied, score=response.score)  # fmt: skip
    if fact is not None:
        rollup_record([fact])
