"""The "Privacidade (LGPD)" screens (SPEC §17), administrators only: the requests, the
retention settings and runs, and a customer's "Exportar dados do titular" and
anonymisation confirmation. Agents are sent to their workspace (the admin site's rule);
a customer another user may not see answers 404, as a missing one."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.scoping import scope_queryset
from customers.models import Customer
from organisation.models import Company

from . import errors
from .api import export_response
from .forms import AnonymizeForm, RetentionForm
from .models import PrivacyRequest, RetentionRun
from .retention import FIGURES, retention_run
from .services import anonymization_preview, company_retention_save, customer_anonymize

FIGURE_LABELS = {
    "attendances": gettext_lazy("Attendances"),
    "messages": gettext_lazy("Messages"),
    "media_files": gettext_lazy("Media files"),
    "survey_answers": gettext_lazy("Open survey answers"),
    "import_jobs": gettext_lazy("Imports"),
    "import_files": gettext_lazy("Import files"),
    "import_rows": gettext_lazy("Import rows"),
    "history_rows": gettext_lazy("History records"),
    "consents": gettext_lazy("Consents (kept)"),
    "attendances_kept": gettext_lazy("Attendances kept"),
    "live_updates": gettext_lazy("Live updates"),
}


def _figures(figures: dict) -> list[tuple[str, int]]:
    return [(str(FIGURE_LABELS.get(key, key)), value) for key, value in (figures or {}).items()]


def _admins_only(request) -> None:
    if not request.user.is_admin:
        raise PermissionDenied(errors.ADMINS_ONLY)


@require_http_methods(["GET", "POST"])
def privacy_page(request):
    """Requests (export, anonymisation) with who and when, retention settings, last runs."""
    _admins_only(request)
    companies = list(Company.objects.order_by("name"))
    forms = {company.pk: RetentionForm(instance=company, prefix=f"c{company.pk}") for company in companies}
    if request.method == "POST":
        if request.POST.get("action") == "dry_run":
            run = retention_run(dry_run=True)
            summary = ", ".join(f"{label}: {value}" for label, value in _figures(run.figures))
            messages.info(request, _("Dry run: the retention would touch %(summary)s.") % {"summary": summary})
            return redirect("privacy")
        company = next((c for c in companies if str(c.pk) == request.POST.get("company")), None)
        if company is None:
            raise Http404
        form = RetentionForm(request.POST, instance=company, prefix=f"c{company.pk}")
        if form.is_valid():
            company_retention_save(company=company, by=request.user, **form.cleaned_data)
            messages.success(request, _("Retention settings of %(company)s saved.") % {"company": company.name})
            return redirect("privacy")
        forms[company.pk] = form
    page = Paginator(PrivacyRequest.objects.select_related("customer", "by"), 50).get_page(request.GET.get("page"))
    runs = {dry: RetentionRun.objects.filter(dry_run=dry).first() for dry in (False, True)}
    context = {
        **admin.site.each_context(request), "title": _("Privacy (LGPD)"), "page": page,
        "companies": [(company, forms[company.pk]) for company in companies],
        "last_run": runs[False], "last_dry_run": runs[True],
        "last_run_figures": _figures(runs[False].figures) if runs[False] else [],
        "last_dry_run_figures": _figures(runs[True].figures) if runs[True] else [],
        "figure_labels": FIGURE_LABELS, "figures_order": FIGURES,
    }  # fmt: skip
    return render(request, "privacy/privacy.html", context)


@require_http_methods(["GET", "POST"])
def customer_page(request, pk: int):
    """A customer's data subject requests: "Exportar dados do titular" and the
    anonymisation, whose confirmation names what will go."""
    customer = scope_queryset(Customer.objects.all(), request.user).filter(pk=pk).first()
    if customer is None:
        raise Http404
    _admins_only(request)
    form = AnonymizeForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "export":
                return export_response(customer, request.user)
            form = AnonymizeForm(request.POST)
            if form.is_valid():
                customer_anonymize(customer=customer, by=request.user, reason=form.cleaned_data["reason"],
                                   confirm=form.cleaned_data["confirm"])  # fmt: skip
                messages.success(request, _("The customer was anonymised."))
                return redirect(reverse("admin:customers_customer_change", args=[customer.pk]))
        except DomainError as error:
            messages.error(request, str(error))
    context = {
        **admin.site.each_context(request), "title": _("Data subject's requests"), "customer": customer,
        "preview": _figures(anonymization_preview(customer)), "form": form,
        "requests": PrivacyRequest.objects.filter(customer=customer).select_related("by"),
    }  # fmt: skip
    return render(request, "privacy/customer.html", context)
