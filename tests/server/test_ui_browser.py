"""The live dashboard in headless Chromium, driven by Selenium over Debian's chromedriver.

One browser session for the whole module (Chromium is heavy): the page loads
with the token it was given, shows the job with its scenario key and states,
a click on "+40 min" advances virtual time and the page shows the job's new
state, the request log highlights a 429, and a screenshot is taken.
``.ci/run`` installs ``chromium`` and ``chromium-driver``; tests install nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sdssim.engine import Simulation
from sdssim.server.app import create_app
from sdssim.server.testing import running_server

TOKEN = "ui-s3cret"
SP = "sp-hr"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Simulation, str]]:
    sim = Simulation(seed=3, start="2026-09-01T08:00:00Z")
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 300})
    sim.start_job(SP, job.id)
    sim.add_fault("credential_failure", at="2026-09-01T08:10:00Z", duration="P2D",
                  target=f"job/{job.id}")
    app = create_app(sim, token=TOKEN, rate_limit="2/60s")
    app.state.sdssim.labels[f"job/{job.id}"] = "hr-sync"
    with running_server(app) as url:
        yield url, sim, job.id


@pytest.fixture(scope="module")
def browser(tmp_path_factory, system_tool) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = system_tool("chromium", "chromium", "chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1100", "--disable-extensions",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-ui')}"):
        options.add_argument(arg)
    service = Service(executable_path=system_tool("chromedriver", "chromium-driver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, predicate, message: str, timeout: float = 30):
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(StaleElementReferenceException,)
                         ).until(predicate, message)


def _text(driver, css: str) -> str:
    """textContent read in one script call (panels re-render between two WebDriver calls)."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css)


def _click(driver, css: str) -> None:
    """A real click on the element ``css`` names, found and clicked in one go."""
    _wait(driver, lambda d: d.execute_script(
        "const e = document.querySelector(arguments[0]); if (e) e.click(); return !!e;", css),
        f"nothing to click at {css}")


def _job_state(driver, job_id: str, machine: str) -> str | None:
    # read in one script call: the page re-renders a row when its states change
    return driver.execute_script(
        "const c = document.querySelector(arguments[0]); return c && c.dataset.state;",
        f'tr[data-subject="job/{job_id}"] .state[data-machine="{machine}"]')


def test_dashboard_follows_a_click_on_the_clock(served, browser, tmp_path):
    url, sim, job_id = served
    # two Graph reads at the rate limit, the third throttled: the log must highlight it
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        statuses = [client.get(f"/v1.0/servicePrincipals/{SP}/synchronization/jobs").status_code
                    for _ in range(3)]
    assert statuses == [200, 200, 429]

    browser.get(f"{url}/_sdssim/ui?token={TOKEN}")
    _wait(browser, lambda d: _job_state(d, job_id, "job") == "Active",
          "the job row never showed state Active")
    # the token left the address bar but stays with the tab
    assert TOKEN not in browser.current_url
    assert browser.execute_script("return sessionStorage.getItem('sdssimToken')") == TOKEN
    assert "hr-sync" in _text(browser, f'tr[data-subject="job/{job_id}"]')  # name, not id
    assert browser.find_element(By.ID, "clock-now").text == "2026-09-01 08:00"
    assert browser.execute_script(
        "return document.querySelectorAll('#requests tr.throttled').length") == 1
    assert "429" in _text(browser, "#requests tr.throttled")
    assert "retryAfter" in _text(browser, "#scorecard")

    browser.find_element(By.ID, "advance-PT40M").click()   # buttons are never re-rendered
    _wait(browser, lambda d: _job_state(d, job_id, "job") == "Quarantine",
          "after +40 min the page never showed the job in Quarantine")
    assert browser.find_element(By.ID, "clock-now").text == "2026-09-01 08:40"
    assert sim.get_job(SP, job_id).status.code.value == "Quarantine"
    assert _job_state(browser, job_id, "quarantine") == "retry6h"
    timeline = _text(browser, "#timeline")
    assert "Active" in timeline and "Quarantine" in timeline and "hr-sync" in timeline

    # select the job: its quarantine diagram (laid out by dot) with the path highlighted
    _click(browser, f'tr[data-subject="job/{job_id}"]')
    _click(browser, '#machine-tabs button[data-machine="quarantine"]')
    _wait(browser, lambda d: "retry6h" in _text(d, "#diagram"),
          "the quarantine diagram never appeared")
    path = browser.execute_script(
        "return [...document.querySelectorAll('#diagram-path .state')].map(c => c.dataset.state)")
    assert path == ["healthy", "retry6h"]
    # dot drew the path: the current state outlined thick, the transition taken in blue
    taken = browser.execute_script(
        "return [...document.querySelectorAll('#diagram g.edge path')]"
        ".filter(p => p.getAttribute('stroke') === '#0072b2').length")
    assert taken == 1
    svg_text = _text(browser, "#diagram")
    for state in ("healthy", "retry6h", "retry12h", "retry24h", "daily", "disabled"):
        assert state in svg_text

    # "+1 day" moves the escalation on; "to next event" lands exactly on the next event
    browser.find_element(By.ID, "advance-P1D").click()
    _wait(browser, lambda d: d.find_element(By.ID, "clock-now").text == "2026-09-02 08:40",
          "+1 day did not move the clock")
    nxt = browser.find_element(By.ID, "clock-next").text
    browser.find_element(By.ID, "advance-next").click()
    _wait(browser, lambda d: d.find_element(By.ID, "clock-now").text == nxt,
          "'to next event' did not move the clock to the announced time")

    # SDSSIM_SCREENSHOTS=DIR keeps the picture for a person to look at
    shot = Path(os.environ.get("SDSSIM_SCREENSHOTS") or tmp_path) / "dashboard.png"
    assert browser.save_screenshot(str(shot))
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size[0] >= 1200
        colours = image.convert("RGB").getcolors(1 << 20)
    assert colours is not None and len(colours) > 50      # a drawn page, not a blank one
