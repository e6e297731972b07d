"""The signed-in user of a page request (views behind `login_required`)."""

from __future__ import annotations

from django.http import HttpRequest

from shaobao.org.models import User


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran; narrows the type for the views
    return user
