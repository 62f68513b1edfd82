"""The HTML report in a real browser (issue 14, item 9): headless Chromium opens `snakemake --report`.

Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it) is driven through the Chrome
DevTools protocol: the report of the tiny run is opened from disk, every figure and table entry of
the report is loaded (each image decodes to a picture, each table to CSV text) and shown the way
the report's own navigation shows it, and no console error, uncaught exception or failed load may
occur.  Screenshots of the main page and of one figure page are saved in the test's directory
(``report_main.png``, ``report_figure.png``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import snakemake

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (Debian: apt-get install chromium; "
                                                "`.ci/run` installs it)"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--window-size=1400,1000", "--hide-scrollbars"]


class Page:
    """One Chromium tab over the DevTools protocol; records console errors, exceptions and failed loads."""

    def __init__(self, profile: Path):
        import websocket

        self.process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=120, suppress_origin=True)
        self.next_id, self.events, self.errors = 0, [], []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=30)

    def _record(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        self.events.append(method)
        if method == "Runtime.exceptionThrown":
            self.errors.append(f"exception: {params['exceptionDetails'].get('text')} "
                               f"{params['exceptionDetails'].get('exception', {}).get('description', '')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            self.errors.append(f"load failed: {params.get('errorText')}")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._record(message)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.2)

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path


#: Loads every entry of the report's `results`: images must decode, tables must be CSV text.
LOAD_EVERY_ENTRY = """
(async () => {
  const failures = [];
  for (const [path, entry] of Object.entries(results)) {
    if (entry.mime_type.startsWith("image/")) {
      const img = new Image();
      const ok = await new Promise(done => { img.onload = () => done(img.naturalWidth > 0);
                                            img.onerror = () => done(false); img.src = entry.data_uri; });
      if (!ok) failures.push(path);
    } else {
      const text = await (await fetch(entry.data_uri)).text();
      if (!(text.length > 0 && text.split("\\n")[0].includes(","))) failures.push(path);
    }
  }
  return {count: Object.keys(results).length, failures: failures,
          paths: Object.keys(results), mimes: Object.values(results).map(e => e.mime_type)};
})()
"""


@pytest.fixture
def page(tmp_path):
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    page = Page(profile)
    yield page
    page.close()
    shutil.rmtree(profile, ignore_errors=True)


def test_report_opens_in_chromium_with_every_figure_and_table(tiny_run, tmp_path, page):
    report = tmp_path / "report.html"
    snakemake(tiny_run, "--report", str(report))
    page.call("Page.navigate", url=report.as_uri())
    page.wait_for("typeof app !== 'undefined' && app !== undefined && document.querySelector('#app').children.length > 0"
                  " && document.querySelector('#loading-screen').style.display === 'none'")
    page.screenshot(tmp_path / "report_main.png")

    loaded = page.evaluate(LOAD_EVERY_ENTRY)
    figures = sorted(p.name for p in (tiny_run / "results" / "figures").glob("*.png"))
    tables = sorted(p.name for p in (tiny_run / "results" / "tables").glob("*.csv"))
    assert sorted(Path(p).name for p in loaded["paths"]) == sorted(figures + tables)
    assert loaded["failures"] == [], loaded["failures"]

    # every entry shown through the report's own view manager, as a click on it does
    for path, mime in zip(loaded["paths"], loaded["mimes"]):
        page.evaluate(f"new ToggleViewManager(app).handleSelectedResult({json.dumps(path)})")
        if mime == "image/png":
            page.wait_for("(() => { const img = document.querySelector('#app img[src^=\"data:image\"]'); "
                          "return img !== null && img.complete && img.naturalWidth > 0; })()")
    figure = next(p for p in loaded["paths"] if p.endswith("compare_flows.png"))
    page.evaluate(f"new ToggleViewManager(app).handleSelectedResult({json.dumps(figure)})")
    page.wait_for("(() => { const img = document.querySelector('#app img[src^=\"data:image\"]'); "
                  "return img !== null && img.complete && img.naturalWidth > 0; })()")
    page.screenshot(tmp_path / "report_figure.png")

    assert page.errors == [], page.errors
    for shot in ("report_main.png", "report_figure.png"):
        assert (tmp_path / shot).stat().st_size > 20_000, shot  # a rendered page, not a blank one
    if os.environ.get("RGML_KEEP_SCREENSHOTS"):
        keep = Path(os.environ["RGML_KEEP_SCREENSHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        for shot in ("report_main.png", "report_figure.png"):
            shutil.copy(tmp_path / shot, keep / shot)
