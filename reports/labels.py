"""Words the pages' scripts show, translated on the server (the scripts get them as JSON)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def page_labels() -> dict:
    return {
        "queued": _("In the queue"),
        "longest_wait": _("Longest wait"),
        "bot": _("With the bot"),
        "in_progress": _("In progress"),
        "pending": _("Pending"),
        "sac_overdue": _("Past the SAC deadline"),
        "online": _("Online"),
        "paused": _("Paused"),
        "offline": _("Offline"),
        "queued_today": _("Entered the queue"),
        "assigned": _("Assigned"),
        "abandoned": _("Abandoned"),
        "closed": _("Closed"),
        "avg_wait": _("Average wait"),
        "max_wait": _("Longest wait today"),
        "avg_handling": _("Average handling"),
        "service_level": _("Service level"),
        "csat": _("CSAT"),
        "nps": _("NPS"),
        "updated_at": _("Updated at %(time)s"),
        "update_failed": _("Could not update (%(error)s); trying again…"),
        "no_groups": _("No group to show."),
        "no_agents": _("No agent in these groups."),
        "total": _("Total"),
        "hour": _("Hour"),
        "count": _("Attendances"),
        "seconds": _("Average wait (s)"),
        "answers": _("Answers"),
        "no_data": _("No data in this period."),
        "satisfied": _("satisfied"),
        "score": _("Score"),
        "open_answers": _("Open answers"),
        "page_of": _("Page %(page)s of %(pages)s"),
        "previous": _("Previous"),
        "next": _("Next"),
        "protocol": _("Protocol"),
        "group": _("Group"),
        "agent": _("Agent"),
        "answered_at": _("Answered at"),
        "answer": _("Answer"),
        "load_failed": _("Could not load the report: %(error)s"),
    }
