from django.contrib import admin

from policies.models import Payout, PolicyApplication, PolicyApplicationEvent, SupportPolicy


@admin.register(SupportPolicy)
class SupportPolicyAdmin(admin.ModelAdmin):
    """The catalogue is edited here by administrators (the demo entries are replaced before going live)."""

    list_display = [
        "title",
        "document_number",
        "benefit_type",
        "amount_rule",
        "scheduled_payout_on",
        "accepts_applications",
        "is_demo",
    ]
    list_filter = ["is_demo", "benefit_type", "accepts_applications"]
    search_fields = ["title", "document_number", "issuing_body"]
    filter_horizontal = ["districts", "reviewing_authorities"]
    autocomplete_fields = ["industries"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "issuing_body",
                    "document_number",
                    "benefit_type",
                    "summary",
                    "eligibility",
                    "materials_required",
                    "sort_order",
                    "accepts_applications",
                    "is_demo",
                ]
            },
        ),
        ("金额", {"fields": ["amount_rule", "amount_value", "amount_cap", "figure_label"]}),
        ("申报范围", {"fields": ["industries", "districts", "min_headcount", "max_headcount", "above_scale_only"]}),
        ("审核与兑付", {"fields": ["reviewing_authorities", "reviewed_by_district", "scheduled_payout_on"]}),
    ]


class PolicyApplicationEventInline(admin.TabularInline):
    model = PolicyApplicationEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False


@admin.register(PolicyApplication)
class PolicyApplicationAdmin(admin.ModelAdmin):
    """Read-only here: every change of state goes through the workflow services and leaves an event."""

    list_display = ["enterprise", "policy", "status", "submitted_at", "approved_amount"]
    list_filter = ["status", "district", "policy"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise", "policy"]
    exclude = ["account_number"]
    inlines = [PolicyApplicationEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["voucher_number", "application", "paid_on", "amount", "is_early", "days_to_payout"]
    list_filter = ["is_early"]
    list_select_related = ["application__enterprise", "application__policy"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
