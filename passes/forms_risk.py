"""Forms of the risk-area list's management pages (administrators)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NoFormTag, RuleListDraftForm
from passes.models import RiskAreaList, RiskLevel
from passes.selectors import risk_areas as selectors
from passes.services.risk_areas import MSG_UNKNOWN_DIVISION
from reference.models import Division


class RiskListDraftForm(RuleListDraftForm):
    copy_label = _("复制地区自")
    copy_help = _("默认复制现行版本的全部地区, 在其基础上增删。")

    class Meta(RuleListDraftForm.Meta):
        model = RiskAreaList


class RiskAreaAddForm(NoFormTag, forms.Form):
    division = forms.CharField(
        label=_("地区代码"),
        max_length=6,
        help_text=_(
            "6 位 GB/T 2260 代码: 省级(如 420000)、地级(如 330300)或县级(如 420102); 列入省或市即覆盖其下所有地区。"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    level = forms.ChoiceField(
        label=_("风险等级"),
        choices=RiskLevel.choices,
        initial=RiskLevel.HIGH,
        help_text=_("低风险只用于已列入的省或市中的例外地区: 同一地区有多个条目时以最具体的为准。"),
    )
    note = forms.CharField(label=_("备注"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()

    def clean_division(self) -> Division:
        division = selectors.division_by_code(self.cleaned_data["division"])
        if division is None:
            raise forms.ValidationError(MSG_UNKNOWN_DIVISION)
        return division
