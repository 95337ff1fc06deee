"""The supervisor's pages (SPEC §9): dashboard, service-level report, survey results and
attendance monitoring, inside the back office's layout (menu included). Thin: each view
checks the profile's permission, reads through the selectors and, for the monitoring
actions, calls the engine's services as the supervisor."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from attendance.agent_actions import attendance_close, attendance_transfer
from attendance.engine_api import AttendanceViewSet
from attendance.media import media_response
from attendance.models import Attendance, CloseReason, PauseReason, ServiceGroup, Status
from classifications.selectors import classification_active_leaves
from core.dates import EARLIEST, LATEST
from core.live import live_last_id
from core.scoping import scope_queryset
from core.sites import AGENTS_FORBIDDEN_SCREENS
from core.text import whole_number
from imports.exporting import spreadsheet_response
from surveys.models import Survey
from users.models import AGENT_ROLES, Role, User

from .api import PERM_DASHBOARD, PERM_MONITOR, PERM_SERVICE_LEVEL, PERM_SURVEYS
from .labels import page_labels
from .monitoring import event_log, monitored_attendances, parse_filters
from .selectors import dashboard, time_zone_for, visible_agents, visible_groups, visible_operations, wait_rules

may_supervise = AttendanceViewSet.may_supervise  # who acts on attendances and agents (SPEC §9.1)

NOT_GRANTED = gettext_lazy("Your profile does not grant access to this page. Ask an administrator.")
PAGE_SIZE = 50


def report_page(permission: str):
    """Logged in, staff (agents go to their workspace) and granted ``permission``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_staff:
                messages.warning(request, AGENTS_FORBIDDEN_SCREENS)
                return redirect("workspace")
            if not request.user.has_perm(permission):
                context = {**admin.site.each_context(request), "title": _("Access denied"), "message": NOT_GRANTED}
                return render(request, "reports/forbidden.html", context, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _context(request, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request), "title": title, "labels": page_labels(),
        "earliest_day": EARLIEST, "latest_day": LATEST, **extra,
    }  # fmt: skip


def _period(request):
    today = timezone.localtime(timezone.now(), time_zone_for(request.user)).date()
    start = request.GET.get("start") or (today - timedelta(days=29)).isoformat()
    return start, request.GET.get("end") or today.isoformat()


@report_page(PERM_DASHBOARD)
def dashboard_page(request):
    operation = request.GET.get("operation", "")
    group = request.GET.get("group", "")
    groups = visible_groups(request.user).filter(is_active=True)
    operation_id, group_id = whole_number(operation), whole_number(group)
    initial = dashboard(
        request.user,
        operation_id=operation_id if operation_id and groups.filter(operation_id=operation_id).exists() else None,
        group_id=group_id if group_id and groups.filter(pk=group_id).exists() else None,
    )
    return render(request, "reports/dashboard.html", _context(
        request, _("Dashboard"), operations=visible_operations(request.user), groups=groups,
        selected_operation=operation, selected_group=group, can_monitor=request.user.has_perm(PERM_MONITOR),
        initial=initial, today=timezone.localdate(timezone.now(), time_zone_for(request.user)),
        live_last_id=live_last_id(request.user.pk),  # "Menções" live from here on
        can_control=may_supervise(request.user),
        pause_reasons=list(PauseReason.objects.filter(is_active=True).order_by("name").values_list("name", flat=True)),
    ))  # fmt: skip


@report_page(PERM_SERVICE_LEVEL)
def service_level_page(request):
    start, end = _period(request)
    return render(request, "reports/service_level.html", _context(
        request, _("Service-level report"), groups=visible_groups(request.user), agents=visible_agents(request.user),
        start=start, end=end, selected_group=request.GET.get("group", ""), selected_agent=request.GET.get("agent", ""),
        by=request.GET.get("by", "day"), wait_rules=wait_rules(visible_groups(request.user)),
    ))  # fmt: skip


@report_page(PERM_SURVEYS)
def surveys_page(request):
    start, end = _period(request)
    return render(request, "reports/surveys.html", _context(
        request, _("Survey results"), groups=visible_groups(request.user), agents=visible_agents(request.user),
        surveys=Survey.objects.order_by("name"), start=start, end=end,
    ))  # fmt: skip


@report_page(PERM_MONITOR)
def monitor_list(request):
    filters = parse_filters(request.GET)
    if request.GET.get("file_format") in ("csv", "xlsx") and not filters.errors:
        return _monitor_export(request, filters)
    for error in filters.errors:
        messages.error(request, error)
    page = _page_number(request.GET.get("page", ""))
    rows = list(monitored_attendances(request.user, filters)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "reports/monitor_list.html", _context(
        request, _("Attendances"), rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page,
        filters=filters, statuses=Status.choices, groups=visible_groups(request.user),
        agents=visible_agents(request.user), query=params.urlencode(), tz=time_zone_for(request.user),
    ))  # fmt: skip


def _monitor_export(request, filters):
    """The filtered list, every row (not one page), streamed as CSV or XLSX (SPEC §9.1):
    the rows are read in chunks, so memory stays flat however many they are."""
    tz = time_zone_for(request.user)
    statuses = dict(Status.choices)

    def when(value):
        return timezone.localtime(value, tz).strftime("%d/%m/%Y %H:%M:%S") if value else ""

    def rows():
        queryset = monitored_attendances(request.user, filters).values_list(
            "protocol", "customer__display_name", "group__name", "agent__display_name", "status", "opened_at",
            "queued_at", "assigned_at", "closed_at",
        )  # fmt: skip
        for protocol, customer, group, agent, status, opened, queued, assigned, closed in queryset.iterator(2000):
            yield [protocol, customer, group, agent or "", str(statuses.get(status, status)), when(opened),
                   when(queued), when(assigned), when(closed)]  # fmt: skip

    header = [str(_(name)) for name in ("Protocol", "Customer", "Group", "Agent", "Status", "Opened at", "Queued at",
                                        "Assigned at", "Closed at")]  # fmt: skip
    return spreadsheet_response(request.GET["file_format"], header, rows(), "atendimentos",
                                request.GET.get("dialect", "csv"))  # fmt: skip


def _page_number(value: str) -> int:
    """The list's page (1 for anything but a page number; a number past 100,000 pages
    of 50 is no list's page and would overflow the database's OFFSET)."""
    return max(1, whole_number(value, max_digits=6) or 1)


def _visible_attendance(request, pk: int) -> Attendance:
    attendance = scope_queryset(Attendance.objects.all(), request.user).filter(pk=pk).first()
    if attendance is None:
        raise Http404
    return attendance


@report_page(PERM_MONITOR)
@require_http_methods(["GET", "POST"])
def monitor_detail(request, pk: int):
    attendance = _visible_attendance(request, pk)
    if request.method == "POST":
        return _act(request, attendance)
    attendance = Attendance.objects.select_related("customer", "group", "agent", "classification_node").get(pk=pk)
    targets = scope_queryset(attendance.group.transfer_targets.filter(is_active=True), request.user)
    target_ids = list(targets.values_list("pk", flat=True)) + [attendance.group_id]
    transfer_agents = (
        scope_queryset(User.objects.filter(service_groups__in=target_ids, is_active=True, role__in=AGENT_ROLES),
                       request.user).distinct().order_by("display_name")
    )  # fmt: skip
    return render(request, "reports/monitor_detail.html", _context(
        request, _("Attendance %(protocol)s") % {"protocol": attendance.protocol}, attendance=attendance,
        log=event_log(attendance, request.user), targets=targets, transfer_agents=transfer_agents,
        leaves=classification_active_leaves(group=attendance.group), tz=time_zone_for(request.user),
        messages_list=attendance.messages.order_by("created_at", "pk")[:200],
        is_open=attendance.status != Status.CLOSED,
        can_take=request.user.role == Role.SUPERVISOR_AGENT and attendance.agent_id != request.user.pk,
    ))  # fmt: skip


@report_page(PERM_MONITOR)
@require_http_methods(["GET"])
def monitor_media(request, pk: int, message: int):
    """An attachment of an attendance the supervisor monitors, shown as in the workspace
    (SPEC §7.2: images, players, PDFs in the viewer); another's is a 404."""
    attendance = _visible_attendance(request, pk)
    found = attendance.messages.exclude(media="").filter(pk=message).first()
    if found is None:
        raise Http404
    return media_response(found)


def _act(request, attendance: Attendance):
    """Transfer or close as the supervisor, through the engine's services."""
    action = request.POST.get("action")
    try:
        with transaction.atomic():
            if action == "transfer":
                group_id, agent_id = whole_number(request.POST.get("group")), whole_number(request.POST.get("agent"))
                group = ServiceGroup.objects.filter(pk=group_id).first() if group_id else None
                agent = visible_agents(request.user).filter(pk=agent_id).first() if agent_id else None
                if group is not None and not visible_groups(request.user, group_id=group.pk).exists():
                    group = None
                attendance_transfer(attendance=attendance, actor=request.user, group=group, agent=agent)
                messages.success(request, _("Attendance transferred."))
            elif action == "close":
                node = request.POST.get("classification_node", "")
                attendance_close(attendance=attendance, reason=CloseReason.SUPERVISOR, actor=request.user,
                                 classification_node=whole_number(node),
                                 send_survey=request.POST.get("send_survey") == "1")  # fmt: skip
                messages.success(request, _("Attendance closed."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect("monitor-detail", pk=attendance.pk)


__all__ = ["dashboard_page", "monitor_detail", "monitor_list", "service_level_page", "surveys_page"]
