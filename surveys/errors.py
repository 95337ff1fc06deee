from django.utils.translation import gettext_lazy as _

from core import text

SURVEY_NEEDS_QUESTION = _("A survey needs at least one question.")
QUESTION_BAD_TYPE = _("Question %(index)d: the type must be open, csat or nps.")
QUESTION_NO_TEXT = _("Question %(index)d: the text is required.")
QUESTION_TOO_LONG = _("Question %(index)d: the text has more than %(limit)d characters.")
OPTION_TOO_LONG = _("Question %(index)d: each option has at most %(limit)d characters.")
CSAT_NEEDS_OPTIONS = _("Question %(index)d: a CSAT question needs at least two options.")
CSAT_NEEDS_SATISFIED = _("Question %(index)d: mark at least one option as satisfied.")
CSAT_DUPLICATE_OPTION = _("Question %(index)d: the options must be different.")
OPTIONS_ONLY_CSAT = _("Question %(index)d: only CSAT questions have options.")
NAME_USED_BY_BOT = _("A bot named %(name)s already exists; choose another name.")
NAME_NORMALISED = text.NAME_NORMALISED
BAD_CLOSER = _("Choose among bot, agent and supervisor_agent.")
NPS_ANSWER = _("Answer with a number from 0 to 10.")
CSAT_ANSWER = _("Answer with one of the options: %(options)s.")
