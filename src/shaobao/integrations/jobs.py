"""Background jobs of the integrations app, on the shared huey queue."""

from __future__ import annotations

from huey import crontab

from shaobao.cases.jobs import huey


@huey.task()
def deliver_webhooks(delivery_ids: list[int]) -> int:
    from shaobao.integrations.webhooks import delivery_attempt

    return sum(1 for pk in delivery_ids if delivery_attempt(pk) is not None)


@huey.periodic_task(crontab(minute="*"))
def webhook_retry_job() -> int:
    from shaobao.integrations.webhooks import deliveries_retry_due

    return deliveries_retry_due()
