from django import forms
from django.utils.translation import gettext_lazy as _


class ExcelUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件(.xlsx)"),
        help_text=_("请使用本页提供的模板; 整个文件全部正确才会导入, 有错误时可下载标注了错误的文件修改后重新上传。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
