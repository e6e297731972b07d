#!/usr/bin/env python3
"""Regenerate the screenshots in docs/screenshots/ with headless Chromium (Playwright).

    python scripts/screenshots.py                      # demo data in /tmp/sbshots, own server
    python scripts/screenshots.py --url http://127.0.0.1:8000   # an already running demo

Without --url it prepares the demo data directory if needed (`shaobao demo --no-serve`),
starts `shaobao serve` on a free port, takes the pictures and stops the server again.
Pages: the resident's report page and case page at phone size (360×740), and the
station's work queue, a case page and the command center at big-screen size (1920×1080).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--disable-dev-shm-usage"]
PASSWORD = "shaobao-demo"
PHONE = {"width": 360, "height": 740}
SCREEN = {"width": 1920, "height": 1080}
MAX_BYTES = 400 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server at {url} did not become healthy")


def start_server(data_dir: Path, cases: int) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "SHAOBAO_DATA_DIR": str(data_dir)}
    if not (data_dir / "shaobao.sqlite3").exists() and "DATABASE_URL" not in env:
        subprocess.run(["shaobao", "demo", "--no-serve", "--cases", str(cases)], env=env,
                       check=True)
    port = free_port()
    server = subprocess.Popen(["shaobao", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url)
    return server, url


def login(browser: Any, url: str, username: str, **context: Any) -> Any:
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context)
    page = ctx.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/login/" in page.url:
        raise SystemExit(f"cannot log in as {username}")
    return page


def shot(page: Any, name: str, full_page: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    path = OUT / name
    page.screenshot(path=str(path), full_page=full_page)
    size = path.stat().st_size
    print(f"{path.relative_to(ROOT)}: {size // 1024} KB")
    if size > MAX_BYTES:
        print(f"  warning: larger than {MAX_BYTES // 1024} KB", file=sys.stderr)


def first_case_link(page: Any) -> str:
    href = page.locator("table.queue tbody a").first.get_attribute("href")
    if not href:
        raise SystemExit("no case in the list")
    return str(href)


def take(url: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        command = login(browser, url, "command", viewport=SCREEN)
        figures = json.loads(command.goto(f"{url}/command/data.json").text())
        command.goto(f"{url}/command/")
        command.wait_for_selector("body[data-refreshed]")
        command.wait_for_timeout(800)  # let the chart finish drawing
        shot(command, "command-center.png")

        command.goto(f"{url}/?all=1&status=in_progress")
        command.goto(url + first_case_link(command))
        shot(command, "case-desktop.png")

        hot = figures["hot_spots"] or [{"community": None}]
        station_name = f"station_{hot[0]['community']}" if hot[0]["community"] else "command"
        station = login(browser, url, station_name, viewport=SCREEN)
        station.goto(f"{url}/")
        shot(station, "work-queue.png")

        spot = (figures["map"] or [{"lat": 30.53, "lng": 117.06}])[0]
        phone = login(browser, url, "resident1", viewport=PHONE, is_mobile=True,
                      has_touch=True, device_scale_factor=1,
                      geolocation={"latitude": spot["lat"], "longitude": spot["lng"]},
                      permissions=["geolocation"])
        phone.goto(f"{url}/report")
        phone.wait_for_selector("#report-map path.leaflet-interactive")
        phone.click("#locate-me")
        phone.wait_for_function("document.getElementById('id_lat').value !== ''")
        phone.wait_for_timeout(500)
        shot(phone, "report-phone.png")
        phone.goto(f"{url}/my")
        link = phone.locator("article.mycase h2 a").first.get_attribute("href")
        if link:
            phone.goto(url + link)
            shot(phone, "case-phone.png")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--data-dir", type=Path, default=Path(
        os.environ.get("SHAOBAO_DATA_DIR", "/tmp/sbshots")))
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    if args.url:
        take(args.url.rstrip("/"))
        return
    server, url = start_server(args.data_dir, args.cases)
    try:
        take(url)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
