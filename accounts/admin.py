from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, SmsMessage, User
from accounts.services import staff_import, staff_import_columns
from core import excel
from core.downloads import download_stash, xlsx_response
from core.forms import ExcelUploadForm

MSG_STAFF_IMPORTED = _("已导入 %(count)d 个账号, 首次登录须修改密码。")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_list_template = "admin/accounts/user/change_list.html"
    list_display = ["username", "full_name", "role", "district", "industry_authority", "community", "is_active"]
    list_filter = ["role", "is_active", "district"]
    search_fields = ["username", "full_name", "mobile"]
    list_select_related = ["district", "industry_authority", "community"]
    raw_id_fields = ["enterprise"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["full_name", "mobile", "email"]}),
        (_("角色与范围"), {"fields": ["role", "enterprise", "district", "industry_authority", "community"]}),
        (_("权限"), {"fields": ["is_active", "is_staff", "is_superuser", "password_change_required"]}),
        (_("时间"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("角色与范围"), {"fields": ["full_name", "mobile", "role", "district", "industry_authority", "community"]}),
    ]

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view), name="accounts_user_import"),
            path(
                "import/template.xlsx",
                self.admin_site.admin_view(self.import_template_view),
                name="accounts_user_import_template",
            ),
        ]
        return urls + super().get_urls()

    def import_template_view(self, request):
        example = ["zhangpu_li", "李明", "属地工作人员", "13912345678", "", "张浦镇", "", ""]
        content = excel.template_workbook(staff_import_columns(), title="工作人员账号导入模板", example_rows=[example])
        return xlsx_response(content, "工作人员账号导入模板.xlsx")

    def import_view(self, request):
        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = ExcelUploadForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("从 Excel 导入工作人员账号"),
            "opts": self.model._meta,
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = staff_import(upload=upload)
            except excel.ExcelFileError as error:
                form.add_error("file", error.message)
            else:
                if outcome.result.ok:
                    context["password_token"] = download_stash(
                        user=request.user,
                        content=_passwords_workbook(outcome.created),
                        filename="工作人员初始密码.xlsx",
                    )
                    context["created"] = [user for user, _password in outcome.created]
                    messages.success(request, MSG_STAFF_IMPORTED % {"count": len(outcome.created)})
                else:
                    context.update(
                        excel.import_error_context(
                            user=request.user,
                            upload=upload,
                            columns=outcome.columns,
                            result=outcome.result,
                            filename=_("工作人员导入-错误标注.xlsx"),
                        )
                    )
        return render(request, "admin/accounts/user/import.html", context)


def _passwords_workbook(created) -> bytes:
    columns = [
        excel.Column("username", "用户名"),
        excel.Column("full_name", "姓名"),
        excel.Column("role", "角色"),
        excel.Column("password", "初始密码"),
    ]
    rows = [[u.username, u.full_name, u.get_role_display(), password] for u, password in created]
    sheet = excel.Sheet(
        title="初始密码",
        columns=columns,
        rows=rows,
        heading="工作人员初始密码",
        subheading="请逐一发给本人; 首次登录后必须修改密码。本文件请妥善保管, 用后删除。",
    )
    return excel.write_workbook([sheet])


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Staff look a message up by the full number (search) and see it masked; nothing here is editable."""

    list_display = ["created_at", "masked_mobile", "template", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "template"]
    search_fields = ["=mobile", "=gateway_id"]
    fields = [
        "created_at",
        "masked_mobile",
        "user",
        "template",
        "text",
        "status",
        "attempts",
        "error",
        "gateway_id",
        "sent_at",
    ]
    readonly_fields = cast(list[str], fields)  # plain field names, no groups

    @admin.display(description=_("手机号"))
    def masked_mobile(self, obj):
        return obj.masked_mobile

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
