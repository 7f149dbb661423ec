"""Forms of the risk-area list's management pages (administrators)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from passes.models import Division, RiskAreaList, RiskLevel
from passes.selectors import risk_areas as selectors
from passes.services.risk_areas import MSG_UNKNOWN_DIVISION


class _NoFormTag:
    def _no_form_tag(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False


class RiskListDraftForm(_NoFormTag, forms.ModelForm):
    copy_from = forms.ModelChoiceField(
        label=_("复制地区自"),
        queryset=RiskAreaList.objects.none(),
        required=False,
        empty_label=_("不复制, 新建空白草稿"),
        help_text=_("默认复制现行版本的全部地区, 在其基础上增删。"),
    )

    class Meta:
        model = RiskAreaList
        fields = ["title", "source_document", "effective_from", "notes"]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, in_force: RiskAreaList | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = selectors.risk_area_lists_all()
        self.fields["copy_from"].label_from_instance = self._version_label
        self.fields["copy_from"].initial = in_force.pk if in_force else None
        self._no_form_tag()

    @staticmethod
    def _version_label(version: RiskAreaList) -> str:
        return f"[{version.get_status_display()}] {version}"


class RiskAreaAddForm(_NoFormTag, forms.Form):
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
