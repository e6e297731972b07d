"""Background jobs (huey): the deadline sweep every minute, old notifications nightly.

huey needs no extra server on a single machine (SQLite queue in the data directory)
and uses Redis when REDIS_URL is set, so several machines can share one worker pool.
"""

from __future__ import annotations

from django.conf import settings
from huey import Huey, RedisHuey, SqliteHuey, crontab


def _make_huey() -> Huey:
    if settings.REDIS_URL:
        return RedisHuey("shaobao", url=settings.REDIS_URL)
    return SqliteHuey("shaobao", filename=str(settings.DATA_DIR / "jobs.sqlite3"))


huey = _make_huey()


@huey.periodic_task(crontab(minute="*"))
def sla_sweep_job() -> str:
    from shaobao.cases.services.sweep import sla_sweep

    return str(sla_sweep())


# huey evaluates crontabs in UTC: 18:50 UTC is 02:50 Beijing time.
@huey.periodic_task(crontab(hour="18", minute="50"))
def notifications_purge_job() -> str:
    from django.utils import timezone

    from shaobao.cases.inbox import notifications_purge

    return f"notifications purged: {notifications_purge(timezone.now())}"
