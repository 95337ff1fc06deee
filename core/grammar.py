"""The admin's success messages in the grammatical gender of each model's noun.

Django's catalogue writes every model in the masculine ("O pesquisa de satisfação … foi
adicionado"). A noun's gender belongs to the language, not to the model, so the translator
declares it next to the noun: ``pgettext("grammatical gender", "satisfaction survey")`` is
``"feminine"`` in the pt-BR catalogue. English (and any untranslated noun) reads masculine,
which is also the neutral form of the Portuguese messages. Keyed by the noun's English
words, so a model keeps its gender when it moves between apps, third-party models included.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import npgettext, pgettext

FEMININE = "feminine"
MASCULINE = "masculine"
GENDER_CONTEXT = "grammatical gender"


def english_noun(model: type[models.Model]) -> str:
    """The model's ``verbose_name`` as written in the code (its msgid)."""
    with translation.override("en"):
        return str(model._meta.verbose_name)


def noun_gender(model: type[models.Model]) -> str:
    """``"feminine"`` or ``"masculine"``: the gender of the model's noun in the active language."""
    declared = pgettext(GENDER_CONTEXT, english_noun(model))
    return FEMININE if declared == FEMININE else MASCULINE


def declares_gender(model: type[models.Model]) -> bool:
    """Whether the active language's catalogue names the gender of the model's noun."""
    return pgettext(GENDER_CONTEXT, english_noun(model)) in (FEMININE, MASCULINE)


def saved_message(model: type[models.Model], *, added: bool, then: str | None) -> str:
    """The template of the message after a save, with ``{name}`` and ``{obj}`` to format
    (as Django's own). ``then`` is ``"edit"`` ("you may edit it again below"), ``"add"``
    ("you may add another … below") or ``None``."""
    if noun_gender(model) == FEMININE:
        message = (
            pgettext(FEMININE, "The {name} “{obj}” was added successfully.")
            if added
            else pgettext(FEMININE, "The {name} “{obj}” was changed successfully.")
        )
        if then == "edit":
            message += " " + pgettext(FEMININE, "You may edit it again below.")
        elif then == "add":
            message += " " + pgettext(FEMININE, "You may add another {name} below.")
        return message
    message = (
        pgettext(MASCULINE, "The {name} “{obj}” was added successfully.")
        if added
        else pgettext(MASCULINE, "The {name} “{obj}” was changed successfully.")
    )
    if then == "edit":
        message += " " + pgettext(MASCULINE, "You may edit it again below.")
    elif then == "add":
        message += " " + pgettext(MASCULINE, "You may add another {name} below.")
    return message


def status_message(model: type[models.Model], *, count: int, active: bool) -> str:
    """ "3 pesquisas de satisfação ativadas." — the result of the activate/deactivate actions."""
    opts = model._meta
    # The noun follows the language's plural rule, as the verb does (pt-BR: "0 pesquisa … ativada").
    singular = npgettext("plural rule", "singular", "plural", count) == "singular"
    name = opts.verbose_name if singular else opts.verbose_name_plural
    if noun_gender(model) == FEMININE:
        message = (
            npgettext(FEMININE, "%(count)d %(name)s activated.", "%(count)d %(name)s activated.", count)
            if active
            else npgettext(FEMININE, "%(count)d %(name)s deactivated.", "%(count)d %(name)s deactivated.", count)
        )
    else:
        message = (
            npgettext(MASCULINE, "%(count)d %(name)s activated.", "%(count)d %(name)s activated.", count)
            if active
            else npgettext(MASCULINE, "%(count)d %(name)s deactivated.", "%(count)d %(name)s deactivated.", count)
        )
    return message % {"count": count, "name": name}
