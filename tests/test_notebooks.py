"""The teaching notebooks: committed without outputs, and each runs top to bottom."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: seconds one cell may run before nbclient gives up: a guard against a hang, not a speed budget
#: (speed is measured in benchmarks/, never asserted by a test)
HANG_GUARD = 600

#: per notebook: text that must appear in its outputs (what the lesson demonstrates)
EXPECTED_OUTPUT = {
    "01-profile-lifecycle.ipynb": ["unknownFutureValue", "validating", "HTTP 404",
                                   "class success current", "HTTP 409"],
    "02-csv-validation.ipynb": ["HTTP 400 badRequest", "The required column Username is missing",
                                "row(s) have missing data for the field - Username",
                                "InvalidLookupReference", "an hour later:     success"],
    "03-provisioning-job-30-days.ipynb": ["EncounteredQuarantineException",
                                          "next attempt +6 h", "next attempt +12 h",
                                          "next attempt +24 h", "schedule: Disabled",
                                          "status.code: Active | schedule: Active",
                                          "branch: waited              status.code Quarantine",
                                          "branch: restarted on day 3  status.code Active"],
    "04-testing-a-client-with-hypothesis.ipynb": [
        "PROPERTY FAILED: the job is disabled", "all properties hold for advice_v2",
        "PROPERTY FAILED: pre-flight passed, start refused",
        "all properties hold for preflight_v2"],
}


def test_there_are_four_notebooks_in_order():
    assert [p.name for p in NOTEBOOKS] == list(EXPECTED_OUTPUT)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown" and nb.cells[0].source.startswith("# ")
    assert kinds.count("markdown") >= kinds.count("code") // 2  # narrated, not a code dump


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    return data.get("text/plain", "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=HANG_GUARD, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(ROOT)}})
    client.execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(_text(o) for o in outputs)
    for expected in EXPECTED_OUTPUT[path.name]:
        assert expected in text, f"{path.name}: no output contains {expected!r}"
    if path.name != "04-testing-a-client-with-hypothesis.ipynb":
        mimes = {m for o in outputs for m in o.get("data", {})}
        assert "image/png" in mimes, f"{path.name} shows no plot"
        if path.name != "02-csv-validation.ipynb":
            assert "image/svg+xml" in mimes, f"{path.name} shows no state diagram"
