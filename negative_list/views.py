from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require_admin
from core.downloads import xlsx_response
from core.rule_list_admin import RuleListAdmin, RuleListUrls
from negative_list import selectors, services
from negative_list.forms import DraftCreateForm, EntryAddForm
from negative_list.models import NegativeList
from negative_list.selectors import NegativeListRules

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


class NegativeListAdmin(RuleListAdmin):
    urls = RuleListUrls(
        manage="negative_list:manage",
        create="negative_list:manage_create",
        detail="negative_list:manage_detail",
        publish="negative_list:manage_publish",
        import_items="negative_list:manage_import",
        export="negative_list:manage_export",
        import_template="negative_list:manage_import_template",
        remove="negative_list:manage_entry_remove",
    )
    templates = "negative_list/manage_"
    draft_form = DraftCreateForm
    item_form = EntryAddForm
    items_name = "entries"
    template_filename = "负面清单导入模板.xlsx"
    import_errors_filename = _("负面清单导入-错误标注.xlsx")
    msg_read_only = services.MSG_PUBLISHED_READ_ONLY
    msg_published = MSG_PUBLISHED
    msg_imported = MSG_IMPORTED

    check_manager = staticmethod(require_admin)
    in_force = staticmethod(selectors.negative_list_in_force)
    versions = staticmethod(selectors.negative_list_versions_all)
    version_or_404 = staticmethod(selectors.negative_list_get_or_404)
    items = staticmethod(selectors.negative_list_entries)
    item_or_404 = staticmethod(selectors.negative_list_entry_get_or_404)
    draft_create = staticmethod(services.negative_list_draft_create)
    publish = staticmethod(services.negative_list_publish)
    import_items = staticmethod(services.negative_list_import)
    import_template = staticmethod(services.negative_list_template)
    export = staticmethod(_export)

    @staticmethod
    def item_version_id(entry) -> int:
        return entry.negative_list_id

    @staticmethod
    def item_add(*, draft, added_by, **data) -> str:
        entry = services.negative_list_entry_add(draft=draft, added_by=added_by, **data)
        return MSG_ENTRY_ADDED % {"code": entry.industry.code, "name": entry.industry.name}

    @staticmethod
    def item_remove(entry, *, removed_by) -> str:
        services.negative_list_entry_remove(entry=entry, removed_by=removed_by)
        return MSG_ENTRY_REMOVED % {"code": entry.industry.code, "name": entry.industry.name}


manage = NegativeListAdmin()
