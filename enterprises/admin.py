from django.contrib import admin

from enterprises.models import Enterprise
from enterprises.standing import standing_changed


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "district", "industry", "status", "is_above_scale", "is_key"]
    list_filter = ["status", "district", "is_above_scale", "is_key", "is_chain_leader"]
    search_fields = ["name", "name_pinyin", "credit_code"]  # pinyin: "ksjm" finds 昆山精密
    list_select_related = ["district", "industry"]
    raw_id_fields = ["industry", "responsible_official"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "review_comment", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        standing_changed([obj.pk])  # the district, industry or flags may have changed
