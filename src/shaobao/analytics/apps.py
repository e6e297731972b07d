from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "shaobao.analytics"
    label = "analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from shaobao.analytics.facts import facts_on_event, facts_refresh_overdue
        from shaobao.cases.hooks import register_event_handler, register_sweep_hook

        register_event_handler(facts_on_event, last=True)
        register_sweep_hook(lambda now: _discard(facts_refresh_overdue(now)))


def _discard(_: object) -> None:
    """The sweep hook returns nothing; the refresh's row count is for callers who ask."""
