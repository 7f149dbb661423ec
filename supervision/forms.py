"""Forms of supervision. They parse what was typed; the rules live in supervision.services."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.forms import NoFormTag, RuleListDraftForm
from enterprises.models import Enterprise
from reference.models import Community, District
from supervision import selectors
from supervision.models import Checklist, Failing, Finding, InspectionVisit, Notice, TargetKind, TrainingSession

MSG_UNKNOWN_ENTERPRISES = _("找不到这些企业(请填写统一社会信用代码, 每行一个): %(codes)s")
DATE_WIDGET = {"type": "date"}


class SmallWidgets:
    """Filter forms laid out by hand in a row above a list: Bootstrap's small controls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._small_widgets()

    def _small_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"


class WorkerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        arrived = f"{obj.arrived_on:%m-%d}返昆" if obj.arrived_on else str(_("未返昆"))
        return f"{obj.name}({obj.id_number_masked}, {arrived})"


class TrainingSessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=TrainingSession.Kind.choices)
    held_on = forms.DateField(label=_("培训日期"), widget=forms.DateInput(attrs=DATE_WIDGET))
    topic = forms.CharField(label=_("培训主题"), max_length=200)
    trainer = forms.CharField(label=_("授课人"), max_length=50)
    attendee_count = forms.IntegerField(
        label=_("参训人数"), min_value=1, max_value=100000, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    attendees = WorkerChoiceField(
        label=_("参训员工(可选)"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("从员工花名册中勾选; 返昆员工参加了返昆当天或之后的培训, 即计为已培训"),
    )
    material = forms.FileField(
        label=_("照片或签到表(可选)"),
        required=False,
        help_text=_("JPEG、PNG 图片或 PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = selectors.roster_for_attendance(enterprise)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class TrainingFilterForm(SmallWidgets, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *TrainingSession.Kind.choices])
    held_from = forms.DateField(label=_("培训日期自"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET))
    held_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET))

    def filters(self) -> selectors.TrainingFilters:
        if not self.is_valid():
            return selectors.TrainingFilters()
        return selectors.TrainingFilters(**self.cleaned_data)


# --- checklists -------------------------------------------------------------------------------------


class ChecklistDraftForm(RuleListDraftForm):
    copy_label = _("复制检查项自")
    copy_help = _("默认复制现行版本的全部检查项, 在其基础上增删。")

    class Meta(RuleListDraftForm.Meta):
        model = Checklist


class ChecklistItemForm(NoFormTag, forms.Form):
    number = forms.IntegerField(label=_("序号"), min_value=1, max_value=999)
    target_kind = forms.ChoiceField(
        label=_("适用对象"), required=False, choices=[("", _("全部对象")), *TargetKind.choices]
    )
    text = forms.CharField(label=_("检查内容"), max_length=255)
    rectify_working_days = forms.IntegerField(label=_("整改期限(工作日)"), min_value=1, max_value=30, initial=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()


# --- rounds -----------------------------------------------------------------------------------------


class InspectorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        where = obj.district.name if obj.district_id else str(obj.get_role_display())
        return f"{obj.display_name}({where})"


class TargetsForm(forms.Form):
    """The targets of a round: enterprises by credit code, communities, or district offices."""

    enterprises = forms.CharField(
        label=_("企业(统一社会信用代码, 每行一个)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("社区(村)卡口"), required=False, queryset=None, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("区镇机关"), required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, target_kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.target_kind = target_kind
        own = user.district_id if user.role == Role.DISTRICT_STAFF else None
        communities = Community.objects.select_related("district").order_by("district__sort_order", "code")
        districts = District.objects.order_by("sort_order", "code")
        if own:
            communities, districts = communities.filter(district_id=own), districts.filter(pk=own)
        self.fields["communities"].queryset = communities
        self.fields["districts"].queryset = districts
        for name, kind in (
            ("enterprises", TargetKind.ENTERPRISE),
            ("communities", TargetKind.COMMUNITY),
            ("districts", TargetKind.DISTRICT),
        ):
            if target_kind and target_kind != kind:
                del self.fields[name]

    def clean_enterprises(self):
        codes = [line.strip().upper() for line in self.cleaned_data["enterprises"].splitlines() if line.strip()]
        found = {e.credit_code: e for e in Enterprise.objects.visible_to(self.user).filter(credit_code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise forms.ValidationError(MSG_UNKNOWN_ENTERPRISES % {"codes": "、".join(missing[:10])})
        return [found[code] for code in dict.fromkeys(codes)]

    def targets(self, target_kind: str) -> list:
        field = {
            TargetKind.ENTERPRISE: "enterprises",
            TargetKind.COMMUNITY: "communities",
            TargetKind.DISTRICT: "districts",
        }[target_kind]
        return list(self.cleaned_data.get(field) or [])


class RoundForm(TargetsForm):
    title = forms.CharField(label=_("督导名称"), max_length=200)
    target_kind = forms.ChoiceField(label=_("督导对象类型"), choices=TargetKind.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs=DATE_WIDGET))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs=DATE_WIDGET))
    inspectors = InspectorChoiceField(label=_("督导人员"), queryset=None, widget=forms.CheckboxSelectMultiple)

    field_order = [
        "title",
        "target_kind",
        "starts_on",
        "ends_on",
        "inspectors",
        "enterprises",
        "communities",
        "districts",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        people = User.objects.filter(is_active=True).select_related("district")
        if user.role == Role.DISTRICT_STAFF:
            people = people.filter(Q(role=Role.COMMANDER) | Q(role=Role.DISTRICT_STAFF, district=user.district_id))
        else:
            people = people.filter(role__in=(Role.COMMANDER, Role.DISTRICT_STAFF))
        self.fields["inspectors"].queryset = people.order_by("role", "district__sort_order", "username")


# --- visits -----------------------------------------------------------------------------------------

RESULT_CHOICES = [("pass", _("合格")), ("fail", _("不合格"))]


def visit_record_form(items, data=None):
    """One pass/fail choice and one note per checklist item, and the overall note."""
    fields = {}
    for item in items:
        fields[f"result_{item.pk}"] = forms.ChoiceField(
            label=item.text,
            choices=RESULT_CHOICES,
            required=False,
            widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        )
        fields[f"note_{item.pk}"] = forms.CharField(
            label=_("问题说明"),
            max_length=500,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        )
    fields["summary"] = forms.CharField(
        label=_("督导意见"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    form_class = type("VisitRecordForm", (forms.Form,), fields)
    return form_class(data)


class VisitFilterForm(SmallWidgets, forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *InspectionVisit.Status.choices]
    )
    district = forms.ModelChoiceField(
        label=_("属地"), required=False, queryset=District.objects.all(), empty_label=_("全部")
    )

    def filters(self, mine: bool = False) -> selectors.VisitFilters:
        if not self.is_valid():
            return selectors.VisitFilters(mine=mine)
        district = self.cleaned_data["district"]
        return selectors.VisitFilters(
            status=self.cleaned_data["status"], mine=mine, district_id=district.pk if district else None
        )


# --- findings ---------------------------------------------------------------------------------------


class FindingFilterForm(SmallWidgets, forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *Finding.Status.choices])
    overdue = forms.BooleanField(label=_("只看逾期未整改"), required=False)
    district = forms.ModelChoiceField(
        label=_("属地"), required=False, queryset=District.objects.all(), empty_label=_("全部")
    )

    def filters(self) -> selectors.FindingFilters:
        if not self.is_valid():
            return selectors.FindingFilters()
        district = self.cleaned_data["district"]
        return selectors.FindingFilters(
            status=self.cleaned_data["status"],
            overdue=self.cleaned_data["overdue"],
            district_id=district.pk if district else None,
        )


class RectificationForm(forms.Form):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    text = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


FINDING_ACTION_FORMS = {"report": RectificationForm, "accept": CommentForm, "reopen": ReasonForm}


# --- notices ----------------------------------------------------------------------------------------


class FindingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Finding) -> str:
        return f"{obj.visit.target_name}: {obj.description[:40]}(期限 {timezone.localtime(obj.deadline):%m-%d})"


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}))
    findings = FindingChoiceField(
        label=_("引用的督导问题"),
        required=False,
        queryset=Finding.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("逾期未整改并已上报的问题"),
    )

    def __init__(self, *args, user, chosen_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        citable = [f.pk for f in selectors.findings_citable_by(user, chosen_ids)]
        self.fields["findings"].queryset = (
            Finding.objects.filter(pk__in=citable)
            .select_related("visit__enterprise", "visit__community__district", "visit__district")
            .order_by("deadline")
        )


class SubjectForm(forms.Form):
    failing = forms.ChoiceField(label=_("问题类型"), choices=Failing.choices)
    district = forms.ModelChoiceField(label=_("所在区镇"), queryset=District.objects.all())
    unit_name = forms.CharField(label=_("被通报单位"), max_length=200)
    person_name = forms.CharField(label=_("责任人"), max_length=50, required=False)
    person_title = forms.CharField(label=_("职务"), max_length=50, required=False)
    facts = forms.CharField(label=_("问题事实"), widget=forms.Textarea(attrs={"rows": 2}))


SubjectFormSet = forms.formset_factory(SubjectForm, extra=0, min_num=1, validate_min=True, max_num=50)

NOTICE_ACTION_FORMS = {"submit": CommentForm, "publish": CommentForm, "return": ReasonForm, "withdraw": ReasonForm}
NOTICE_STATUS_CHOICES = [("", _("全部")), *Notice.Status.choices]
