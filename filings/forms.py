from crispy_forms.layout import HTML, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NoFormTag, fields_only_helper
from filings.models import Filing, FilingMaterial
from negative_list.models import ResumptionScope
from negative_list.selectors import IndustryRestrictions
from reference.models import District, Industry

MSG_NO_SCOPE = _("请至少选择一项。")


class ScopeStepForm(NoFormTag, forms.ModelForm):
    """Step 1: what the enterprise asks to resume, when, and with how many people."""

    class Meta:
        model = Filing
        fields = ["scope_work", "scope_production", "scope_business", "planned_resume_on", "planned_headcount"]
        widgets = {"planned_resume_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, restrictions: IndustryRestrictions | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()
        self.fields["planned_resume_on"].required = True
        self.fields["planned_headcount"].required = True
        # A scope the negative list in force restricts cannot be picked; the entry is cited beside it.
        self.restricted = restrictions.by_scope if restrictions else {}
        for scope, restriction in self.restricted.items():
            field = self.fields[f"scope_{scope}"]
            field.widget.attrs["disabled"] = True
            field.help_text = restriction.message
            self.initial[f"scope_{scope}"] = False

    def clean(self):
        cleaned = super().clean()
        for scope, restriction in self.restricted.items():
            if cleaned.get(f"scope_{scope}"):
                self.add_error(f"scope_{scope}", restriction.message)
        if not any(cleaned.get(f"scope_{scope}") for scope in ResumptionScope.values):
            raise forms.ValidationError(MSG_NO_SCOPE)
        return cleaned


class MeasuresStepForm(NoFormTag, forms.ModelForm):
    """Step 2: prevention measures, contact person and the commitment."""

    class Meta:
        model = Filing
        fields = [
            "masks_in_stock",
            "thermometers_in_stock",
            "has_disinfection",
            "has_isolation_room",
            "canteen",
            "has_shuttle",
            "measures_notes",
            "contact_name",
            "contact_mobile",
            "commitment_accepted",
        ]
        widgets = {"measures_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()
        for name in ("masks_in_stock", "thermometers_in_stock", "canteen", "contact_name", "contact_mobile"):
            self.fields[name].required = True
        self.fields["contact_mobile"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "tel"})
        # The checkbox says "已阅读并承诺…": the text to read stands right above it.
        fields = [name for name in self.Meta.fields if name != "commitment_accepted"]
        self.helper.layout = Layout(*fields, HTML('{% include "filings/_commitment.html" %}'), "commitment_accepted")
        self.fields["commitment_accepted"].widget.attrs["aria-describedby"] = "commitment-points"


class MaterialUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=FilingMaterial.Kind.choices, widget=forms.HiddenInput)
    # An empty file gets the upload check's own message (core.uploads.MSG_EMPTY), not "choose a file".
    file = forms.FileField(label=_("选择文件"), allow_empty_file=True)


class DecisionForm(forms.Form):
    """A district reviewer's decision; per-material reasons matter only when returning."""

    ACTIONS = [("approve", _("审核通过")), ("return", _("退回修改")), ("reject", _("不予通过"))]
    action = forms.ChoiceField(label=_("审核结果"), choices=ACTIONS, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        for material in materials:
            self.fields[f"reason_{material.kind}"] = forms.CharField(
                label=_("“%(kind)s”退回原因") % {"kind": material.get_kind_display()},
                required=False,
                max_length=255,
            )

    def material_reasons(self) -> dict[str, str]:
        return {
            name.removeprefix("reason_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("reason_") and value
        }


class GuidanceForm(forms.Form):
    comment = forms.CharField(label=_("行业指导意见"), widget=forms.Textarea(attrs={"rows": 2}))


class ResumptionForm(forms.Form):
    work = forms.DateField(label=_("实际复工日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    production = forms.DateField(
        label=_("实际复产日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    business = forms.DateField(label=_("实际复市日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, filing: Filing, **kwargs):
        super().__init__(*args, **kwargs)
        for scope in ResumptionScope.values:
            if scope not in filing.scopes:
                del self.fields[scope]
            else:
                self.fields[scope].initial = getattr(filing, f"resumed_{scope}_on")
        self.helper = fields_only_helper()


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, initial=Filing.Status.SUBMITTED)
    district = forms.ModelChoiceField(
        label=_("属地"), queryset=District.objects.all(), required=False, empty_label=_("全部")
    )
    section = forms.ChoiceField(label=_("行业门类"), required=False)
    q = forms.CharField(label=_("企业名称或备案编号"), required=False)
    above_scale = forms.BooleanField(label=_("规上企业"), required=False)
    key = forms.BooleanField(label=_("重点企业"), required=False)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [(s, label) for s, label in Filing.Status.choices if s != Filing.Status.DRAFT]
        self.fields["status"].choices = [("", _("全部"))] + statuses
        sections = Industry.objects.filter(level=Industry.Level.SECTION).order_by("code")
        self.fields["section"].choices = [("", _("全部"))] + [(s.code, f"{s.code} {s.name}") for s in sections]
        if user.district_id:
            del self.fields["district"]
        for name, field in self.fields.items():
            if isinstance(field, forms.BooleanField):
                css = "form-check-input"
            else:
                css = "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            field.widget.attrs["class"] = css
