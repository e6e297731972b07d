"""Private settings for running tests/routing before the app is in the real settings."""

from shaobao.config.settings import *  # noqa: F403
from shaobao.config.settings import INSTALLED_APPS

if "shaobao.routing" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "shaobao.routing"]
