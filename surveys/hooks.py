"""What the surveys announce to the layers above (SPEC §18); each receiver is registered
in its app's ``AppConfig.ready()``.

- ``survey_name_check(name=, survey=)``: a receiver raises ``ValidationError`` when the
  name cannot be the survey's (the engine: another bot has it);
- ``survey_changed(survey=)``: inside the survey's transaction, before it is saved; the
  engine keeps the survey's bot (SPEC §5.1) in step and sets ``survey.bot``;
- ``answer_recorded(response)``: in the answer's transaction once a new answer is
  stored; the reports add CSAT/NPS figures to their rollups.
"""

from __future__ import annotations

from core.hooks import Hook

answer_recorded = Hook("surveys.answer_recorded")
survey_name_check = Hook("surveys.survey_name_check")
survey_changed = Hook("surveys.survey_changed")
