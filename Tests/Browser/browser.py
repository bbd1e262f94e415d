"""Shared pieces of the browser tests and the screenshot script: a running `auris serve`, and
Chromium driven by Selenium through Debian's chromedriver, never reaching for the network."""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

os.environ["SE_AVOID_STATS"] = "true"
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AURIS = os.path.join(ROOT, ".build", "release", "auris")
CLIPS = os.path.join(ROOT, "Tests", "WhisperTests", "Golden", "clips")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`auris serve` on a free loopback port with its own data folder."""

    def __init__(self):
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="auris-browser-")
        self.log = open(os.path.join(self.data, "server.log"), "w")
        self.process = subprocess.Popen(
            [AURIS, "serve", "--port", str(self.port), "--data-dir", self.data, "--threads", "2",
             "--models-dir", os.path.join(ROOT, "models")], stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start: " + open(self.log.name).read())

    def api(self, method, path, body=None, content_type="application/json"):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": content_type} if data is not None else {})
        with urllib.request.urlopen(request, timeout=120) as response:
            text = response.read().decode()
            return json.loads(text) if "json" in response.headers.get("Content-Type", "") else text

    def transcribe(self, clip):
        with open(os.path.join(CLIPS, clip), "rb") as f:
            return self.api("POST", "/api/transcriptions?filename=" + clip, f.read(), "audio/wav")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def chromium(width=1280, height=900, microphone=None):
    """Headless Chromium; `microphone`: a WAV file it plays (in a loop) as the microphone, with
    the permission granted."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}"] if microphone else []
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--autoplay-policy=no-user-gesture-required"] + fake:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
