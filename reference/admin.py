from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core import excel
from core.downloads import xlsx_response
from core.forms import ExcelUploadForm
from reference import imports
from reference.models import Community, District, Division, Industry, IndustryAuthority

MSG_IMPORTED = _("已导入: 新增 %(created)d 条, 更新 %(updated)d 条。")


class ExcelImportMixin:
    """An administrator's Excel import on the model's admin page (core.excel: all or nothing, annotated errors)."""

    import_title = ""
    import_template_title = ""
    import_example: list = []
    import_help = ""

    # Each admin that mixes this in names its columns and its import (reference/imports.py), as staticmethods.
    import_columns: Callable[[], list[excel.Column]]
    import_run: Callable[..., Any]  # (upload=...) -> an outcome with result, columns, created, updated

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="{}_{}_import".format(*info)),
            path(
                "import/template.xlsx",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        title = str(self.import_template_title)
        content = excel.template_workbook(self.import_columns(), title=title, example_rows=[self.import_example])
        return xlsx_response(content, f"{title}.xlsx")

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ExcelUploadForm(request.POST or None, request.FILES or None)
        info = self.model._meta.app_label, self.model._meta.model_name
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": self.import_title,
            "opts": self.model._meta,
            "help": self.import_help,
            "template_url_name": "admin:{}_{}_import_template".format(*info),
            "changelist_url_name": "admin:{}_{}_changelist".format(*info),
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = self.import_run(upload=upload)
            except excel.ExcelFileError as error:
                form.add_error("file", error.message)
            else:
                if outcome.result.ok:
                    messages.success(request, MSG_IMPORTED % {"created": outcome.created, "updated": outcome.updated})
                    context["done"] = True
                else:
                    context.update(
                        excel.import_error_context(
                            user=request.user,
                            upload=upload,
                            columns=outcome.columns,
                            result=outcome.result,
                            filename=f"{self.import_template_title}-错误标注.xlsx",
                        )
                    )
        return render(request, "admin/reference/import.html", context)


@admin.register(District)
class DistrictAdmin(ExcelImportMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sort_order"]
    list_editable = ["sort_order"]
    list_filter = ["kind"]
    change_list_template = "admin/reference/change_list_import.html"
    import_title = _("从 Excel 导入城市管理办事处")
    import_template_title = "城市管理办事处导入模板"
    import_example = ["cgb-example", "示例城市管理办事处", "城市管理办事处"]
    import_help = _("每行一个城市管理办事处(或其他属地), 按代码新增或更新; 同一文件再次导入不会重复。")

    import_columns = staticmethod(imports.office_columns)
    import_run = staticmethod(imports.offices_import)


@admin.register(Community)
class CommunityAdmin(ExcelImportMixin, admin.ModelAdmin):
    list_display = ["name", "code", "district", "is_demo"]
    list_filter = ["district", "is_demo"]
    search_fields = ["name", "code"]
    change_list_template = "admin/reference/change_list_import.html"
    import_title = _("从 Excel 导入社区(村)")
    import_template_title = "社区(村)导入模板"
    import_example = ["张浦镇", "zhangpu-001", "示例社区"]
    import_help = _(
        "每行一个社区或村, 按代码新增或更新; 导入的社区(村)为真实数据(不再标为演示)。同一文件再次导入不会重复。"
    )

    import_columns = staticmethod(imports.community_columns)
    import_run = staticmethod(imports.communities_import)


@admin.register(IndustryAuthority)
class IndustryAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "duties"]
    filter_horizontal = ["industries"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "section", "division"]
    list_filter = ["level", "section"]
    search_fields = ["code", "name", "name_pinyin"]
    raw_id_fields = ["parent"]


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]
    raw_id_fields = ["parent"]
