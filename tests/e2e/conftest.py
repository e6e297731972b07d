"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--disable-dev-shm-usage"]

if not Path(CHROMIUM).exists():
    pytest.skip("需要 /usr/bin/chromium（Debian chromium 包）", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

# Playwright's sync API keeps an event loop in the main thread; the ORM calls the tests
# make between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


TIMEOUT = 15_000  # ms, for every page action and expectation


@pytest.fixture
def site(live_server: Any, tmp_path: Path) -> str:
    """The live server's URL, with the test world loaded."""
    from shaobao.org.models import User
    from world import build_world
    if not User.objects.filter(username="station_caishan").exists():
        build_world(tmp_path)  # a transactional test before us flushed the session world
    return str(live_server.url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def png_bytes(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A tiny valid PNG, so uploads pass the service's content sniffing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Watch:
    """Records every request and every console error of the pages it is attached to."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []

    def attach(self, page: Any) -> Any:
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        return page

    def foreign(self, origin: str) -> list[str]:
        return [u for u in self.requests
                if not (u.startswith(origin + "/") or u.startswith(("data:", "blob:")))]
