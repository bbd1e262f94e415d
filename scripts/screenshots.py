#!/usr/bin/env python3
"""Writes a screenshot of every page of the web UI at a desktop and a phone width into
docs/screenshots/, so that a reviewer can look without running a browser. Needs the release
build, the default model, Chromium and Selenium:

    make screenshots        # or: $(scripts/browser-venv.sh) scripts/screenshots.py
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Browser"))
from browser import CLIPS, ROOT, Server, chromium  # noqa: E402

PAGES = ["recognize", "batch", "history", "models", "system"]
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
OUT = os.path.join(ROOT, "docs", "screenshots")


def emulate(browser, width, height, mobile):
    """The viewport of a desktop window or a phone (Chrome's device emulation)."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def main():
    os.makedirs(OUT, exist_ok=True)
    server = Server()
    try:
        # Something to show: a few results, a batch, and memory in use.
        for clip in ["en-us_hello.wav", "en-gb_weather.wav", "en-us_numbers.wav"]:
            server.transcribe(clip)
        batch = json.loads(subprocess.run(
            ["curl", "-s", *[f"-Ffiles=@{os.path.join(CLIPS, clip)}" for clip in ["en-us_fast.wav", "en-us_slow.wav", "en-mixed_story_32s.wav"]],
             server.base + "/api/batches"], capture_output=True, check=True).stdout)
        pages = [f"batch/{batch['id']}" if page == "batch" else page for page in PAGES]
        browser = chromium()
        try:
            for name, (width, height) in SIZES.items():
                def shoot(file):
                    # The whole page, not only the first screen.
                    full = browser.execute_script("return document.documentElement.scrollHeight")
                    emulate(browser, width, max(height, full), mobile=name == "phone")
                    browser.execute_script("window.scrollTo(0, 0)")
                    path = os.path.join(OUT, f"{file}-{name}.png")
                    browser.save_screenshot(path)
                    print(path)
                    emulate(browser, width, height, mobile=name == "phone")

                for page in pages:
                    emulate(browser, width, height, mobile=name == "phone")
                    if page == "system":
                        server.transcribe("en-us_numbers.wav")  # a cache for the button's preview and the bar
                    browser.get(f"{server.base}/#/{page}")
                    time.sleep(2.5 if page == "system" else 1.0)  # the system page draws from live samples
                    if page == "system":
                        # Before the click: what a clear would free, and what holds the memory.
                        shoot("system-before-clear")
                        browser.find_element("id", "clear-cache").click()
                        time.sleep(1.0)
                    shoot(page.split("/")[0])
        finally:
            browser.quit()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
