from django.contrib import admin

from workforce.models import CapacityReport, DailySummary, WorkforceReport
from workforce.resumption import standings_refresh
from workforce.tallies import report_deleted, report_saved


@admin.register(WorkforceReport)
class WorkforceReportAdmin(admin.ModelAdmin):
    list_display = ["day", "enterprise", "total_employees", "returned", "on_duty", "is_late", "submitted_at"]
    list_filter = ["day", "is_late", "enterprise__district"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "submitted_by"]

    # A correction here keeps the dashboards' tallies and the enterprise's standing as the form's save does.
    def save_model(self, request, obj, form, change):
        stored = WorkforceReport.objects.filter(pk=obj.pk).first() if change else None
        if stored is not None:
            report_deleted(stored)  # the old row may belong to another enterprise or day
        super().save_model(request, obj, form, change)
        report_saved(obj)
        standings_refresh({obj.enterprise_id, *([stored.enterprise_id] if stored else [])})

    def delete_model(self, request, obj):
        report_deleted(obj)
        super().delete_model(request, obj)
        standings_refresh([obj.enterprise_id])

    def delete_queryset(self, request, queryset):
        for report in queryset:
            self.delete_model(request, report)


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
