"""Training from cases/CSV, suggestions (model and keyword fallback), command, API,
similar-case duplicates and hot spots. Needs `shaobao.routing` installed (see
settings_routing.py until it is in the real settings)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from world import CAISHAN, MASHAN, inside

pytestmark = pytest.mark.django_db
_seq = count(1)
NOW = timezone.make_aware(datetime(2026, 3, 20, 10, 0))

TRAIN = {
    "ZF02": ["菜市场门口流动摊贩占道经营", "商户把桌椅摆到人行道上", "早上有人在路边摆地摊卖菜",
             "烧烤摊晚上占用人行道摆桌子", "水果店把货物堆在店外经营", "路口小贩摆摊卖早点堵路"],
    "ZF03": ["楼下饭店油烟直排熏得窗户不能开", "烧烤店油烟味太大呛得睡不着",
             "餐馆排烟口正对着我家窗户", "小吃店没有装油烟净化器", "饭店厨房油烟往居民楼里飘",
             "夜宵摊油烟呛人整栋楼都是烟味"],
    "ZF01": ["楼顶加盖了一层违建", "院子里私搭乱建盖房子", "一楼住户搭棚子圈地",
             "邻居在屋顶搭建阳光房", "小区空地上有人违法建设", "楼道外面私自砌了围墙"],
}


def make_case(description: str, *, item: str | None = None, status: str = "submitted",
              at: datetime = NOW, where: tuple[float, float] | None = None,
              community: str = CAISHAN, rating: str = "") -> Any:
    from shaobao.cases.models import Case
    from shaobao.catalogue.selectors import item_current_by_code
    from shaobao.geo.models import Division

    lat, lng = where or inside(0)
    return Case.objects.create(
        number=f"DGT{next(_seq):06d}", district_code="340803", status=status, channel="resident",
        item=item_current_by_code(item) if item else None, description=description,
        lat=lat, lng=lng, community=Division.objects.get(code=community), created_at=at,
        rating=rating)


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_keyword_fallback_without_a_model(data_dir: Path) -> None:
    from shaobao.routing.training import KEYWORD_MAX_CONFIDENCE, router_suggest

    got = router_suggest("我们小区门口天天有人摆摊，占道经营很严重")
    assert got and got[0]["item"] == "ZF02"
    assert got[0]["item_name"] == "占道经营" and got[0]["lead_department"] == "zfdd"
    assert "占道经营" in got[0]["terms"]
    assert 0 < got[0]["confidence"] <= KEYWORD_MAX_CONFIDENCE
    assert router_suggest("   ") == []


def test_train_from_closed_cases_then_suggest(data_dir: Path) -> None:
    from shaobao.routing.training import model_path, router_suggest, router_train_from_cases

    for code, texts in TRAIN.items():
        for text in texts:
            make_case(text, item=code, status="closed")
    make_case("这件还没办完的油烟不算训练数据", item="ZF01", status="in_progress")
    make_case("太少的类别会被略去", item="ZF04", status="closed")
    report = router_train_from_cases(min_per_label=5)
    assert report.rows == 18 and set(report.labels) == {"ZF01", "ZF02", "ZF03"}
    assert report.dropped_labels == {"ZF04": 1}
    assert report.path == model_path() and model_path().exists()
    got = router_suggest("楼下烧烤店的油烟太呛了")
    assert got[0]["item"] == "ZF03" and got[0]["lead_department"] == "zfdd"
    assert got[0]["item_name"] == "餐饮油烟扰民"
    assert "油烟" in got[0]["terms"]
    assert len(got) == 3 and got[0]["confidence"] >= got[1]["confidence"]


def test_csv_training_command_and_reload_on_change(data_dir: Path) -> None:
    from shaobao.routing import training

    path = data_dir / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for code, texts in TRAIN.items():
            for text in texts:
                w.writerow([text, code])
    out = io.StringIO()
    call_command("train-router", "--csv", str(path), "--text-col", "text", "--label-col", "label",
                 stdout=out, stderr=io.StringIO())
    assert "holdout_macro_f1: " in out.getvalue() and "rows: 18" in out.getvalue()
    first = training.router_loaded()
    assert first is not None and training.router_loaded() is first  # cached
    assert training.router_suggest("有人私搭乱建")[0]["item"] == "ZF01"
    # Retrain with other labels: the running process picks the new file up.
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for code, texts in TRAIN.items():
            for text in texts:
                w.writerow([text, "X" + code])
    training.router_train_from_csv(path, "text", "label")
    import os
    os.utime(training.model_path(), ns=(1, 1))  # make sure the mtime differs on coarse clocks
    got = training.router_suggest("有人私搭乱建")
    assert got[0]["item"] == "XZF01" and got[0]["item_name"] == ""  # not a current item
    with pytest.raises(Exception, match="--text-col"):
        call_command("train-router", "--csv", str(path), stdout=io.StringIO())


def test_an_older_model_file_falls_back_to_keywords(data_dir: Path) -> None:
    import joblib

    from shaobao.routing import training

    training.model_path().parent.mkdir(parents=True)
    joblib.dump({"format": "shaobao-router/1"}, training.model_path())
    assert training.router_loaded() is None
    assert training.router_suggest("门口有人摆摊占道经营")[0]["item"] == "ZF02"


def test_train_from_cases_with_too_little_data(data_dir: Path) -> None:
    from shaobao.core.errors import InvalidInput
    from shaobao.routing.training import router_train_from_cases

    with pytest.raises(InvalidInput):
        router_train_from_cases()


def _post(body: Any) -> Any:
    """POST /routing/suggest through the real API when mounted, else a local NinjaAPI."""
    from django.test import Client
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from shaobao.api import routes_routing
    from shaobao.api.errors import install_error_handlers
    from shaobao.api.v1 import api

    if any(r is routes_routing.router for _, r in api._routers):
        import json
        return Client().post("/api/v1/routing/suggest", json.dumps(body),
                             content_type="application/json")
    local = NinjaAPI(urls_namespace="routing-test")
    install_error_handlers(local)
    local.add_router("", routes_routing.router)
    return TestClient(local).post("/routing/suggest", json=body)


def test_suggest_api(data_dir: Path) -> None:
    ok = _post({"text": "井盖丢了，晚上很危险"})
    assert ok.status_code == 200
    suggestions = ok.json()["suggestions"]
    assert suggestions and {"item", "item_name", "lead_department", "confidence",
                             "terms"} <= set(suggestions[0])
    for bad in ({"text": "   "}, {"text": "路" * 4001}, {}):
        r = _post(bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["code"] == "invalid_input"


def test_similar_open_cases_text_distance_and_time() -> None:
    from shaobao.routing.duplicates import similar_open_cases

    lat, lng = inside(0)
    near = (lat + 0.0003, lng)  # about 33 m north
    same = make_case("工农小区3栋门口的井盖丢了，晚上有人差点掉下去", where=near,
                     at=NOW - timedelta(hours=5))
    farther = make_case("工农小区门口井盖不见了，很危险", where=(lat + 0.002, lng),
                        at=NOW - timedelta(hours=30))  # about 220 m, 30 h ago
    make_case("楼下饭店油烟太大，熏得窗户不能开", where=near)  # close but about something else
    make_case("工农小区3栋门口的井盖丢了", where=(lat + 0.01, lng))  # 1.1 km away
    make_case("工农小区3栋门口的井盖丢了", where=near, at=NOW - timedelta(days=5))  # too old
    make_case("工农小区3栋门口的井盖丢了", where=near, status="closed")  # not open
    got = similar_open_cases("工农小区3栋门口井盖丢失，晚上看不见", lat, lng, NOW)
    assert [c.number for c, _ in got] == [same.number, farther.number]
    assert 1 >= got[0][1] > got[1][1] > 0
    assert similar_open_cases("", lat, lng, NOW) == []


def test_hotspots_and_monthly_candidates() -> None:
    from shaobao.routing.hotspots import hotspots, monthly_topic_candidates

    for i in range(4):
        make_case(f"门口占道经营第{i}次", item="ZF02", at=NOW - timedelta(days=i + 1))
    make_case("门口占道经营上月", item="ZF02", at=NOW - timedelta(days=40))
    for i in range(3):
        make_case(f"油烟扰民{i}", item="ZF03", community=MASHAN, at=NOW - timedelta(days=2 + i),
                  rating="unsatisfied")
    for i in range(5):
        make_case(f"油烟扰民以前{i}", item="ZF03", community=MASHAN, at=NOW - timedelta(days=35 + i))
    make_case("被驳回的不算", item="ZF02", status="rejected", at=NOW - timedelta(days=1))
    rows = hotspots(days=30, min_cases=3, now=NOW)
    assert [(r["community"], r["item"], r["count"], r["previous"], r["trend"]) for r in rows] == [
        (CAISHAN, "ZF02", 4, 1, "up"), (MASHAN, "ZF03", 3, 5, "down")]
    assert len(rows[0]["examples"]) == 3 and rows[0]["community_name"]
    assert hotspots(days=30, min_cases=5, now=NOW) == []
    march = monthly_topic_candidates("2026-03")
    assert [(r["community"], r["item"], r["months_recurring"]) for r in march] == [
        (MASHAN, "ZF03", 1), (CAISHAN, "ZF02", 1)] or \
        [(r["community"], r["item"]) for r in march] == [(CAISHAN, "ZF02"), (MASHAN, "ZF03")]
    assert any(r["unsatisfied"] == 3 for r in march)
    with pytest.raises(ValueError):
        monthly_topic_candidates("March")


def test_nightly_retraining_keeps_the_old_model_when_data_is_short(data_dir: Path) -> None:
    from shaobao.cases.jobs import huey
    from shaobao.routing.jobs import router_retrain
    from shaobao.routing.training import model_path

    def due_at(hour: int, minute: int) -> set[str]:
        return {t.name for t in huey.read_periodic(datetime(2026, 11, 28, hour, minute))}

    assert "router_retrain_job" in due_at(18, 40)  # 02:40 Beijing time
    assert "router_retrain_job" not in due_at(18, 41)
    assert router_retrain().startswith("skipped: 训练数据不足")
    assert not model_path().exists()
    for code, texts in TRAIN.items():
        for text in texts:
            make_case(text, item=code, status="closed")
    assert router_retrain().startswith("trained on 18 closed cases, 3 items")
    assert model_path().exists()
