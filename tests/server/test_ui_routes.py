"""The dashboard's routes over a real socket (the browser test drives the page itself)."""

from __future__ import annotations

import re

import httpx
import pytest

from sdssim.engine import Simulation
from sdssim.server.app import create_app
from sdssim.server.testing import running_server
from sdssim.server.ui import page


@pytest.fixture(scope="module")
def ui_url():
    sim = Simulation(seed=4)
    job = sim.create_job("sp-a", {"templateId": "scim"}, objects={"User": 10})
    sim.create_profile({"displayName": "Term 1 Sync", "dataProvider": {
        "@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [{"appliesTo": "student", "name": "school.edu"}]},
        "licensesToAssign": []})
    app = create_app(sim)
    app.state.sdssim.labels[f"job/{job.id}"] = "payroll"
    with running_server(app) as url:
        yield url, job.id


def test_page_is_one_self_contained_document():
    html = page()
    assert html.startswith("<!doctype html>")
    assert "<script src" not in html and 'rel="stylesheet"' not in html   # all inlined
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)           # no CDN
    assert 'id="advance-PT40M"' in html and "sessionStorage" in html


def test_ui_page_and_subjects(ui_url):
    url, job_id = ui_url
    r = httpx.get(f"{url}/_sdssim/ui")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    doc = httpx.get(f"{url}/_sdssim/ui/subjects").json()
    labels = {v["subject"]: v["label"] for v in doc["value"]}
    assert labels[f"job/{job_id}"] == "payroll"
    assert "Term 1 Sync" in labels.values()
    assert doc["colors"]["Quarantine"] == "#d55e00" and doc["families"]["Paused"] == "waiting"


def test_ui_diagram_and_refusals(ui_url):
    url, _ = ui_url
    r = httpx.get(f"{url}/_sdssim/ui/diagram", params={
        "machine": "job", "current": "Active", "path": "NotConfigured,Active",
        "taken": "NotConfigured>Active", "title": "payroll <job>\x00"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.text.startswith('<svg class="state-diagram" data-machine="job"')
    assert "payroll &lt;job&gt;" in r.text and "\x00" not in r.text
    for params, message in [
        ({"machine": "nope"}, "'machine' must be one of"),
        ({"machine": "job", "current": "Nope"}, "no state 'Nope'"),
        ({"machine": "job", "taken": "Active>Nope"}, "no state 'Nope'"),
        ({"machine": "job", "colour": "red"}, "'colour' is not supported"),
    ]:
        r = httpx.get(f"{url}/_sdssim/ui/diagram", params=params)
        assert r.status_code == 400 and message in r.json()["error"]["message"]
    assert httpx.get(f"{url}/_sdssim/ui/app.js").status_code == 400   # nothing else served
