from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core import excel
from core.downloads import import_error_context, xlsx_response
from core.forms import ExcelUploadForm
from negative_list import selectors, services
from negative_list.forms import DraftCreateForm, EntryAddForm
from negative_list.models import NegativeList
from negative_list.selectors import NegativeListRules

MSG_DRAFT_CREATED = _("已新建草稿“%(title)s”。")
MSG_ENTRY_ADDED = _("已加入“%(code)s %(name)s”。")
MSG_ENTRY_REMOVED = _("已移除“%(code)s %(name)s”。")
MSG_PUBLISHED = _("已发布“%(title)s”, %(date)s起施行。")
MSG_IMPORTED = _("已导入 %(count)d 个条目。")

Q_MAX_LENGTH = 50


# --- industry lookup (public) ----------------------------------------------------------------


def industry_search(request):
    """Public lookup of GB/T 4754-2017 class codes, for filling in registration and import files."""
    q = request.GET.get("q", "")[:Q_MAX_LENGTH]
    results = list(selectors.industry_search(q))
    return render(
        request,
        "negative_list/industry_search.html",
        {"q": q, "results": results, "sections": selectors.industry_sections(), "limit": selectors.SEARCH_LIMIT},
    )


def industry_name(request):
    """The name of a class code as the user types it (htmx fragment under the industry field)."""
    industry = selectors.industry_class_by_code(request.GET.get("industry", ""))
    return render(request, "negative_list/industry_name.html", {"industry": industry})


# --- the published list (public, clause 3) ---------------------------------------------------


def _version_page(request, version: NegativeList | None, in_force: NegativeList | None):
    q = request.GET.get("q", "")[:Q_MAX_LENGTH].strip()
    entries = selectors.negative_list_entries(version)
    rules = NegativeListRules(version, entries)
    others = [v for v in selectors.negative_list_versions_published() if version is None or v.pk != version.pk]
    return render(
        request,
        "negative_list/public.html",
        {
            "version": version,
            "in_force": in_force,
            "is_in_force": version is not None and in_force is not None and version.pk == in_force.pk,
            "today": timezone.localdate(),
            "entries": entries,
            "q": q,
            "matches": selectors.negative_list_search(rules, q),
            "search_limit": selectors.NEGATIVE_LIST_SEARCH_LIMIT,
            "others": others,
        },
    )


def public(request):
    """The negative list in force today, searchable, for everyone without logging in."""
    in_force = selectors.negative_list_in_force(timezone.localdate())
    return _version_page(request, in_force, in_force)


def version_detail(request, pk: int):
    """Any published version, read-only: earlier ones stay visible so past decisions can be checked."""
    version = selectors.negative_list_published_get_or_404(pk)
    in_force = selectors.negative_list_in_force(timezone.localdate())
    return _version_page(request, version, in_force)


def version_export(request, pk: int):
    version = selectors.negative_list_published_get_or_404(pk)
    return _export(version)


def _export(version: NegativeList):
    content = services.negative_list_export(negative_list=version)
    return xlsx_response(content, f"负面清单-{version.effective_from:%Y%m%d}-{version.pk}.xlsx")


# --- management (administrators) -------------------------------------------------------------


def _require_admin(user) -> None:
    """Versions are city-wide, not scoped: anyone but an administrator is refused, missing or not."""
    if user.role != Role.ADMIN:
        raise PermissionDenied


@login_required
def manage_list(request):
    _require_admin(request.user)
    return render(
        request,
        "negative_list/manage_list.html",
        {
            "versions": selectors.negative_list_versions_all(),
            "in_force": selectors.negative_list_in_force(timezone.localdate()),
            "today": timezone.localdate(),
        },
    )


@login_required
def manage_create(request):
    _require_admin(request.user)
    in_force = selectors.negative_list_in_force(timezone.localdate())
    form = DraftCreateForm(request.POST or None, in_force=in_force)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draft = services.negative_list_draft_create(
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
            return redirect("negative_list:manage_detail", pk=draft.pk)
    return render(request, "negative_list/manage_form.html", {"form": form})


@login_required
def manage_detail(request, pk: int):
    """A version's entries; on a draft also the forms that change it (adding an entry posts here)."""
    _require_admin(request.user)
    version = selectors.negative_list_get_or_404(pk)
    is_draft = version.status == NegativeList.Status.DRAFT
    form = EntryAddForm(request.POST or None) if is_draft else None
    if request.method == "POST":
        if form is None:
            messages.error(request, str(services.MSG_PUBLISHED_READ_ONLY))
            return redirect("negative_list:manage_detail", pk=pk)
        if form.is_valid():
            try:
                entry = services.negative_list_entry_add(draft=version, added_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)  # a dict error lands on its own field
            else:
                messages.success(request, MSG_ENTRY_ADDED % {"code": entry.industry.code, "name": entry.industry.name})
                return redirect("negative_list:manage_detail", pk=pk)
    return render(
        request,
        "negative_list/manage_detail.html",
        {
            "version": version,
            "is_draft": is_draft,
            "entries": selectors.negative_list_entries(version),
            "form": form,
            "in_force": selectors.negative_list_in_force(timezone.localdate()),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def manage_entry_remove(request, pk: int):
    _require_admin(request.user)
    entry = selectors.negative_list_entry_get_or_404(pk)
    try:
        services.negative_list_entry_remove(entry=entry, removed_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, MSG_ENTRY_REMOVED % {"code": entry.industry.code, "name": entry.industry.name})
    return redirect("negative_list:manage_detail", pk=entry.negative_list_id)


@require_POST
@login_required
def manage_publish(request, pk: int):
    _require_admin(request.user)
    draft = selectors.negative_list_get_or_404(pk)
    try:
        version = services.negative_list_publish(draft=draft, published_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, MSG_PUBLISHED % {"title": version.title,
                                                   "date": f"{version.effective_from:%Y-%m-%d}"})
    return redirect("negative_list:manage_detail", pk=pk)


@login_required
def manage_export(request, pk: int):
    _require_admin(request.user)
    return _export(selectors.negative_list_get_or_404(pk))


@login_required
def manage_import_template(request):
    _require_admin(request.user)
    return xlsx_response(services.negative_list_template(), "负面清单导入模板.xlsx")


@login_required
def manage_import(request, pk: int):
    _require_admin(request.user)
    draft = selectors.negative_list_get_or_404(pk)
    if draft.status != NegativeList.Status.DRAFT:
        messages.error(request, str(services.MSG_PUBLISHED_READ_ONLY))
        return redirect("negative_list:manage_detail", pk=pk)
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "version": draft}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.negative_list_import(draft=draft, upload=upload, imported_by=request.user)
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if outcome.result.ok:
                messages.success(request, MSG_IMPORTED % {"count": len(outcome.created)})
                return redirect("negative_list:manage_detail", pk=pk)
            context.update(import_error_context(user=request.user, upload=upload, columns=outcome.columns,
                                                result=outcome.result, filename=_("负面清单导入-错误标注.xlsx")))
    return render(request, "negative_list/manage_import.html", context)
