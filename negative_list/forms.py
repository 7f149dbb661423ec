from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NoFormTag, RuleListDraftForm
from negative_list import selectors
from negative_list.models import NegativeList
from negative_list.services import MSG_UNKNOWN_INDUSTRY
from reference.models import Industry


class DraftCreateForm(RuleListDraftForm):
    copy_label = _("复制条目自")
    copy_help = _("默认复制现行版本的全部条目, 在其基础上增删。")

    class Meta(RuleListDraftForm.Meta):
        model = NegativeList


class EntryAddForm(NoFormTag, forms.Form):
    industry = forms.CharField(
        label=_("行业代码"),
        max_length=4,
        help_text=_("GB/T 4754-2017 任一层级的代码: 门类字母、2位大类、3位中类或4位小类; 列入上层即覆盖其下所有行业。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    restricts_work = forms.BooleanField(label=_("限制复工"), required=False, initial=True)
    restricts_production = forms.BooleanField(label=_("限制复产"), required=False, initial=True)
    restricts_business = forms.BooleanField(label=_("限制复市"), required=False, initial=True)
    reason = forms.CharField(
        label=_("理由"), max_length=255, help_text=_("企业被拒绝时会看到这句理由, 如“人员密集场所, 暂缓开放”。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()

    def clean_industry(self) -> Industry:
        industry = selectors.industry_by_code(self.cleaned_data["industry"])
        if industry is None:
            raise forms.ValidationError(MSG_UNKNOWN_INDUSTRY)
        return industry
