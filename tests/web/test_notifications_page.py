"""The inbox page /notifications/ and the unread badge in the header."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shaobao.cases.models import Notification
from shaobao.cases.services.follow import case_follow
from world import inside

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")
BADGE = re.compile(r'<span class="count" id="unread-badge"><span class="sr-only">[^<]*</span>(\d+)</span>')


def login(user: Any, lang: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if lang:
        client.cookies["django_language"] = lang
    return client


def reported(user: Any) -> Any:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    lat, lng = inside(0)
    return case_create(user, data=CaseCreateData(
        description="小区路灯不亮，晚上很黑", item="GL01", lat=lat, lng=lng)).case


def act(user: Any, number: str, action: str, **payload: Any) -> None:
    from shaobao.cases.models import Case
    from shaobao.cases.services.transition import case_transition

    version = Case.objects.get(number=number).version
    case_transition(user, number, action, {"version": version, **payload})


def badge(html: str) -> int | None:
    found = BADGE.search(html)
    return int(found.group(1)) if found else None


def test_anonymous_is_sent_to_login() -> None:
    for response in (Client().get("/notifications/"), Client().post("/notifications/read-all")):
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_reporter_sees_accept_highlighted_and_marks_all_read(users: Any) -> None:
    case = reported(users.resident1)
    client = login(users.resident1)
    assert badge(client.get("/my").content.decode()) is None
    assert "还没有通知。" in client.get("/notifications/").content.decode()
    act(users.station_caishan, case.number, "accept")
    act(users.station_caishan, case.number, "comment", text="已安排人员", public=True)
    assert badge(client.get("/my").content.decode()) == 2
    html = client.get("/notifications/").content.decode()
    assert badge(html) == 2
    assert html.count('<li class="unread">') == 2
    assert f'<a href="/cases/{case.number}">案件 {case.number}：受理</a>' in html
    assert 'href="/notifications/"' in html
    assert "全部标为已读" in html and 'action="/notifications/read-all"' in html
    assert "csrfmiddlewaretoken" in html
    response = client.post("/notifications/read-all", follow=True)
    assert response.redirect_chain == [("/notifications/", 302)]
    html = response.content.decode()
    assert "已将 2 条通知标为已读" in html
    assert badge(html) is None and '<li class="unread">' not in html
    assert html.count('<li class="read">') == 2
    assert "全部标为已读" not in html
    assert not Notification.objects.filter(user=users.resident1, read=False).exists()


def test_unread_filter(users: Any) -> None:
    case = reported(users.resident1)
    act(users.station_caishan, case.number, "accept")
    Notification.objects.filter(user=users.resident1).update(read=True)
    act(users.station_caishan, case.number, "comment", text="已安排人员", public=True)
    client = login(users.resident1)
    assert client.get("/notifications/").content.decode().count("<li class=") == 2
    html = client.get("/notifications/?unread=1").content.decode()
    assert html.count('<li class="unread">') == 1 and '<li class="read">' not in html


def test_follower_sees_public_events_linked_to_the_followed_list(users: Any) -> None:
    case = reported(users.resident1)
    case_follow(users.resident2, number=case.number)
    act(users.command, case.number, "supervise")  # internal
    client = login(users.resident2)
    assert badge(client.get("/my").content.decode()) is None
    act(users.station_caishan, case.number, "accept")
    html = client.get("/notifications/").content.decode()
    assert badge(html) == 1
    assert f'<a href="/my#followed">案件 {case.number}：受理</a>' in html
    assert f'href="/cases/{case.number}"' not in html
    assert 'id="followed"' in client.get("/my").content.decode()


def test_the_mark_all_button_only_touches_ones_own_rows(users: Any) -> None:
    case = reported(users.resident1)
    act(users.station_caishan, case.number, "accept")
    login(users.resident2).post("/notifications/read-all")
    assert Notification.objects.filter(user=users.resident1, read=False).count() == 1
    assert login(users.resident2).get("/notifications/read-all").status_code == 405


def test_badge_costs_at_most_one_query(users: Any) -> None:
    case = reported(users.resident1)
    act(users.station_caishan, case.number, "accept")
    for user, url in ((users.resident1, "/my"), (users.station_caishan, "/"),
                      (users.command, "/command/")):
        client = login(user)
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        touching = [q["sql"] for q in ctx.captured_queries if "cases_notification" in q["sql"]]
        assert len(touching) == 1, touching
        assert "COUNT" in touching[0].upper()


def test_page_in_english(users: Any) -> None:
    case = reported(users.resident1)
    act(users.station_caishan, case.number, "accept")
    client = login(users.resident1, "en")
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert badge(html) == 1
    assert f'<a href="/cases/{case.number}">Case {case.number}: Accept</a>' in html
    assert "Mark all as read" in html
    main = html[html.index('<main'):html.index("</main>")]
    assert not CJK.findall(htmllib.unescape(main)), main
    response = client.post("/notifications/read-all", follow=True)
    main = response.content.decode()
    assert "Marked 1 notification as read" in main
