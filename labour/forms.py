"""Forms of the labour app. They parse what was typed; the rules live in labour.services."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from labour.models import HRAgency, LabourDispute, LabourNeed, MarketComplaint, Pairing, RecruitmentDrive
from labour.selectors import ALL, OPEN, ListFilters
from labour.services import complaints, disputes, drives, supply
from passes.models import Worker
from passes.selectors.transport import division_from_text
from reference.models import District

MSG_REGION_UNKNOWN = _("找不到该地区, 请输入6位行政区划代码(如 511602)或完整名称(如 四川省广安市广安区)。")
MSG_REGIONS_UNKNOWN = _("找不到这些地区: %(codes)s")
DATE = {"type": "date"}
NOT_CLOSED = _("未办结")
NUMBER = {"inputmode": "numeric"}


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    district = forms.ModelChoiceField(
        label=_("属地"), queryset=District.objects.all(), required=False, empty_label=_("全部属地")
    )
    q = forms.CharField(label=_("查找"), required=False, max_length=50)

    def __init__(self, *args, statuses, open_label=NOT_CLOSED, with_district=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(ALL, _("全部")), (OPEN, open_label), *statuses]
        if not with_district:
            del self.fields["district"]
        for name, field in self.fields.items():
            kind = "form-control" if name == "q" else "form-select"
            field.widget.attrs["class"] = f"{kind} {kind}-sm"

    def filters(self) -> ListFilters:
        if not self.is_valid():
            return ListFilters()
        district = self.cleaned_data.get("district")
        return ListFilters(
            status=self.cleaned_data["status"] or ALL,
            district_id=district.pk if district else None,
            q=self.cleaned_data["q"] or "",
        )


class NeedForm(forms.ModelForm):
    class Meta:
        model = LabourNeed
        fields = list(supply.NEED_FIELDS)
        widgets = {
            "start_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "positions": forms.NumberInput(attrs=NUMBER),
            "wage_min": forms.NumberInput(attrs=NUMBER),
            "wage_max": forms.NumberInput(attrs=NUMBER),
        }


class HireForm(forms.Form):
    count = forms.IntegerField(label=_("到岗人数"), min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    hired_on = forms.DateField(label=_("到岗日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    pairing = forms.ModelChoiceField(label=_("由结对机构输送(可选)"), queryset=Pairing.objects.none(), required=False)
    drive = forms.ModelChoiceField(
        label=_("来自招聘活动(可选)"), queryset=RecruitmentDrive.objects.none(), required=False
    )

    def __init__(self, *args, pairings=None, drives_=None, **kwargs):
        kwargs.setdefault("initial", {"hired_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if pairings is not None:
            self.fields["pairing"].queryset = pairings
            self.fields["pairing"].label_from_instance = lambda p: p.agency.name
        if drives_ is not None:
            self.fields["drive"].queryset = drives_


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("关闭原因"), max_length=200, error_messages={"required": supply.MSG_CLOSE_REASON_REQUIRED}
    )


class RegionsField(forms.CharField):
    """Region codes (GB/T 2260), separated by spaces or commas."""

    def clean(self, value):
        from reference.models import Division

        value = super().clean(value)
        codes = [c for c in value.replace(",", " ").replace("，", " ").split() if c]
        found = list(Division.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {d.code for d in found})
        if missing:
            raise forms.ValidationError(MSG_REGIONS_UNKNOWN % {"codes": " ".join(missing)})
        return found


class AgencyForm(forms.ModelForm):
    region_codes = RegionsField(
        label=_("招聘地区代码"), required=False, help_text=_("6位行政区划代码, 多个用空格分隔, 如 511602 511623")
    )

    class Meta:
        model = HRAgency
        fields = list(supply.AGENCY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["region_codes"] = " ".join(self.instance.regions.values_list("code", flat=True))

    def validate_unique(self):
        # The service validates the whole row; unique credit code included.
        pass


class PairingForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("人力资源机构"), queryset=None)
    needs = forms.ModelMultipleChoiceField(
        label=_("对接岗位"),
        queryset=LabourNeed.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": supply.MSG_PAIRING_NEEDS},
    )
    note = forms.CharField(label=_("说明(可选)"), max_length=255, required=False)

    def __init__(self, *args, agencies, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["needs"].queryset = needs
        self.fields["needs"].label_from_instance = lambda n: (
            _("%(job)s, 尚缺 %(open)s 人") % {"job": n.job, "open": n.positions - n.hired}
        )


class DriveForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    region = forms.CharField(
        label=_("招聘地区"),
        max_length=120,
        help_text=_("县(市、区)一级, 输入代码或名称后从提示中选择; 须为低风险地区"),
        error_messages={"required": MSG_REGION_UNKNOWN},
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    agencies = forms.ModelMultipleChoiceField(
        label=_("参与机构"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明(可选)"), max_length=255, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies
        self.fields["region"].widget.attrs.update(
            {
                "list": "region-options",
                "autocomplete": "off",
                "placeholder": _("如 511602 或 广安区"),
                "hx-get": reverse_lazy("labour:region_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#region-options",
                "hx-swap": "innerHTML",
            }
        )

    def clean_region(self):
        division = division_from_text(self.cleaned_data["region"])
        if division is None:
            raise forms.ValidationError(MSG_REGION_UNKNOWN, code="region_unknown")
        return division


class ParticipantForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=None)
    positions_offered = forms.IntegerField(label=_("提供岗位数"), min_value=1, widget=forms.NumberInput(attrs=NUMBER))

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises


class WorkerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Worker) -> str:
        return f"{obj.name}({obj.id_number_masked}, {obj.arrived_on:%Y-%m-%d} 抵昆)"


class ResultForm(forms.Form):
    signed = forms.IntegerField(label=_("签约人数"), min_value=0, widget=forms.NumberInput(attrs=NUMBER))
    arrived = forms.IntegerField(label=_("已抵昆人数"), min_value=0, widget=forms.NumberInput(attrs=NUMBER))
    workers = WorkerChoiceField(
        label=_("已抵昆的花名册员工(可选)"),
        queryset=Worker.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].queryset = workers


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": drives.MSG_CANCEL_REASON},
    )


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = MarketComplaint
        fields = [name for name in complaints.COMPLAINT_FIELDS if name != "enterprise"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "complainant_mobile": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
        }

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_name"].required = False
        self.fields["target_name"].help_text = _("选择了机构时可不填; 投诉企业请填写企业名称")
        if agencies is None:  # the public form names the target in words only
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = agencies


class ComplaintCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=MarketComplaint.Outcome.choices)
    note = forms.CharField(
        label=_("处理情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": complaints.MSG_OUTCOME_REQUIRED},
    )


class DisputeForm(forms.ModelForm):
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=None)

    class Meta:
        model = LabourDispute
        fields = ["enterprise", "kind", "workers_involved", "worker_names", "amount", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "worker_names": forms.Textarea(attrs={"rows": 2}),
            "workers_involved": forms.NumberInput(attrs=NUMBER),
        }
        help_texts = {"worker_names": _("多个姓名用顿号或逗号分隔; 页面上只显示脱敏姓名(张*三)")}

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first()
            self.fields["enterprise"].widget = forms.HiddenInput()


class DisputeActionForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        if action in disputes.CLOSING_ACTIONS:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("处理结果")
            self.fields["comment"].error_messages["required"] = disputes.MSG_OUTCOME_REQUIRED
