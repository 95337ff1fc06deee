"""The agent workspace (SPEC §7): the page, and thin JSON views for what the page needs
besides the API (its lists with unread counts, an attendance's side panel, read markers,
the customer search of "Novo atendimento ativo") and the media files."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attendance.media import media_response
from attendance.models import Message, Status
from classifications.selectors import classification_active_leaves
from core.live import live_last_id
from core.text import whole_number
from customers.models import Customer
from customers.selectors import customer_search
from users.models import AGENT_ROLES

from .selectors import (
    attendances_visible_to,
    customer_card,
    inbox,
    presence_of,
    queue_summary,
    transfer_options,
)
from .services import attendance_mark_read


def agent_only(view):
    """Agents and supervisor-agents; anyone else goes home (the back office)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role not in AGENT_ROLES:
            if request.path.startswith("/workspace/") and request.headers.get("Accept", "").startswith("text/html"):
                return redirect("admin:index")
            return JsonResponse({"detail": "forbidden"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


@agent_only
def page(request):
    from django.conf import settings

    user = request.user
    groups = list(user.service_groups.filter(is_active=True).order_by("name").values("id", "name"))
    context = {
        "live_last_id": live_last_id(user.pk),
        "heartbeat_seconds": max(5, settings.PRESENCE_TIMEOUT_SECONDS // 3),
        "groups": groups,
        "strings": page_strings(),
    }
    return render(request, "workspace/workspace.html", context)


def page_strings() -> dict[str, str]:
    """The page script's words (translated here: the script has no catalogue)."""
    return {
        "online": _("Online"), "paused": _("Pause"), "offline": _("Offline"),
        "in_progress": _("In progress"), "pending": _("Pending"), "closed": _("Closed"), "queued": _("Queued"),
        "bot": _("With the bot"),
        "whatsapp": "WhatsApp", "telegram": "Telegram", "sms": "SMS", "email": _("E-mail"), "voice": _("Voice"),
        "webchat": "Webchat",
        "customer": _("Customer"), "bot_sender": _("Bot"), "agent": _("Agent"), "system": _("System note"),
        "supervisor": _("Supervisor"),
        "queue_line": _("%(group)s: %(count)s in queue"), "longest": _("longest wait %(time)s"),
        "unread": _("unread"), "waiting": _("waiting"),
        "delivery_pending": _("sending"), "delivery_sent": _("sent"), "delivery_delivered": _("delivered"),
        "delivery_read": _("read"), "delivery_failed": _("not delivered"),
        "delivery_pending_title": _("Waiting to go out"), "delivery_sent_title": _("Sent to the provider"),
        "delivery_delivered_title": _("Delivered to the customer's device"),
        "delivery_read_title": _("Read by the customer"),
        "delivery_failed_title": _("The provider could not deliver it"),
        "receive_only": _("This group only receives messages (“Somente Receptivo”): answering is disabled."),
        "not_mine": _("Read only: this attendance is not with you."),
        "attachment": _("Attachment: %(name)s"), "remove": _("Remove"), "download": _("Download"),
        "no_kinds": _("This group does not allow attachments."),
        "phone": _("Phone"), "document": _("Document"), "email_label": _("E-mail"), "priority": _("Priority"),
        "wallet_agent": _("Wallet agent"), "attributes": _("Attributes"), "previous": _("Previous attendances"),
        "none": _("none"),
        "free": _("%(count)s free"), "no_targets": _("No group to transfer to."), "no_agents": _("No agent."),
        "classification_required": _("Required: choose the reason."),
        "classification_optional": _("Optional."),
        "no_classification": _("This group has no classification."),
        "choose_target": _("Choose a group or an agent."),
        "forced_offline": _("The system changed your presence to Offline (no signal from this page, or outside "
                            "your work hours)."),
        "session_over": _("Your session ended: log in again."),
        "transferred_away": _("Attendance %(protocol)s was transferred away from you."),
        "taken_over": _("Attendance %(protocol)s was taken over by %(name)s."),
        "session_ended": _("Your session was ended by %(name)s. Log in again to continue."),
        "forced_pause": _("A supervisor paused you (%(reason)s): no new attendances arrive."),
        "closed_notice": _("Attendance %(protocol)s was closed."),
        "new_assignment": _("New attendance: %(name)s"),
        "live_on": _("Live"), "live_off": _("Reconnecting…"),
        "param": _("Parameter %(n)s"), "sent_active": _("Message sent (protocol %(protocol)s)."),
        "delayed": _("The customer has an open attendance: the message goes out at %(time)s."),
        "error": _("Something went wrong. Try again."),
        "new_customer": _("Typed phone (new or existing customer)"),
        "holding": _("You have %(count)s attendance(s) in progress."),
        "offline_explain": _("Going offline returns them to the queue, each customer keeping their place."),
        "pause_explain": _("During the pause they stay with you and you keep answering; no new attendance arrives."),
        "return_to_queue": _("Return to the queue"), "pause_now": _("Pause now"),
        "open_pdf": _("Open the PDF"), "open_full": _("Open full size"),
        "note": _("Internal note"), "add_note": _("Add note"), "send": _("Send"),
        "email_quoted": _("Quoted history"), "email_images": _("Show the %(count)s remote images"),
    }  # fmt: skip


@require_GET
@agent_only
def inbox_view(request):
    user = request.user
    return JsonResponse(
        {"attendances": inbox(user=user), "queues": queue_summary(user=user), "presence": presence_of(user)}
    )


@require_GET
@agent_only
def panel(request, pk: int):
    """Everything the side panel and the composer need about one attendance."""
    user = request.user
    attendance = get_object_or_404(
        attendances_visible_to(user).select_related("group__survey", "customer__wallet_agent", "agent"), pk=pk
    )
    group = attendance.group
    mine = attendance.agent_id == user.pk and attendance.status != Status.CLOSED
    survey = group.survey
    closer = "supervisor_agent" if user.role == "supervisor_agent" else "agent"
    survey_choice = bool(
        survey is not None and survey.is_active and not group.survey_required and closer in survey.send_on_close_by
    )
    leaves = classification_active_leaves(group=group) if mine else []
    return JsonResponse({
        "id": attendance.pk,
        "protocol": attendance.protocol,
        "subject": attendance.subject,
        "status": attendance.status,
        "mine": mine,
        "agent": attendance.agent.display_name if attendance.agent_id else "",
        "group": {
            "id": group.pk, "name": group.name, "receive_only": group.receive_only,
            "allow": {kind: getattr(group, f"allow_{kind}") for kind in ("audio", "image", "video", "document")},
            "classification_required": group.classification_required and bool(leaves),
            "survey_choice": survey_choice,
        },
        "customer": customer_card(attendance=attendance, user=user),
        "transfer": transfer_options(attendance=attendance, user=user) if mine else {"groups": [], "agents": []},
        "classifications": [{"id": node.pk, "path": _path(node)} for node in leaves],
    })  # fmt: skip


def _path(node) -> str:
    names, current = [], node
    while current is not None:
        names.append(current.name)
        current = current.parent
    return " › ".join(reversed(names))


@require_POST
@agent_only
def mark_read(request, pk: int):
    attendance = get_object_or_404(attendances_visible_to(request.user), pk=pk)
    message_id = request.POST.get("message")
    last = attendance_mark_read(user=request.user, attendance=attendance,
                                message_id=whole_number(message_id))  # fmt: skip
    return JsonResponse({"last_message_id": last})


@require_GET
@agent_only
def customers(request):
    """Customers for "Novo atendimento ativo", by name, phone or document (20 at most)."""
    term = request.GET.get("q", "").strip()
    if len(term) < 2:
        return JsonResponse({"results": []})
    found = customer_search(queryset=Customer.objects.filter(is_active=True), term=term).order_by("display_name")[:20]
    return JsonResponse({
        "results": [
            {"id": c.pk, "name": c.display_name, "network": c.network, "phone": c.phone_display}
            for c in found
        ]
    })  # fmt: skip


@login_required
def media(request, pk: int):
    """A message's file, for users who may see its attendance (else 404, like a missing one)."""
    message = get_object_or_404(Message.objects.exclude(media=""), pk=pk)
    if not attendances_visible_to(request.user).filter(pk=message.attendance_id).exists():
        raise Http404
    return media_response(message)
