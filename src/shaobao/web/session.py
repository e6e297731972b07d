"""The signed-in user of a page request (views behind `login_required`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import empty

from shaobao.org.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The User itself, not Django's lazy proxy around it: views hand the user to the
    transition table's checks for every row of a queue, and each attribute read through
    the proxy cost a Python call (a third of the command queue's time at 640 rows)."""
    user = request.user
    assert isinstance(user, User)  # login_required ran; narrows the type for the views
    wrapped = getattr(user, "_wrapped", empty)
    return wrapped if isinstance(wrapped, User) else user
