"""Background jobs (huey): the deadline sweep every minute.

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
