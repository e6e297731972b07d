"""Indexes that only cost writes: every case insert, resp. every event, updated them.

* `overdue` alone: every query for overdue cases reads the partial indexes of 0003.
* `number` LIKE-pattern index (PostgreSQL only, created by Django for a unique
  CharField): numbers are looked up whole (the unique index) or searched anywhere in
  the text (`icontains`, which no B-tree serves), never by prefix.
* Events' `at`: events are read per case (the case_id index) and sorted there.
* Reporter and actor: indexed only where set; hotline, anonymous and imported cases have
  no reporter account, system and import events no actor, and every lookup is by one.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PATTERN_INDEX = "cases_case_number_980c9551_like"


def drop_pattern_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PATTERN_INDEX}")


def create_pattern_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {PATTERN_INDEX} "
                              "ON cases_case (number varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_casefollow'),
        ('catalogue', '0002_initial'),
        ('geo', '0001_initial'),
        ('org', '0002_apitoken_scopes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='overdue',
            field=models.BooleanField(default=False, verbose_name='已超期'),
        ),
        migrations.AlterField(
            model_name='case',
            name='reporter',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reported_cases', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='at',
            field=models.DateTimeField(verbose_name='时间'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('reporter__isnull', False)), fields=['reporter'], name='case_reporter'),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='event_actor'),
        ),
        migrations.RunPython(drop_pattern_index, create_pattern_index),
    ]
