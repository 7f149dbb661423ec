"""Requests in each state, made through the services."""

from django.core.files.uploadedfile import SimpleUploadedFile

from service_requests import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def raised(
    owner, *, category="labour", urgency="normal", title="缺少焊工", text="焊接工段缺少熟练焊工 20 名。", **kwargs
):
    return services.service_request_raise(
        enterprise=owner.enterprise,
        raised_by=owner,
        category=category,
        urgency=urgency,
        title=title,
        text=text,
        **kwargs,
    )


def answered(owner, handler, **kwargs):
    request = raised(owner, **kwargs)
    return services.service_request_answer(request=request, answered_by=handler, answer="已协调人力资源机构对接。")


def closed(owner, handler, rating="satisfied", **kwargs):
    request = answered(owner, handler, **kwargs)
    return services.service_request_confirm(request=request, confirmed_by=owner, rating=rating)
