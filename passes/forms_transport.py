"""Forms of point-to-point transport. They parse what was typed; the rules live in
passes.services.transport, whose messages the required fields reuse."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import SubmissionKeyField
from core.validators import validate_mobile
from enterprises.models import Enterprise
from passes.models import TransportRequest, Worker
from passes.selectors import transport as selectors
from passes.services import transport as services

MSG_ORIGIN_UNKNOWN = _("找不到该地区, 请输入6位行政区划代码(如 511602)或完整名称(如 四川省广安市广安区)。")


class WorkerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Worker) -> str:
        return f"{obj.name}({obj.id_number_masked}, {obj.origin.full_name})"


class TransportRequestForm(forms.Form):
    origin = forms.CharField(
        label=_("出发地"),
        max_length=120,
        help_text=_("县(市、区)一级, 输入代码或名称后从提示中选择; 须为出发日期时的低风险地区"),
        error_messages={"required": MSG_ORIGIN_UNKNOWN},
    )
    departure_on = forms.DateField(label=_("出发日期"), widget=forms.DateInput(attrs={"type": "date"}))
    headcount = forms.IntegerField(
        label=_("乘车人数"), min_value=1, max_value=10000, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    workers = WorkerChoiceField(
        label=_("乘车员工(可选)"),
        required=False,
        queryset=Worker.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("花名册中尚未返昆、且不在其他包车申请中的员工; 人数不能少于所选员工数"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_mobile = forms.CharField(
        label=_("联系人手机"),
        max_length=11,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].queryset = selectors.transport_worker_candidates(enterprise)
        self.fields["departure_on"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.fields["origin"].widget.attrs.update(
            {
                "list": "origin-options",
                "autocomplete": "off",
                "placeholder": _("如 511602 或 广安区"),
                "hx-get": reverse_lazy("passes:transport_origins"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#origin-options",
                "hx-swap": "innerHTML",
            }
        )

    def clean_origin(self):
        division = selectors.division_from_text(self.cleaned_data["origin"])
        if division is None:
            raise forms.ValidationError(MSG_ORIGIN_UNKNOWN, code="origin_unknown")
        return division


class ConfirmForm(forms.Form):
    comment = forms.CharField(label=_("意见(可选)"), max_length=255, required=False)


class ArrangeForm(forms.Form):
    arrangement = forms.CharField(
        label=_("车辆安排"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("车型、车牌、司机电话、集合地点和时间"),
        error_messages={"required": services.MSG_ARRANGEMENT_REQUIRED},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("不予安排的原因"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": services.MSG_REASON_REQUIRED},
    )


class ArriveForm(forms.Form):
    arrived_on = forms.DateField(
        label=_("抵昆日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": services.MSG_ARRIVAL_REQUIRED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["arrived_on"].initial = today
        self.fields["arrived_on"].widget.attrs["max"] = today.isoformat()


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因(可选)"), max_length=255, required=False)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "confirm": ConfirmForm,
    "arrange": ArrangeForm,
    "decline": DeclineForm,
    "arrive": ArriveForm,
    "cancel": CancelForm,
}


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    departure_from = forms.DateField(
        label=_("出发日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    departure_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (selectors.OPEN, _("待处理(待确认、安排中、已安排)")),
            *TransportRequest.Status.choices,
            (selectors.ALL, _("全部")),
        ]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if name == "status" else "form-control form-control-sm"
            )

    def filters(self) -> selectors.QueueFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.QueueFilters()
        data = self.cleaned_data
        return selectors.QueueFilters(
            status=data["status"] or selectors.OPEN,
            departure_from=data["departure_from"],
            departure_to=data["departure_to"],
        )
