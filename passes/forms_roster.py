"""Forms of the roster. They parse what was typed; the rules across fields live in
passes.services.roster.worker_data_errors, shared with the Excel import."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passes.eligibility import Decision
from passes.models import Worker
from passes.personal_data import normalize_id_number
from passes.selectors.roster import RosterFilters, residence_communities
from passes.services.roster import MSG_REASON_REQUIRED, TEMPERATURE_MAX, TEMPERATURE_MIN, worker_data_errors
from reference.models import Division

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RosterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("姓名或手机号")}),
    )
    decision = forms.ChoiceField(
        label=_("今日上岗资格"), required=False, choices=[("", _("全部"))] + list(Decision.choices)
    )
    other_district = forms.BooleanField(label=_("居住在其他区镇"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["decision"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["other_district"].widget.attrs["class"] = "form-check-input"

    def filters(self) -> RosterFilters:
        if not self.is_valid():
            return RosterFilters()
        data = self.cleaned_data
        return RosterFilters(q=data["q"], decision=data["decision"], other_district=data["other_district"])


class WorkerForm(forms.ModelForm):
    """A worker's entries. The ID number is asked for when the worker is added; when editing it is
    shown masked, and a number typed in replaces it."""

    id_number = forms.CharField(
        label=_("身份证号"), max_length=22, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    origin_search = forms.CharField(
        label=_("查找来源地"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("输入地名(如 广安区)或代码开头(如 5116)")}
        ),
    )

    class Meta:
        model = Worker
        fields = [
            "name",
            "mobile",
            "origin",
            "arrived_on",
            "quarantine_status",
            "quarantine_started_on",
            "temperature",
            "temperature_taken_at",
            "test_result",
            "tested_on",
            "residence_district",
            "residence_community",
            "residence_address",
            "housing_331_compliant",
            "job",
        ]
        widgets = {
            "arrived_on": _DATE,
            "quarantine_started_on": _DATE,
            "tested_on": _DATE,
            "temperature_taken_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "temperature": forms.NumberInput(
                attrs={"step": "0.1", "min": str(TEMPERATURE_MIN), "max": str(TEMPERATURE_MAX), "inputmode": "decimal"}
            ),
            "mobile": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("现为 %(masked)s; 不修改请留空") % {
                "masked": self.instance.id_number_masked
            }
        today = timezone.localdate().isoformat()
        for name in ("arrived_on", "quarantine_started_on", "tested_on"):
            self.fields[name].widget.attrs["max"] = today
        # The list offers the communities of the chosen district (htmx refills it when the district changes), all
        # of them while none is chosen; any community validates, so one of another district gets the rule's message.
        community = self.fields["residence_community"]
        community.queryset = residence_communities(None)
        community.widget.choices = [("", community.empty_label)] + [
            (c.pk, f"{c.district.name} · {c.name}") for c in residence_communities(self._district_id())
        ]
        self.fields["residence_district"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("passes:roster_communities"),
                "hx-trigger": "change",
                "hx-target": f"#{self.auto_id % self.add_prefix('residence_community')}",
                "hx-swap": "innerHTML",
            }
        )
        # Thousands of divisions: the list holds the chosen one only, the search box fills it (htmx).
        origin = self.fields["origin"]
        chosen = Division.objects.filter(pk=self._origin_code()).first() if self._origin_code() else None
        origin.widget.choices = [("", _("请先在上方查找"))] + ([(chosen.code, str(chosen))] if chosen else [])
        self.fields["origin_search"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("passes:roster_origins"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": f"#{origin.widget.attrs.get('id') or self.auto_id % self.add_prefix('origin')}",
                "hx-swap": "innerHTML",
            }
        )

    def _district_id(self) -> str | None:
        if self.is_bound:
            value = str(self.data.get(self.add_prefix("residence_district"), "")).strip()
            return value if value.isdigit() else None
        district = self.initial.get("residence_district")
        return str(getattr(district, "pk", district)) if district else None

    def _origin_code(self) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix("origin"), "")).strip()[:6]
        return self.initial.get("origin") or ""

    def clean_id_number(self) -> str | None:
        value = self.cleaned_data["id_number"].strip()
        return normalize_id_number(value) if value else None

    def clean(self):
        cleaned = super().clean()
        for name, message in worker_data_errors(cleaned, now=timezone.now()).items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def worker_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReasonForm(forms.Form):
    """Why a full ID number is needed; kept in the disclosure record."""

    reason = forms.CharField(
        label=_("事由"),
        max_length=255,
        error_messages={"required": MSG_REASON_REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": _("如 核对返岗通行证申请材料")}),
    )


class WorkerLeaveForm(forms.Form):
    """The day a worker left; cleared to undo a mistake (before the sweep anonymised them)."""

    left_on = forms.DateField(
        label=_("离职日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空表示未离职"),
    )
