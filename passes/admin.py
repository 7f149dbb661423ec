from django.contrib import admin

from core.read_only_admin import ReadOnlyModelAdmin
from passes.models import IdNumberDisclosure


@admin.register(IdNumberDisclosure)
class IdNumberDisclosureAdmin(ReadOnlyModelAdmin):
    """Who saw or exported full ID numbers, when, for which enterprise and why (written by passes.services.roster).
    An audit log: nobody, administrators included, edits or deletes a line."""

    list_display = ["at", "user", "kind", "enterprise", "worker", "worker_count", "reason"]
    list_filter = ["kind", "enterprise__district"]
    date_hierarchy = "at"
    search_fields = ["user__username", "user__full_name", "enterprise__name", "enterprise__credit_code", "reason"]
    list_select_related = ["user", "enterprise", "worker"]
