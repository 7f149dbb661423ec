from django.contrib import admin

from core.read_only_admin import ReadOnlyModelAdmin
from filings.models import Filing, FilingEvent, FilingMaterial


class FilingMaterialInline(admin.TabularInline):
    model = FilingMaterial
    extra = 0
    fields = ["kind", "original_name", "file_kind", "size", "uploaded_at", "return_reason"]
    readonly_fields = fields
    can_delete = False


class FilingEventInline(admin.TabularInline):
    model = FilingEvent
    extra = 0
    fields = ["created_at", "actor", "kind", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False


@admin.register(Filing)
class FilingAdmin(ReadOnlyModelAdmin):
    """Read-only here: every change of state goes through the workflow services and leaves an event."""

    list_display = ["reference", "enterprise", "status", "submitted_at", "review_deadline", "decided_at"]
    list_filter = ["status", "enterprise__district"]
    search_fields = ["reference", "enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    inlines = [FilingMaterialInline, FilingEventInline]
