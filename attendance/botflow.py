"""The service bot's menu (SPEC §3, §8.2): greet, show the menu, follow the customer's
choice to a sub-menu, a group's queue or closing. An invalid answer repeats the menu
with a hint. A transfer into a group that ``requires_online_agent`` while nobody is
online is refused with a message and the menu again."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .messaging import greeting, message_out
from .models import Attendance, Bot, CloseReason, ServiceGroup


def menu_text(node: dict) -> str:
    lines = [node.get("text", "")]
    lines += [f"{option['key']} - {option['label']}" for option in node.get("options", [])]
    return "\n".join(lines)


def current_node(attendance: Attendance) -> dict | None:
    bot = attendance.group.initialization_bot
    node = bot.menu if bot is not None else None
    for key in attendance.bot_path or []:
        option = next((o for o in (node or {}).get("options", []) if o["key"] == key), None)
        if option is None or option.get("action") != "menu":
            return bot.menu if bot else None
        node = option["menu"]
    return node


def bot_start(*, attendance: Attendance, bot: Bot) -> None:
    if attendance.bot_path:
        attendance.bot_path = []
        attendance.save(update_fields=["bot_path"])
    message_out(attendance=attendance, body=f"{greeting(attendance)}\n{menu_text(bot.menu)}")


def _choose(node: dict, text: str) -> dict | None:
    answer = (text or "").strip().casefold()
    for option in node.get("options", []):
        if answer in {option["key"].casefold(), option["label"].casefold()}:
            return option
    return None


def bot_handle(*, attendance: Attendance, text: str) -> Attendance:
    """Answer the customer's reply; returns the attendance as it now is (closing reloads it)."""
    from .lifecycle import attendance_close, attendance_queue

    node = current_node(attendance)
    if node is None:  # the bot was removed meanwhile: queue rather than strand the customer
        return attendance_queue(attendance=attendance, group=attendance.group)
    option = _choose(node, text)
    if option is None:
        message_out(attendance=attendance, body=_("Sorry, I did not understand. Reply with one of the numbers:")
                    + "\n" + menu_text(node))  # fmt: skip
    elif option["action"] == "menu":
        attendance.bot_path = [*(attendance.bot_path or []), option["key"]]
        attendance.save(update_fields=["bot_path"])
        message_out(attendance=attendance, body=menu_text(option["menu"]))
    elif option["action"] == "close":
        message_out(attendance=attendance, body=_("Thank you for your contact!"))
        return attendance_close(attendance=attendance, reason=CloseReason.BOT)
    else:
        _transfer(attendance, node, option, attendance_queue)
    return attendance


def _transfer(attendance: Attendance, node: dict, option: dict, attendance_queue) -> None:
    from .selectors import group_has_online_agent

    group = ServiceGroup.objects.filter(pk=option.get("group"), is_active=True).first()
    if group is None or (group.requires_online_agent and not group_has_online_agent(group=group)):
        name = group.name if group else option["label"]
        message_out(
            attendance=attendance,
            body=_("Right now nobody from %(group)s is available. Please choose another option:") % {"group": name}
            + "\n" + menu_text(node),
        )  # fmt: skip
        return
    message_out(
        attendance=attendance, body=_("One moment, you are being transferred to %(group)s.") % {"group": group.name}
    )
    attendance_queue(attendance=attendance, group=group, event="queued", via="bot", option=option["key"])
