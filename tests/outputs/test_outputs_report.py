"""The HTML report: static content, escaping, and what headless Chromium renders."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from sdssim import Simulation
from sdssim.outputs.plots import AXES_TITLES
from sdssim.outputs.report import render_report, write_report
from sdssim.outputs.runio import Run, load_run


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list[Node] = []
        self.text_parts: list[str] = []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(self.text_parts) + "".join(c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        return [n for n in self.iter()
                if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]


class TreeBuilder(HTMLParser):
    VOID = {"meta", "img", "br", "hr", "input", "link", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [])
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in self.VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.text_parts.append(data)


def parse(html_text: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html_text)
    return builder.root


@pytest.fixture(scope="session")
def chromium(system_tool) -> str:
    return system_tool("chromium-browser", "chromium", "chromium")


def run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc


#: appended to a copy of the report (the report itself has no script): measures what rendered
PROBE = """
<script>
window.addEventListener("load", () => {
  const plot = document.querySelector("svg.plot").getBoundingClientRect();
  const out = {
    plot: [plot.width, plot.height, document.querySelectorAll("svg.plot text").length],
    plotText: [...document.querySelectorAll("svg.plot text")].map(t => t.textContent),
    plotOverlaps: (() => {  // y tick labels of the timeline that overlap each other
      const boxes = [...document.querySelectorAll("svg.plot text")]
        .map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
      let n = 0;
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (dx > 2 && dy > 2) n++;
      }
      return n;
    })(),
    svgs: [...document.querySelectorAll("svg.state-diagram")].map(
      s => [s.dataset.machine, s.getBoundingClientRect().width,
            s.getBoundingClientRect().height]),
    segs: [...document.querySelectorAll(".seg")].filter(
      s => s.getBoundingClientRect().width > 0).length,
    currentStroke: [...document.querySelectorAll("g.state.current path, g.state.current polygon")]
      .map(r => r.getAttribute("stroke-width")),
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def report_path(run, tmp_path_factory) -> Path:
    return write_report(run, tmp_path_factory.mktemp("report") / "out" / "run.html",
                        title="Quarantine story")


@pytest.fixture(scope="module")
def html_text(report_path) -> str:
    return report_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dom(report_path, tmp_path_factory, chromium):
    tmp = tmp_path_factory.mktemp("chromium")
    probe = tmp / "probe.html"
    probe.write_text(report_path.read_text(encoding="utf-8").replace(
        "</body>", PROBE + "</body>"), encoding="utf-8")
    proc = run_chromium(chromium, tmp, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    return parse(proc.stdout.decode("utf-8"))


# -- the file itself ----------------------------------------------------------------------

def test_report_is_self_contained(html_text):
    assert html_text.startswith("<!DOCTYPE html>")
    assert "<script" not in html_text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html_text)
    assert "<link" not in html_text
    assert '<svg class="plot"' in html_text and "<img" not in html_text   # SVG, not a PNG


def test_report_escapes_run_text(html_text):
    assert "<script>alert(1)</script>" not in html_text
    assert "profile &lt;script&gt;alert(1)&lt;/script&gt;" in html_text


def test_render_report_defaults(run):
    bare = Run(run.events, run.snapshots, run.errors)
    text = render_report(bare)
    assert "<title>sdssim run</title>" in text
    assert "This run has no expectations.json." in text
    assert "Run built in memory" in text


def test_errors_table_is_capped_and_empty_expectations(run):
    root = parse(render_report(Run(run.events, run.snapshots, run.errors, []),
                               max_error_rows=5))
    table = root.find_all("table", cls="errors")[0]
    assert len(table.find_all("tr")) == 1 + 5
    note = root.find_all(id="errors-truncated")[0].text()
    assert f"first 5 of {len(run.errors)} errors" in note
    section = root.find_all("section", id="expectations")[0]
    assert "The scenario declared no expectations." in section.text()
    assert root.find_all(id="verdict")[0].text() == "PASSED: 0 of 0 expectations hold"


def test_empty_run_report(tmp_path):
    run = Run.from_simulation(Simulation(seed=2))
    text = write_report(run, tmp_path / "empty.html").read_text(encoding="utf-8")
    assert "This run has no records." in text
    assert "This run recorded no errors." in text


# -- what Chromium renders ----------------------------------------------------------------

def test_headings_render(dom):
    assert [h.text() for h in dom.find_all("h1")] == ["Quarantine story"]
    h2 = [h.text() for h in dom.find_all("h2")]
    assert h2 == ["Summary", "Plots", "Timeline", "State diagrams",
                  "Errors (33)", "Expectations"]


def test_every_subject_is_shown(dom, run, ids):
    rows = dom.find_all("table", cls="subjects")[0].find_all("tr")[1:]
    assert [r.attrs["data-subject"] for r in rows] == run.subjects()
    assert rows[0].find_all("td")[1].text() == "job payroll"
    job_row = rows[0].text()
    assert "job = Active" in job_row and "schedule = Active" in job_row
    assert "profile = removed" in rows[2].text()
    headings = [h.text() for h in dom.find_all("h3")]
    for subject in ids.values():
        assert headings.count(subject) == 2  # timeline and diagrams
    timeline = dom.find_all("section", id="timeline")[0]
    events = sum(len(t.find_all("tr")) - 1 for t in timeline.find_all("table", cls="events"))
    assert events == len(run.events)


def test_timeline_lanes_have_one_segment_per_interval(dom, run, ids):
    lanes = dom.find_all("section", id="timeline")[0].find_all("div", cls="lane")
    assert len(lanes) == sum(len(run.machines(s)) for s in run.subjects())
    segs = [s for lane in lanes for s in lane.find_all("span", cls="seg")]
    assert len(segs) == len(run.intervals())
    job_lane = dom.find_all("div", data_subject=ids["job"])[0].find_all(
        "div", cls="lane", data_machine="quarantine")[0]
    assert [s.attrs["data-state"] for s in job_lane.find_all("span", cls="seg")] == [
        "healthy", "retry6h", "retry12h", "retry24h", "daily", "disabled", "healthy"]


def test_state_diagrams_render_as_svg(dom, run):
    figures = dom.find_all("figure", cls="diagram")
    assert len(figures) == sum(len(run.machines(s)) for s in run.subjects()) == 7
    for fig in figures:
        svg = fig.find_all("svg", cls="state-diagram")
        assert len(svg) == 1 and svg[0].attrs["data-machine"] == fig.attrs["data-machine"]
        current = run.current(fig.attrs["data-subject"], fig.attrs["data-machine"])
        marked = [g.find_all("title")[0].text() for g in fig.find_all("g", cls="current")]
        assert marked == ([current] if current else [])
        assert "stateDiagram-v2" in fig.find_all("pre")[0].text()


def test_errors_table_rows(dom, run):
    table = dom.find_all("table", cls="errors")[0]
    rows = table.find_all("tr")[1:]
    assert len(rows) == len(run.errors)
    codes = [r.find_all("td")[3].text() for r in rows]
    assert "CredentialsInvalid" in codes and "InvalidLookupReference" in codes


def test_expectation_rows(dom, run, ids):
    table = dom.find_all("table", cls="expectations")[0]
    rows = table.find_all("tr")[1:]
    assert len(rows) == len(run.expectations) == 3
    assert [r.attrs["class"] for r in rows] == ["pass", "pass", "fail"]
    cells = [td.text() for td in rows[2].find_all("td")]
    assert cells == ["2026-10-01T11:00:00Z", "profile <script>alert(1)</script>", "status",
                     '{"in": ["success"]}', "error", "✗ failed", ""]
    cells = [td.text() for td in rows[0].find_all("td")]
    assert cells == ["2026-09-02T08:00:00Z", f"job payroll{ids['job']}", "job_code",
                     "Quarantine", "Quarantine", "✓ passed", "line 12"]
    assert dom.find_all(id="verdict")[0].text() == "FAILED: 2 of 3 expectations hold"


def test_layout_measured_in_chromium(dom, run):
    probe = json.loads(dom.find_all("pre", id="probe")[0].text())
    width, height, texts = probe["plot"]
    assert width > 500 and height > 300 and texts > 30  # the inline SVG plot laid out
    text = probe["plotText"]
    for title in AXES_TITLES:
        assert title in text
    assert "job payroll  quarantine" in text and "profile Term 1 Sync  profile" in text
    assert probe["plotOverlaps"] == 0                    # no label drawn over another
    assert len(probe["svgs"]) == 7
    assert all(w > 200 and h > 80 for _, w, h in probe["svgs"])
    assert probe["segs"] == len(run.intervals())
    assert probe["currentStroke"] and set(probe["currentStroke"]) == {"3.5"}


def test_screenshot_is_not_blank(report_path, tmp_path, chromium):
    # SDSSIM_SCREENSHOTS=DIR keeps the picture for a person to look at
    shot = Path(os.environ.get("SDSSIM_SCREENSHOTS") or tmp_path) / "report.png"
    run_chromium(chromium, tmp_path, "--window-size=1280,1600", f"--screenshot={shot}",
                 report_path.as_uri())
    with Image.open(shot) as im:
        assert im.size == (1280, 1600)
        colors = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 200
    white = sum(n for n, c in colors if c == (255, 255, 255))
    assert white < 0.9 * 1280 * 1600


def test_load_and_write_from_a_run_directory(run_dir, tmp_path):
    path = write_report(load_run(run_dir), tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert f"<code>{run_dir}</code>" in text
    assert "<title>sdssim run story</title>" in text
