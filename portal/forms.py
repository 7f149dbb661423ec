from django import forms
from django.utils.translation import gettext_lazy as _

from portal.audit import DISCLOSURES, KINDS, AuditFilters


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("记录"),
        required=False,
        initial="worker",
        choices=[*((key, kind.label) for key, kind in KINDS.items()), (DISCLOSURES, _("身份证号查看记录"))],
    )
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("操作人"), required=False, max_length=50)

    def filters(self) -> AuditFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilters(
            kind=data.get("kind") or "worker",
            since=data.get("since"),
            until=data.get("until"),
            actor=(data.get("actor") or "").strip(),
        )
