"""Background job: retrain the router every night from the district's closed cases.

Cases closed since yesterday carry the item that actually resolved them, so a nightly
retraining keeps suggestions following how the district really routes. A failed training
(too few closed cases, a label with too few rows) keeps yesterday's model.
"""

from __future__ import annotations

import logging

from huey import crontab

from shaobao.cases.jobs import huey
from shaobao.core.errors import ShaobaoError

log = logging.getLogger(__name__)


# huey evaluates crontabs in UTC: 18:40 UTC is 02:40 Beijing time, when nobody reports.
@huey.periodic_task(crontab(hour="18", minute="40"))
def router_retrain_job() -> str:
    return router_retrain()


def router_retrain() -> str:
    """Train from closed cases; returns a one-line summary (also logged)."""
    from shaobao.routing.training import router_train_from_cases

    try:
        report = router_train_from_cases()
    except (ShaobaoError, ValueError) as exc:
        message = getattr(exc, "message", str(exc))
        log.warning("router retraining skipped: %s", message)
        return f"skipped: {message}"
    summary = (f"trained on {report.rows} closed cases, {len(report.labels)} items, "
               f"holdout macro-F1 {report.holdout_macro_f1}")
    log.info("router retrained: %s", summary)
    return summary
