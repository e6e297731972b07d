from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "shaobao.routing"
    label = "routing"
    verbose_name = "智能分派"

    def ready(self) -> None:
        # huey knows a task only once its module is imported (see integrations.apps).
        import shaobao.routing.jobs  # noqa: F401
