from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shaobao.web"
    label = "web"
    verbose_name = "页面"
