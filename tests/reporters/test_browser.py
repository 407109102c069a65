"""The HTML report in a real headless browser (Chromium from Debian's packages): it renders, shows the
expected text, logs no console message, draws what the screenshot should show, and stays usable at
10,000 units (paged table, unit charts drawn on demand).

Skipped when no Chromium is installed (`apt-get install -y chromium`), or set EVALKIT_CHROMIUM to the
browser's path. The browser runs with the network resolved to nothing, as on an offline machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from .conftest import render, synthetic
from .png import read_png

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars"]


def _find_chromium() -> str | None:
    given = os.environ.get("EVALKIT_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    return next((path for name in NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def chromium():
    path = _find_chromium()
    if path is None:
        pytest.skip("no Chromium found (install Debian's package with `apt-get install -y chromium`, "
                    "or set EVALKIT_CHROMIUM to the browser's path); the browser test needs a real browser")
    return path


def browse(chromium: str, target: str, *flags: str, timeout: float = 180) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *flags, target], capture_output=True,
                              text=True, timeout=timeout, cwd=profile)


def console_messages(stderr: str) -> list[str]:
    """What the page logged (console calls, uncaught errors, failed loads): Chromium's CONSOLE lines."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def quickstart_html(tmp_path_factory):
    from .conftest import QUICKSTART_ADJUSTED, evaluate_example

    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(evaluate_example(QUICKSTART_ADJUSTED), "html"), encoding="utf-8")
    return path


def test_the_report_renders_with_the_expected_text_and_no_console_message(chromium, quickstart_html):
    done = browse(chromium, quickstart_html.as_uri(), "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<h1>县直机关党建工作考核（示例）</h1>" in dom
    assert "第 1/1 页，共 12 个单位" in dom  # written by the inline script: it ran to the end
    assert len(re.findall(r'<tr [^>]*class="on"', dom)) == 12
    for name in ("县卫生健康局党支部", "县人力资源和社会保障局党支部", "一票否决「发生严重违纪案件」"):
        assert name in dom
    assert console_messages(done.stderr) == []


def test_console_messages_are_caught_when_there_are_some(chromium, tmp_path):
    """The control for the test above: a page with an error does show up."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><p>x</p><script>console.log("hello"); missing();</script><img src="https://example.org/x.png">',
                    encoding="utf-8")
    done = browse(chromium, page.as_uri(), "--dump-dom", "--enable-logging=stderr", "--v=0")
    messages = console_messages(done.stderr)
    assert any("hello" in m for m in messages) and any("missing is not defined" in m for m in messages)


def test_screenshot_shows_the_report(chromium, quickstart_html, tmp_path):
    shot = tmp_path / "report.png"
    done = browse(chromium, quickstart_html.as_uri(), f"--screenshot={shot}", "--window-size=1280,1400")
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    pixels = read_png(shot.read_bytes())[:, :, :3]
    assert pixels.shape[:2] == (1400, 1280)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 200  # text, charts and badges; a blank page has one colour
    ink = (pixels.reshape(-1, 3) < 250).any(axis=1).mean()
    assert ink > 0.02
    # The charts were drawn: the best band's green and the worst band's red fill some bars.
    from evalkit.reporters.common import band_colour

    for position in (0, 3):
        rgb = [int(band_colour(position, 4)[k:k + 2], 16) for k in (1, 3, 5)]
        assert (pixels.reshape(-1, 3) == rgb).all(axis=1).sum() > 100, band_colour(position, 4)


def test_ten_thousand_units_page_and_draw_on_demand(chromium, tmp_path):
    path = tmp_path / "big.html"
    path.write_text(render(synthetic(10_000), "html"), encoding="utf-8")
    done = browse(chromium, path.as_uri() + "#u9999", "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "第 1/200 页，共 10000 个单位" in dom
    assert len(re.findall(r'<tr [^>]*class="on"', dom)) == 50  # one page of the table shows
    assert len(re.findall(r'<details class="unit on"', dom)) == 51  # its units' sections, and the one linked to
    section = dom[dom.index('id="u9999"'):]
    section = section[:section.index("</details>")]
    assert "<svg" in section and "<rect" in section  # its chart, drawn by the script when it was opened
    assert console_messages(done.stderr) == []


HARNESS = """<script>
(function () {
  var out = [];
  function state(what) {
    var rows = Array.prototype.filter.call(document.querySelectorAll("#rank tbody tr"), function (r) {
      return getComputedStyle(r).display !== "none"; });
    out.push(what + "=" + rows.length + ":" + (rows.length ? rows[0].cells[1].textContent : "") + ":" +
             document.getElementById("pinfo").textContent);
  }
  var q = document.getElementById("q"), g = document.getElementById("gsel"), p = document.getElementById("psel");
  state("start");
  q.value = "S0001"; q.dispatchEvent(new Event("input")); state("search");
  q.value = ""; q.dispatchEvent(new Event("input"));
  g.value = "poor"; g.dispatchEvent(new Event("change")); state("grade");
  g.value = ""; g.dispatchEvent(new Event("change"));
  var heads = document.querySelectorAll("#rank thead th"), total = heads[heads.length - 3];
  total.click(); state("ascending"); total.click(); state("descending");
  p.value = "25"; p.dispatchEvent(new Event("change")); document.getElementById("next").click(); state("page2");
  document.body.setAttribute("data-harness", out.join("|"));
})();
</script>
"""


def test_search_filter_sort_and_paging_work(chromium, tmp_path):
    ev = synthetic(120)
    html = render(ev, "html").replace("</body>", HARNESS + "</body>")
    path = tmp_path / "interactive.html"
    path.write_text(html, encoding="utf-8")
    done = browse(chromium, path.as_uri(), "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert console_messages(done.stderr) == []
    found = re.search(r'data-harness="([^"]*)"', done.stdout)
    assert found, done.stdout[-3000:]
    states = dict(part.split("=", 1) for part in found.group(1).split("|"))
    doc = ev.to_dict()
    ids = [u["id"] for u in doc["units"]]
    poor = [u["id"] for u in doc["units"] if u["grade"] == "poor"]
    lowest = min(doc["units"], key=lambda u: (u["total"], -ids.index(u["id"])))
    assert states["start"] == f"50:{ids[0]}:第 1/3 页，共 120 个单位"
    matching = [i for i in ids if i.startswith("S0001")]  # S00010 ... S00019, in rank order
    assert states["search"] == f"{len(matching)}:{matching[0]}:第 1/1 页，共 {len(matching)} 个单位"
    assert states["grade"] == f"{min(50, len(poor))}:{poor[0]}:第 1/{max(1, -(-len(poor) // 50))} 页，共 {len(poor)} 个单位"
    assert states["ascending"].split(":")[1] in [u["id"] for u in doc["units"] if u["total"] == lowest["total"]]
    assert states["descending"].split(":")[1] == ids[0]
    assert states["page2"] == f"25:{ids[25]}:第 2/5 页，共 120 个单位"
