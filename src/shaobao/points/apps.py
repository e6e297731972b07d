from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "shaobao.points"
    label = "points"
    verbose_name = "积分"

    def ready(self) -> None:
        from shaobao.cases.hooks import register_event_handler
        from shaobao.points.handlers import award_points_for_event

        register_event_handler(award_points_for_event)
