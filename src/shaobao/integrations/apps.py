from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "shaobao.integrations"
    label = "integrations"
    verbose_name = "对外接口"

    def ready(self) -> None:
        from shaobao.cases.hooks import register_event_handler
        from shaobao.integrations.webhooks import queue_deliveries_for_event

        register_event_handler(queue_deliveries_for_event)
        # huey knows a task only once its module is imported; the worker imports the
        # apps, so importing the jobs here makes the consumer run webhook deliveries.
        import shaobao.integrations.jobs  # noqa: F401
