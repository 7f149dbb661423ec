from django.contrib import admin

from service_requests.models import (
    DistrictLinkage,
    LinkageTier,
    LinkedOfficial,
    LookBack,
    LookBackDraw,
    ServiceRequest,
    ServiceRequestEvent,
)


@admin.register(LinkageTier)
class LinkageTierAdmin(admin.ModelAdmin):
    """The default tiers ("1311"): administrators rename, reorder or re-source them."""

    list_display = ["level", "name", "source"]
    list_editable = ["name", "source"]


@admin.register(DistrictLinkage)
class DistrictLinkageAdmin(admin.ModelAdmin):
    list_display = ["district", "task_force_head", "city_leader"]
    raw_id_fields = ["task_force_head", "city_leader"]


@admin.register(LinkedOfficial)
class LinkedOfficialAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "level", "user", "authority", "updated_at"]
    list_filter = ["level", "enterprise__district"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "user__username"]
    raw_id_fields = ["enterprise", "user", "updated_by"]


class ServiceRequestEventInline(admin.TabularInline):
    model = ServiceRequestEvent
    extra = 0
    fields = [
        "created_at",
        "actor",
        "action",
        "from_status",
        "to_status",
        "from_tier",
        "to_tier",
        "to_user",
        "to_authority",
        "comment",
    ]
    readonly_fields = fields
    can_delete = False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only here: every change of state goes through the workflow services and leaves an event."""

    list_display = ["pk", "enterprise", "category", "status", "tier", "due_at", "created_at"]
    list_filter = ["status", "category", "tier", "district"]
    search_fields = ["title", "enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    inlines = [ServiceRequestEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LookBackDraw)
class LookBackDrawAdmin(admin.ModelAdmin):
    list_display = ["week", "seed", "share", "closed_count", "unsatisfied_count", "sampled_count", "drawn_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LookBack)
class LookBackAdmin(admin.ModelAdmin):
    list_display = ["request", "reason", "outcome", "called_by", "called_at"]
    list_filter = ["reason", "outcome"]
    raw_id_fields = ["request", "called_by", "draw"]
