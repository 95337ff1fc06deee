"""The service bot's menu (SPEC §3, §8.2): greet, show the menu, follow the customer's
choice to a sub-menu, a group's queue or closing. An invalid answer repeats the menu
with a hint. A transfer into a group that ``requires_online_agent`` while nobody is
online is refused with a message and the menu again.

Each function works on the caller's ``Changes`` (``transitions``): the inbound request
applies it at once."""

from __future__ import annotations

from . import texts, transitions
from .models import Attendance, Bot, BotKind, CloseReason, ServiceGroup
from .selectors import group_has_online_agent
from .transitions import Changes


def current_node(attendance: Attendance) -> dict | None:
    bot = attendance.group.initialization_bot
    node = bot.menu if bot is not None else None
    for key in attendance.bot_path or []:
        option = next((o for o in (node or {}).get("options", []) if o["key"] == key), None)
        if option is None or option.get("action") != "menu":
            return bot.menu if bot else None
        node = option["menu"]
    return node


def bot_start(changes: Changes, attendance: Attendance) -> None:
    """A new attendance meets its group's initialization bot: a service bot greets with its
    menu; otherwise (a transfer bot, or none) it goes to the group's queue."""
    bot: Bot | None = attendance.group.initialization_bot
    changes.track(attendance)
    if bot is not None and bot.is_active and bot.kind == BotKind.SERVICE and bot.menu:
        attendance.bot_path = []
        changes.say(attendance, texts.greeting(attendance, bot.menu))
        return
    transitions.queue(changes, attendance, attendance.group, entering=True)


def _choose(node: dict, text: str) -> dict | None:
    answer = (text or "").strip().casefold()
    for option in node.get("options", []):
        if answer in {option["key"].casefold(), option["label"].casefold()}:
            return option
    return None


def bot_handle(changes: Changes, attendance: Attendance, text: str) -> None:
    """Answer the customer's reply to the menu."""
    changes.track(attendance)
    node = current_node(attendance)
    if node is None:  # the bot was removed meanwhile: queue rather than strand the customer
        transitions.queue(changes, attendance, attendance.group)
        return
    option = _choose(node, text)
    if option is None:
        changes.say(attendance, texts.not_understood(node))
    elif option["action"] == "menu":
        attendance.bot_path = [*(attendance.bot_path or []), option["key"]]
        changes.say(attendance, texts.menu_text(option["menu"]))
    elif option["action"] == "close":
        transitions.close(changes, attendance, reason=CloseReason.BOT, farewell=texts.thanks_for_contact())
    else:
        _transfer(changes, attendance, node, option)


def _transfer(changes: Changes, attendance: Attendance, node: dict, option: dict) -> None:
    group = (
        ServiceGroup.objects.select_related("operation__company", "initialization_bot")
        .filter(pk=option.get("group"), is_active=True)
        .first()
    )
    if group is None or (group.requires_online_agent and not group_has_online_agent(group=group)):
        changes.say(attendance, texts.group_unavailable(group.name if group else option["label"], node))
        return
    changes.say(attendance, texts.transferring(group.name))
    transitions.queue(changes, attendance, group, via="bot", option=option["key"])
