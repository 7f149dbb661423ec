"""The risk-area list: public pages (clause 3, no login) and the administrators' management pages.

The management pages are the shared ones of core/rule_list_admin.py, as the negative list's are."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require_admin
from core.downloads import xlsx_response
from core.rule_list_admin import RuleListAdmin, RuleListUrls
from passes.eligibility import risk_area_list_in_force
from passes.forms_risk import RiskAreaAddForm, RiskListDraftForm
from passes.models import RiskAreaList
from passes.selectors import risk_areas as selectors
from passes.services import risk_areas as services

MSG_AREA_ADDED = _("已加入“%(code)s %(name)s”(%(level)s)。")
MSG_AREA_REMOVED = _("已移除“%(code)s %(name)s”。")
MSG_PUBLISHED = _(
    "已发布“%(title)s”, %(date)s起施行。届时持有效通行证、但按新名单不能上岗的员工, 其通行证将暂停使用并通知企业。"
)
MSG_IMPORTED = _("已导入 %(count)d 个地区。")

Q_MAX_LENGTH = 50


# --- the published list (public, clause 3) -------------------------------------------------------


def _version_page(request, version: RiskAreaList | None, in_force: RiskAreaList | None):
    q = request.GET.get("q", "")[:Q_MAX_LENGTH].strip()
    areas = selectors.risk_areas_of(version)
    others = [v for v in selectors.risk_area_lists_published() if version is None or v.pk != version.pk]
    return render(
        request,
        "passes/risk_public.html",
        {
            "version": version,
            "in_force": in_force,
            "is_in_force": version is not None and in_force is not None and version.pk == in_force.pk,
            "today": timezone.localdate(),
            "areas": areas,
            "q": q,
            "matches": selectors.risk_area_search(areas, version, q),
            "search_limit": selectors.DIVISION_SEARCH_LIMIT,
            "others": others,
        },
    )


def public(request):
    """The risk-area list in force today, searchable by place, for everyone without logging in."""
    in_force = risk_area_list_in_force(timezone.localdate())
    return _version_page(request, in_force, in_force)


def version_detail(request, pk: int):
    """Any published version, read-only: earlier ones stay visible so past decisions can be checked."""
    version = selectors.risk_area_list_published_get_or_404(pk)
    return _version_page(request, version, risk_area_list_in_force(timezone.localdate()))


def version_export(request, pk: int):
    return _export(selectors.risk_area_list_published_get_or_404(pk))


def _export(version: RiskAreaList):
    content = services.risk_area_export(risk_list=version)
    return xlsx_response(content, f"风险地区名单-{version.effective_from:%Y%m%d}-{version.pk}.xlsx")


# --- management (administrators) -----------------------------------------------------------------


class RiskAreaListAdmin(RuleListAdmin):
    urls = RuleListUrls(
        manage="passes:risk_area_manage",
        create="passes:risk_area_manage_create",
        detail="passes:risk_area_manage_detail",
        publish="passes:risk_area_manage_publish",
        import_items="passes:risk_area_manage_import",
        export="passes:risk_area_manage_export",
        import_template="passes:risk_area_manage_template",
        remove="passes:risk_area_manage_remove",
    )
    templates = "passes/risk_manage_"
    draft_form = RiskListDraftForm
    item_form = RiskAreaAddForm
    items_name = "areas"
    template_filename = "风险地区名单导入模板.xlsx"
    import_errors_filename = _("风险地区名单导入-错误标注.xlsx")
    msg_read_only = services.MSG_PUBLISHED_READ_ONLY
    msg_published = MSG_PUBLISHED
    msg_imported = MSG_IMPORTED

    check_manager = staticmethod(require_admin)
    in_force = staticmethod(risk_area_list_in_force)
    versions = staticmethod(selectors.risk_area_lists_all)
    version_or_404 = staticmethod(selectors.risk_area_list_get_or_404)
    items = staticmethod(selectors.risk_areas_of)
    item_or_404 = staticmethod(selectors.risk_area_get_or_404)
    draft_create = staticmethod(services.risk_area_list_draft_create)
    publish = staticmethod(services.risk_area_list_publish)
    import_items = staticmethod(services.risk_area_import)
    import_template = staticmethod(services.risk_area_template)
    export = staticmethod(_export)

    @staticmethod
    def item_version_id(area) -> int:
        return area.risk_list_id

    @staticmethod
    def item_add(*, draft, added_by, **data) -> str:
        area = services.risk_area_add(draft=draft, added_by=added_by, **data)
        return MSG_AREA_ADDED % {
            "code": area.division.code,
            "name": area.division.full_name,
            "level": area.get_level_display(),
        }

    @staticmethod
    def item_remove(area, *, removed_by) -> str:
        services.risk_area_remove(area=area, removed_by=removed_by)
        return MSG_AREA_REMOVED % {"code": area.division.code, "name": area.division.full_name}


manage = RiskAreaListAdmin()
