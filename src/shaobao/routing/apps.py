from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "shaobao.routing"
    label = "routing"
    verbose_name = "智能分派"
