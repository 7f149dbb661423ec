import uuid
from typing import cast

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ExcelUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件(.xlsx)"),
        help_text=_("请使用本页提供的模板; 整个文件全部正确才会导入, 有错误时可下载标注了错误的文件修改后重新上传。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


class SubmissionKeyField(forms.UUIDField):
    """A one-time key that the form page hands out and the create service stores beside the row (unique per
    enterprise): the same form sent twice, at once or after a back button, finds the row the first one made.
    Optional, so that a post without it still works (it is just not recognised when repeated)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.HiddenInput, initial=uuid.uuid4, **kwargs)


def fields_only_helper() -> FormHelper:
    """Crispy renders the fields only: the template writes the <form> (action, buttons) and its one
    {% csrf_token %}. Crispy adds a CSRF input of its own to every POST helper unless told not to, and a
    second one between <legend> and the first field detaches that field from its label."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class NoFormTag:
    """See fields_only_helper."""

    def _no_form_tag(self) -> None:
        self.helper = fields_only_helper()


class RuleListDraftForm(NoFormTag, forms.ModelForm):
    """A new draft of a rule list (core.models.RuleList), copying by default the version in force; subclasses
    name the model in Meta and what is copied (entries, areas) in the field's wording."""

    copy_label = _("复制内容自")
    copy_help = _("默认复制现行版本的全部内容, 在其基础上增删。")
    copy_from: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("不复制, 新建空白草稿")
    )

    class Meta:
        fields = ["title", "source_document", "effective_from", "notes"]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, versions, in_force=None, **kwargs):
        super().__init__(*args, **kwargs)
        copy_from = cast(forms.ModelChoiceField, self.fields["copy_from"])
        copy_from.queryset = versions
        copy_from.label = self.copy_label
        copy_from.help_text = self.copy_help
        copy_from.label_from_instance = self._version_label  # type: ignore[assignment]  # stubs know it only as a method
        copy_from.initial = in_force.pk if in_force else None
        self._no_form_tag()

    @staticmethod
    def _version_label(version) -> str:
        return f"[{version.get_status_display()}] {version}"


def error_text(error: ValidationError) -> str:
    """A service's refusal as one line for a message or a form error, whatever shape the ValidationError has."""
    return " ".join(map(str, error.messages))
