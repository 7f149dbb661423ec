from django.contrib import admin

from core.dates import working_day_overrides_changed
from core.models import WorkingDayOverride


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "name", "is_working_day", "source_document"]
    list_filter = ["is_working_day"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        working_day_overrides_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        working_day_overrides_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        working_day_overrides_changed()
