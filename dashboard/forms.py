from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.drilldown import DRILLS, DrillFilters
from enterprises.forms import EnterpriseFilterForm
from enterprises.selectors import EnterpriseFilters
from negative_list.selectors import industry_by_code
from reference.models import IndustryAuthority

MSG_UNKNOWN_INDUSTRY_CODE = _("没有这个行业代码: 请填门类字母或 2 至 4 位国民经济行业分类代码。")


class DrillDownForm(EnterpriseFilterForm):
    """The registry list's filters, plus the figure a dashboard links from, an industry code at any level
    and an industry authority's share (a commander drilling down from an industry view)."""

    figure = forms.ChoiceField(label=_("指标"), required=False, choices=[("", _("全部"))] + list(DRILLS.items()))
    industry = forms.CharField(
        label=_("行业代码"), required=False, max_length=4, help_text=_("门类字母或 2 至 4 位代码")
    )
    authority = forms.ModelChoiceField(
        label=_("行业主管部门"), queryset=IndustryAuthority.objects.all(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["figure"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["authority"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["authority"].empty_label = _("全部")
        self.fields["industry"].widget.attrs.update({"class": "form-control form-control-sm", "autocomplete": "off"})

    def clean_industry(self):
        code = self.cleaned_data["industry"].strip()
        if not code:
            return None
        industry = industry_by_code(code)
        if industry is None:
            raise forms.ValidationError(MSG_UNKNOWN_INDUSTRY_CODE)
        return industry

    def filters(self) -> DrillFilters:
        data = self.cleaned_data if self.is_bound else {}
        district = data.get("district")
        authority = data.get("authority")
        return DrillFilters(
            registry=EnterpriseFilters(
                q=data.get("q", "").strip(),
                district=district.pk if district else None,
                section=data.get("section", ""),
                status=data.get("status", ""),
                above_scale=data.get("above_scale", False),
                key=data.get("key", False),
                chain_leader=data.get("chain_leader", False),
            ),
            figure=data.get("figure", ""),
            industry=data.get("industry"),
            authority_id=authority.pk if authority else None,
        )
