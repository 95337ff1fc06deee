"""Configuration writes: bots and service groups (SPEC §3, §4)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.scoping import keep_hidden
from surveys import errors as survey_errors
from users.models import AGENT_ROLES, User

from . import errors
from .bot_scope import groups_using_bot_across_operations
from .channels import channel_credentials_apply, channel_validate
from .menus import normalize_menu
from .models import Attendance, Bot, BotKind, Channel, ServiceGroup, Status

# Bots --------------------------------------------------------------------------------


def bot_validate(*, bot: Bot) -> None:
    """Kind rules and the menu tree; normalises ``bot.menu`` in place."""
    if bot.kind == BotKind.SERVICE:
        if not bot.menu:
            raise ValidationError({"menu": [errors.MENU_REQUIRED]})
        active = ServiceGroup.objects.filter(is_active=True).values_list("pk", flat=True)
        try:
            bot.menu = normalize_menu(bot.menu, active_group_ids=active)
        except ValidationError as error:
            raise ValidationError({"menu": error.messages}) from None
        crossing = groups_using_bot_across_operations(bot=bot)
        if crossing:
            names = ", ".join(group.name for group in crossing)
            raise ValidationError({"menu": [errors.BOT_USED_ACROSS_OPERATIONS % {"groups": names}]})
    elif bot.menu:
        raise ValidationError({"menu": [errors.MENU_ONLY_FOR_SERVICE]})
    else:
        bot.menu = None


@transaction.atomic
def bot_save(*, bot: Bot, for_survey: bool = False) -> Bot:
    """Create or update a bot. Survey bots are written only by their survey's service
    (``for_survey``), which keeps their name and status in step with it."""
    if bot.kind == BotKind.SURVEY and not for_survey:
        raise ValidationError({"kind": [errors.SURVEY_BOT_MANAGED]})
    bot_validate(bot=bot)
    bot.full_clean()
    bot.save()
    return bot


def survey_name_check(*, name: str, survey) -> None:
    """A survey's name is its bot's: no other bot may have it (``surveys.hooks``)."""
    if Bot.objects.filter(name=name).exclude(pk=survey.bot_id).exists():
        raise ValidationError(survey_errors.NAME_USED_BY_BOT % {"name": name})


def survey_bot_sync(*, survey) -> None:
    """Keeps the survey's bot (kind survey) named and (in)active like the survey, creating
    it with the survey; called in the survey's transaction (``surveys.hooks``)."""
    bot = survey.bot
    if Bot.objects.filter(name=survey.name).exclude(pk=getattr(bot, "pk", None)).exists():
        raise ValidationError({"name": [survey_errors.NAME_USED_BY_BOT % {"name": survey.name}]})
    if bot is None:
        bot = Bot(kind=BotKind.SURVEY)
    if bot.pk is None or bot.name != survey.name or bot.is_active != survey.is_active:
        bot.name = survey.name
        bot.is_active = survey.is_active
        bot_save(bot=bot, for_survey=True)
    survey.bot = bot


def bot_set_active(*, bot: Bot, active: bool, actor=None) -> Bot:
    """(De)activate a bot; survey bots follow their survey instead."""
    bot.is_active = active
    return bot_save(bot=bot)


# Groups ------------------------------------------------------------------------------


def group_validate_relations(
    *, group: ServiceGroup, agents: Iterable | None, transfer_targets: Iterable | None
) -> None:
    """Rules on the group's many-to-many choices."""
    problems: dict[str, list] = {}
    if agents is None and group.pk is not None and _operation_changed(group):
        # Moving a group to another operation: its current agents must belong there too.
        outsiders = group_agents_outside_operation(group=group, agents=list(group.agents.all()))
        if outsiders:
            problems.setdefault("operation", []).append(
                errors.AGENTS_OTHER_OPERATION % {"operation": group.operation, "names": ", ".join(outsiders)}
            )
    if agents is not None:
        agents = list(agents)
        outsiders = group_agents_outside_operation(group=group, agents=agents)
        if outsiders:
            problems.setdefault("agents", []).append(
                errors.AGENTS_OTHER_OPERATION % {"operation": group.operation, "names": ", ".join(outsiders)}
            )
        not_agents = [str(user) for user in agents if user.role not in AGENT_ROLES]
        inactive = [str(user) for user in agents if not user.is_active]
        if not_agents:
            problems.setdefault("agents", []).append(errors.ONLY_AGENTS % {"names": ", ".join(not_agents)})
        if inactive:
            previous = set(group.agents.values_list("pk", flat=True)) if group.pk else set()
            newly = [str(user) for user in agents if not user.is_active and user.pk not in previous]
            if newly:
                problems.setdefault("agents", []).append(errors.INACTIVE_AGENTS % {"names": ", ".join(newly)})
    targets = list(transfer_targets) if transfer_targets is not None else []
    if group.pk is not None and any(target.pk == group.pk for target in targets):
        problems.setdefault("transfer_targets", []).append(errors.TRANSFER_TO_ITSELF)
    if problems:
        raise ValidationError(problems)


def _operation_changed(group: ServiceGroup) -> bool:
    stored = ServiceGroup.objects.filter(pk=group.pk).values_list("operation_id", flat=True).first()
    return stored is not None and stored != group.operation_id


def group_agents_outside_operation(*, group: ServiceGroup, agents: list) -> list[str]:
    """Names of the ``agents`` of other operations than the group's (SPEC §4.8: "one of
    another operation is refused"; routing never crosses operations). An agent not yet
    placed in any operation is nobody else's and may be associated. One rule for the admin
    form and the API serializer."""
    if group.operation_id is None or not agents:
        return []
    memberships: dict[int, set[int]] = {}
    rows = User.operations.through.objects.filter(user_id__in=[agent.pk for agent in agents])
    for user_id, operation_id in rows.values_list("user_id", "operation_id"):
        memberships.setdefault(user_id, set()).add(operation_id)
    return [
        str(agent) for agent in agents if memberships.get(agent.pk) and group.operation_id not in memberships[agent.pk]
    ]


@transaction.atomic
def group_save(
    *,
    group: ServiceGroup,
    agents: Iterable | None = None,
    transfer_targets: Iterable | None = None,
    actor=None,
) -> ServiceGroup:
    """Create or update a group with its agents and transfer targets (``None`` = unchanged).

    A supervisor only sees agents and groups of their operations: the ones they cannot see
    stay associated (``core.scoping.keep_hidden``)."""
    group.normalise_dependents()
    group.full_clean()
    group_validate_relations(group=group, agents=agents, transfer_targets=transfer_targets)
    existing = group.pk is not None
    group.save()
    if existing:
        timers_group_changed(group_id=group.pk)  # new settings apply to open attendances from now on
    if agents is not None:
        group.agents.set(keep_hidden(actor=actor, current=group.agents.all(), chosen=agents))
    if transfer_targets is not None:
        group.transfer_targets.set(
            keep_hidden(actor=actor, current=group.transfer_targets.all(), chosen=transfer_targets)
        )
    return group


@transaction.atomic
def group_set_active(*, group: ServiceGroup, active: bool, actor=None) -> ServiceGroup:
    """(De)activate a group; its open attendances' timers are re-evaluated from now on."""
    group.is_active = active
    group.save(update_fields=["is_active"])
    timers_group_changed(group_id=group.pk)
    return group


def timers_group_changed(*, group_id: int) -> int:
    """Settings changed: the timer sweep re-evaluates the group's open attendances now
    (``attendance/timers.py``), so new settings apply from then on."""
    return (
        Attendance.objects.filter(group_id=group_id).exclude(status=Status.CLOSED).update(timer_due_at=timezone.now())
    )


# Channels ------------------------------------------------------------------------------


@transaction.atomic
def channel_save(*, channel: Channel, credentials: dict | None = None) -> str | None:
    """Create or update a channel. A new channel gets its token, returned in clear this
    once (only its hash is stored): the caller shows it to the person who created it.

    ``credentials``: the provider's write-only fields; an empty one keeps the stored
    value (attendance/channels.py). The provider must serve the network and have all
    its credentials. A new channel also gets its webhook signing secret (SPEC §8.2.2),
    shown once as ``channel._new_webhook_secret``."""
    channel_credentials_apply(channel=channel, credentials=credentials or {})
    channel_validate(channel=channel)
    token = channel.issue_token() if channel.pk is None else None
    if not channel.webhook_secret:
        channel.issue_webhook_secret()
    if channel.provider == "webchat" and not channel.identity_secret:
        channel.issue_identity_secret()  # shown on the channel's page until rotated
    channel.full_clean()
    channel.save()
    return token
