"""The administrators' pages of a versioned rule list (core.models.RuleList), shared by the negative list and
the risk-area list: the versions, a new draft (copying the version in force), a draft's items (added one by
one or imported from Excel, removed), publishing, and the Excel export. A published version is never edited.

Each list says what differs in a subclass: its forms, its services and selectors, its URL names and its
templates (which extend the shared ones under templates/core/rule_list/). The public pages stay in each app.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import excel
from core.downloads import xlsx_response
from core.forms import ExcelUploadForm, RuleListDraftForm
from core.models import RuleList

MSG_DRAFT_CREATED = _("已新建草稿“%(title)s”。")


@dataclass(frozen=True)
class RuleListUrls:
    """URL names of a list's management pages, as its urls.py names them."""

    manage: str
    create: str
    detail: str
    publish: str
    import_items: str
    export: str
    import_template: str
    remove: str


admin_only = method_decorator(login_required)


class RuleListAdmin:
    """The pages, as methods to route to (`path("manage/", admin.manage_list)`); a subclass supplies the rest."""

    urls: RuleListUrls
    templates: str  # the folder and prefix of the list's templates, e.g. "negative_list/manage_"
    draft_form: type[RuleListDraftForm]
    item_form: type[forms.Form]
    items_name: str  # what the detail template calls a version's items, e.g. "entries"
    template_filename: str
    import_errors_filename: str
    msg_read_only: str
    msg_published: str  # %(title)s and %(date)s
    msg_imported: str  # %(count)d

    # Versions are city-wide, not scoped: whoever may not manage the list is refused (403), missing or not.
    check_manager: Callable[[object], None]
    # What each list supplies: its selectors and services, or small methods around them.
    in_force: Callable[[date], RuleList | None]
    versions: Callable[[], QuerySet]
    version_or_404: Callable[[int], RuleList]
    items: Callable[[RuleList], list]  # a version's items, for the detail template
    item_or_404: Callable[[int], Model]
    item_version_id: Callable[[Model], int]
    draft_create: Callable[..., RuleList]  # keyword arguments: created_by, title, source_document, ...
    item_add: Callable[..., str]  # (draft=, added_by=, **the item form's data) -> the message saying what was added
    item_remove: Callable[..., str]  # (item, removed_by=) -> the message saying what went
    publish: Callable[..., RuleList]  # (draft=, published_by=)
    import_items: Callable[..., Any]  # (draft=, upload=, imported_by=) -> .result, .columns, .created
    import_template: Callable[[], bytes]
    export: Callable[[RuleList], HttpResponse]

    # --- the pages ---

    def _render(self, request, page: str, context: dict):
        return render(request, f"{self.templates}{page}.html", {"urls": self.urls, **context})

    @admin_only
    def manage_list(self, request):
        self.check_manager(request.user)
        today = timezone.localdate()
        return self._render(
            request, "list", {"versions": self.versions(), "in_force": self.in_force(today), "today": today}
        )

    @admin_only
    def manage_create(self, request):
        self.check_manager(request.user)
        form = self.draft_form(
            request.POST or None, versions=self.versions(), in_force=self.in_force(timezone.localdate())
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                draft = self.draft_create(
                    created_by=request.user,
                    title=data["title"],
                    source_document=data["source_document"],
                    effective_from=data["effective_from"],
                    notes=data["notes"],
                    copy_from=data["copy_from"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_DRAFT_CREATED % {"title": draft.title})
                return redirect(self.urls.detail, pk=draft.pk)
        return self._render(request, "form", {"form": form})

    @admin_only
    def manage_detail(self, request, pk: int):
        """A version's items; on a draft also the form that adds one (it posts here)."""
        self.check_manager(request.user)
        version = self.version_or_404(pk)
        is_draft = version.status == RuleList.Status.DRAFT
        form = self.item_form(request.POST or None) if is_draft else None
        if request.method == "POST":
            if form is None:
                messages.error(request, str(self.msg_read_only))
                return redirect(self.urls.detail, pk=pk)
            if form.is_valid():
                try:
                    message = self.item_add(draft=version, added_by=request.user, **form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)  # a dict error lands on its own field
                else:
                    messages.success(request, message)
                    return redirect(self.urls.detail, pk=pk)
        today = timezone.localdate()
        return self._render(
            request,
            "detail",
            {
                "version": version,
                "is_draft": is_draft,
                self.items_name: self.items(version),
                "form": form,
                "in_force": self.in_force(today),
                "today": today,
            },
        )

    @method_decorator(require_POST)
    @admin_only
    def manage_remove(self, request, pk: int):
        self.check_manager(request.user)
        item = self.item_or_404(pk)
        try:
            messages.success(request, self.item_remove(item, removed_by=request.user))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(self.urls.detail, pk=self.item_version_id(item))

    @method_decorator(require_POST)
    @admin_only
    def manage_publish(self, request, pk: int):
        self.check_manager(request.user)
        draft = self.version_or_404(pk)
        try:
            version = self.publish(draft=draft, published_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, self.msg_published % {"title": version.title, "date": f"{version.effective_from:%Y-%m-%d}"}
            )
        return redirect(self.urls.detail, pk=pk)

    @admin_only
    def manage_export(self, request, pk: int):
        self.check_manager(request.user)
        return self.export(self.version_or_404(pk))

    @admin_only
    def manage_import_template(self, request):
        self.check_manager(request.user)
        return xlsx_response(self.import_template(), self.template_filename)

    @admin_only
    def manage_import(self, request, pk: int):
        self.check_manager(request.user)
        draft = self.version_or_404(pk)
        if draft.status != RuleList.Status.DRAFT:
            messages.error(request, str(self.msg_read_only))
            return redirect(self.urls.detail, pk=pk)
        form = ExcelUploadForm(request.POST or None, request.FILES or None)
        context = {"form": form, "version": draft}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = self.import_items(draft=draft, upload=upload, imported_by=request.user)
            except excel.ExcelFileError as error:
                form.add_error("file", error.message)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if outcome.result.ok:
                    messages.success(request, self.msg_imported % {"count": len(outcome.created)})
                    return redirect(self.urls.detail, pk=pk)
                context.update(
                    excel.import_error_context(
                        user=request.user,
                        upload=upload,
                        columns=outcome.columns,
                        result=outcome.result,
                        filename=self.import_errors_filename,
                    )
                )
        return self._render(request, "import", context)
