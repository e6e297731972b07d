"""`import-cases`: documented columns, the us311 mapping, bad rows, resuming, bulk facts."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from shaobao.analytics.importer import Mapping, import_cases
from shaobao.analytics.kpis import Scope, kpis_for
from shaobao.analytics.models import CaseFacts, ImportCheckpoint
from shaobao.cases.models import Case, CaseEvent
from world import CAISHAN

pytestmark = pytest.mark.django_db
US311 = Path("/work/shared/data/us311")
MAPPINGS = Path(__file__).resolve().parents[2] / "src/shaobao/analytics/mappings"

GOOD = f"""number,created_at,item,description,lat,lng,grid,status,closed_at,lead_department,rating
H1,2025-03-01T09:00:00+08:00,GL01,路灯不亮,,,{CAISHAN}001,closed,2025-03-02T10:00:00+08:00,cgj,satisfied
H2,2025-03-01 10:00:00,GL02,道路破损,,,{CAISHAN}002,accepted,,,
H3,not-a-date,GL02,坏时间,,,,accepted,,,
H4,2025-03-05T09:00:00+08:00,XX99,未知事项,,,,accepted,,,
H5,2025-03-06T09:00:00+08:00,,只有描述,,,,closed,2025-03-07T09:00:00+08:00,zjj,unsatisfied
H1,2025-03-06T09:00:00+08:00,,重复编号,,,,accepted,,,
"""


def test_import_documented_columns(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = import_cases(path, progress=False)
    assert result.imported == 3
    assert [line for line, _ in result.bad] == [4, 5, 7]
    h1 = Case.objects.get(number="H1")
    assert h1.channel == "import" and h1.status == "closed" and h1.community.code == CAISHAN
    assert h1.lead_department.code == "cgj" and h1.rating == "satisfied"
    assert list(CaseEvent.objects.filter(case=h1).values_list("action", flat=True)) == ["import"]
    facts = CaseFacts.objects.get(case=h1)
    assert (facts.closed, facts.whistled, facts.rated, facts.satisfied) == (1, 1, 1, 1)
    k = kpis_for(Scope(district_code="340803"), date(2025, 3, 1), date(2025, 3, 31))
    assert k["counts"]["submitted"] == 3 and k["counts"]["closed"] == 2
    assert k["counts"]["unsatisfied"] == 1
    # Rerun: everything is already committed.
    again = import_cases(path, progress=False)
    assert again.imported == 0 and again.skipped == 6
    assert Case.objects.count() == 3


def test_import_resumes_after_interruption(tmp_path: Path) -> None:
    rows = ["number,created_at,description"] + [
        f"R{i},2025-04-{1 + i % 28:02d}T10:00:00+08:00,第{i}行" for i in range(250)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    class Stop(Exception):
        pass

    def interrupt(done: int) -> None:
        if done >= 100:
            raise Stop

    with pytest.raises(Stop):
        import_cases(path, batch=50, progress=False, on_batch=interrupt)
    assert Case.objects.count() == 100
    assert ImportCheckpoint.objects.get().last_line == 100
    result = import_cases(path, batch=50, progress=False)
    assert (result.skipped, result.imported, result.bad) == (100, 150, [])
    assert Case.objects.count() == 250 == CaseFacts.objects.count()
    k = kpis_for(Scope(district_code="340803"), date(2025, 4, 1), date(2025, 4, 30))
    assert k["counts"]["submitted"] == 250


@pytest.mark.skipif(not (US311 / "us311_normalized_nyc.csv").exists(), reason="no us311 data")
def test_import_us311_with_mapping() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("import-cases", str(US311 / "us311_normalized_nyc.csv"), "--mapping",
                 str(MAPPINGS / "us311.yaml"), "--batch", "2000", stdout=out, stderr=err)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    imported, bad = int(lines["imported"]), int(lines["bad_rows"])
    assert imported + bad == 6999 and imported > 6500
    assert "行" in err.getvalue()  # the progress bar and the bad rows went to stderr
    assert Case.objects.filter(channel="import", lead_department__code="gafj").exists()
    assert Case.objects.filter(item__code="GL01").exists()
    assert CaseFacts.objects.count() == imported
    k: Any = kpis_for(Scope(district_code="340803"), date(2011, 1, 1), date(2023, 12, 31))
    assert k["counts"]["submitted"] == imported
    assert Mapping.load(MAPPINGS / "us311.yaml").number_prefix == "US"
