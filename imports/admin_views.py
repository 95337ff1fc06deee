"""The import screens inside the admin, for any model admin that sets ``import_kind``:
upload ("Importar"), the job with its progress bar and error rows, correcting a row
(SALVAR) and importing the corrected rows (REENVIAR)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .exporting import spreadsheet_response
from .models import ImportJob, RowStatus
from .readers import FileRejected
from .registry import spec_for
from .runner import import_resend, import_row_correct, import_start


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.csv or .xlsx)"))


class ImportAdminMixin:
    import_kind: str = ""
    change_list_template = "admin/imports/change_list_with_import.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", wrap(self.import_view), name=f"{name}_import"),
            path("import/template/<str:file_format>/", wrap(self.import_template_view), name=f"{name}_import_template"),
            path("import/<int:job_id>/", wrap(self.import_job_view), name=f"{name}_import_job"),
            path("import/<int:job_id>/resend/", wrap(self.import_resend_view), name=f"{name}_import_resend"),
            path("import/<int:job_id>/rows/<int:row_id>/", wrap(self.import_row_view), name=f"{name}_import_row"),
            *super().get_urls(),
        ]

    # Helpers -----------------------------------------------------------------------------

    def _check(self, request) -> None:
        if not self.has_add_permission(request):
            raise PermissionDenied

    def _jobs(self, request):
        jobs = ImportJob.objects.filter(kind=self.import_kind)
        return jobs if request.user.is_admin else jobs.filter(created_by=request.user)

    def _url(self, view: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "import_kind": self.import_kind,
            "api_url": f"/api/v1/{'customer' if self.import_kind == 'customers' else 'user'}-imports/",
            **extra,
        }

    # Views ---------------------------------------------------------------------------------

    def import_view(self, request):
        self._check(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_start(kind=self.import_kind, upload=form.cleaned_data["file"], user=request.user)
            except FileRejected as error:
                form.add_error("file", str(error))
            else:
                return redirect(self._url("import_job", job.pk))
        spec = spec_for(self.import_kind)()
        context = self._context(
            request,
            title=_("Bulk import"),
            form=form,
            jobs=self._jobs(request)[:10],
            columns=spec.template_header(),
            required=spec.required_columns,
            job_url=lambda job: self._url("import_job", job.pk),
        )
        return TemplateResponse(request, "admin/imports/upload.html", context)

    def import_template_view(self, request, file_format):
        self._check(request)
        spec = spec_for(self.import_kind)()
        return spreadsheet_response(
            "xlsx" if file_format == "xlsx" else "csv",
            spec.template_header(),
            spec.example_rows,
            spec.template_name,
            dialect="excel_br",
        )

    def import_job_view(self, request, job_id):
        self._check(request)
        job = get_object_or_404(self._jobs(request), pk=job_id)
        rows = Paginator(job.rows.filter(status=RowStatus.ERROR).order_by("line"), 50).get_page(request.GET.get("page"))
        corrected = job.rows.filter(status=RowStatus.ERROR, corrected=True, errors={}).count()
        spec = spec_for(self.import_kind)
        context = self._context(
            request,
            title=_("Import of %(file)s") % {"file": job.file_name},
            job=job,
            rows=rows,
            summary_headers=[job.column_label(column) for column in spec.summary_columns],
            error_rows=[
                {
                    "row": row,
                    "summary": [row.data.get(column, "") for column in spec.summary_columns],
                    "errors": [(job.column_label(column), message) for column, message in row.errors.items()],
                }
                for row in rows
            ],
            corrected=corrected,
            resend_url=self._url("import_resend", job.pk),
            upload_url=self._url("import"),
            row_url_base=self._url("import_job", job.pk) + "rows/",
        )
        return TemplateResponse(request, "admin/imports/job.html", context)

    def import_row_view(self, request, job_id, row_id):
        self._check(request)
        job = get_object_or_404(self._jobs(request), pk=job_id)
        row = get_object_or_404(job.rows, pk=row_id, status=RowStatus.ERROR)
        order = job.column_order  # the file's own column order
        columns = sorted(row.data, key=lambda column: order.index(column) if column in order else len(order))
        form_class = type(
            "RowForm",
            (forms.Form,),
            {
                column: forms.CharField(label=job.column_label(column), required=False, max_length=1000)
                for column in columns
            },
        )
        form = form_class(request.POST or None, initial=row.data)
        if request.method == "POST" and form.is_valid():
            row = import_row_correct(row=row, data=form.cleaned_data)
            if row.errors:
                messages.warning(request, _("The row still has problems: fix the fields marked below."))
                form = form_class(initial=row.data)
            else:
                messages.success(request, _("Line %(line)d corrected. Use RESEND to import it.") % {"line": row.line})
                return redirect(self._url("import_job", job.pk))
        fields = [(form[column], row.errors.get(column)) for column in columns]
        context = self._context(
            request,
            title=_("Line %(line)d of %(file)s") % {"line": row.line, "file": job.file_name},
            job=job,
            row=row,
            fields=fields,
            back_url=self._url("import_job", job.pk),
        )
        return TemplateResponse(request, "admin/imports/row.html", context)

    def import_resend_view(self, request, job_id):
        self._check(request)
        if request.method != "POST":
            return redirect(self._url("import_job", job_id))
        job = get_object_or_404(self._jobs(request), pk=job_id)
        result = import_resend(job=job)
        messages.success(
            request,
            _("Resent. Imported: %(imported)d · duplicates: %(duplicates)d · still with errors: %(errors)d.") % result,
        )
        return redirect(self._url("import_job", job.pk))
