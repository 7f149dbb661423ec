from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="mine"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("applications/<int:pk>/decide/", views.decide, name="decide"),
    path("applications/<int:pk>/payout/", views.payout, name="payout"),
    path("materials/<int:pk>/", views.material_file, name="material"),
    path("queue/", views.queue, name="queue"),
    path("figures/", views.figures, name="figures"),
    path("figures/export.xlsx", views.figures_export, name="figures_export"),
    path("answers/", views.answers, name="answers"),
    path("answers/<int:pk>/", views.answer_detail, name="answer"),
    path("answers/manage/", views.answers_manage, name="answers_manage"),
    path("answers/manage/new/", views.answer_create, name="answer_create"),
    path("answers/manage/<int:pk>/revise/", views.answer_revise, name="answer_revise"),
    path("answers/manage/<int:pk>/withdraw/", views.answer_withdraw, name="answer_withdraw"),
]
