from django import forms
from django.utils.translation import gettext_lazy as _

from policies.selectors import policy_answers_published
from reference.models import Community, District, IndustryAuthority
from service_requests import access
from service_requests.models import Category, LookBack, Rating, ServiceRequest, Urgency

MSG_CREDIT_CODE_UNKNOWN = _("您的工作范围内没有该统一社会信用代码的企业。")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class RaiseForm(forms.Form):
    credit_code = forms.CharField(
        label=_("企业统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("代企业提出时填写(电话反映、走访收集)"),
    )
    channel = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("phone", _("电话反映")), ("visit", _("走访收集"))]
    )
    category = forms.ChoiceField(label=_("诉求类别"), choices=Category.choices)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("标题"), max_length=100)
    text = forms.CharField(
        label=_("诉求内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明遇到的问题、已经做过的努力和希望得到的帮助"),
    )
    attachments = MultipleFileField(
        label=_("附件(可多选)"), required=False, help_text=_("PDF、Word、Excel、JPEG、PNG, 单个不超过 10 MB")
    )

    def __init__(self, *args, on_behalf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not on_behalf:
            del self.fields["credit_code"]
            del self.fields["channel"]
        else:
            self.fields["credit_code"].required = True


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 4}))
    cited_answer = forms.ModelChoiceField(
        label=_("引用政策问答(可选)"),
        required=False,
        queryset=None,
        help_text=_("政策咨询类诉求, 请引用市里统一发布的答复口径"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cited_answer"].queryset = policy_answers_published().select_related("current")
        self.fields["cited_answer"].label_from_instance = lambda answer: answer.current.question


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HandOverForm(forms.Form):
    to_authority = forms.ModelChoiceField(label=_("转交部门"), queryset=IndustryAuthority.objects.all())
    comment = forms.CharField(label=_("转交理由"), widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("需要企业补充的内容"), widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("补充说明"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label=_("补充附件(可多选)"), required=False)


class ConfirmForm(forms.Form):
    rating = forms.ChoiceField(label=_("满意度"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价(选填)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("问题没有解决的原因"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    file = forms.FileField(label=_("添加附件"))


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    district = forms.ModelChoiceField(
        label=_("属地"), queryset=District.objects.all(), required=False, empty_label=_("全部")
    )
    tier = forms.IntegerField(label=_("层级"), required=False, min_value=1, widget=forms.HiddenInput)
    department = forms.IntegerField(label=_("部门"), required=False, min_value=1, widget=forms.HiddenInput)
    figure = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("企业名称或标题"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部"))] + list(ServiceRequest.Status.choices)
        self.fields["category"].choices = [("", _("全部"))] + list(Category.choices)
        if user.district_id or user.enterprise_id:
            del self.fields["district"]
        for name, field in self.fields.items():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = (
                    "form-control form-control-sm" if name == "q" else ("form-select form-select-sm")
                )


class LinkageForm(forms.Form):
    """One field per tier: a username, or (at the industry authority's tier) a department."""

    def __init__(self, *args, chain, **kwargs):
        super().__init__(*args, **kwargs)
        for tier, assignee, own in chain:
            initial = ""
            if (own or tier.source == "responsible_official") and assignee is not None:
                initial = assignee.user.username if assignee.user else assignee.authority.code
            self.fields[f"level_{tier.level}"] = forms.CharField(
                label=f"第{tier.level}级 {tier.name}",
                required=False,
                initial=initial,
                help_text=_("填写用户名; 行业主管部门一级也可填部门代码; 留空按默认设置")
                if tier.source != "responsible_official"
                else _("填写用户名"),
            )


class LookBackForm(forms.Form):
    outcome = forms.ChoiceField(label=_("回访结果"), choices=LookBack.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("回访记录"), widget=forms.Textarea(attrs={"rows": 2}))


class AccessComplaintForm(forms.Form):
    """A pass holder turned away at a community (the public form; service_requests.access checks the details)."""

    community = forms.ModelChoiceField(
        label=_("被拒社区(村)"),
        queryset=Community.objects.select_related("district").order_by("district__sort_order", "code"),
        empty_label=_("请选择社区(村)"),
    )
    entrance = forms.CharField(
        label=_("出入口"),
        max_length=40,
        help_text=_("如: 东门、南门临时卡口"),
        error_messages={"required": access.MSG_ENTRANCE_REQUIRED},
    )
    refused_at = forms.DateTimeField(
        label=_("被拒时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    text = forms.CharField(
        label=_("经过(简要)"),
        max_length=access.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": access.TEXT_MAX}),
        error_messages={"required": access.MSG_TEXT_REQUIRED},
    )
    mobile = forms.CharField(
        label=_("联系手机"),
        max_length=11,
        help_text=_("属地工作人员将通过此号码与您联系"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            invalid = " is-invalid" if self.is_bound and name in self.errors else ""
            field.widget.attrs["class"] = ("form-select" if name == "community" else "form-control") + invalid
