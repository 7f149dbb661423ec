from django.contrib import admin

from workforce.models import CapacityReport, DailySummary, WorkforceReport


@admin.register(WorkforceReport)
class WorkforceReportAdmin(admin.ModelAdmin):
    list_display = ["day", "enterprise", "total_employees", "returned", "on_duty", "is_late", "submitted_at"]
    list_filter = ["day", "is_late", "enterprise__district"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "submitted_by"]


@admin.register(CapacityReport)
class CapacityReportAdmin(admin.ModelAdmin):
    list_display = ["day", "enterprise", "capacity_percent", "staff_on_site", "electricity_kwh"]
    list_filter = ["day", "enterprise__district"]
    search_fields = ["enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "submitted_by"]


@admin.register(DailySummary)
class DailySummaryAdmin(admin.ModelAdmin):
    """Built by the Celery job; rebuilt, never edited by hand."""

    list_display = ["day", "district", "is_final", "expected", "reported", "employees", "on_duty", "built_at"]
    list_filter = ["day", "is_final", "district"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
