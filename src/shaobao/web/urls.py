from django.contrib.auth.views import LogoutView
from django.urls import include, path

from shaobao.web import notifications_views, views, visits_views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("report", views.report, name="report"),
    path("report/<str:number>/done", views.report_done, name="report_done"),
    path("my", views.my_cases, name="my_cases"),
    path("cases/<str:number>", views.case_page, name="case"),
    path("cases/<str:number>/actions/<str:action>", views.case_action, name="case_action"),
    path("cases/<str:number>/evaluation", views.case_evaluate, name="case_evaluate"),
    path("tasks/<int:task_id>/complete", views.task_done, name="task_done"),
    path("command/", views.command, name="command"),
    path("command/data.json", views.command_data, name="command_data"),
    path("notifications/", notifications_views.notifications, name="notifications"),
    path("notifications/read-all", notifications_views.notifications_read_all,
         name="notifications_read_all"),
    path("visits/", visits_views.visits, name="visits"),
    path("visits/<int:log_id>/case", visits_views.visit_to_case, name="visit_to_case"),
    path("visits/<int:log_id>/resolve", visits_views.visit_resolve, name="visit_resolve"),
    path("settings/", include("shaobao.web.tokens_urls")),
    path("gov/", include("shaobao.web.governance_urls")),
]
