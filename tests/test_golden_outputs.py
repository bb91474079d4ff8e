"""Every bundled scenario's run outputs are byte-identical to the stored digests.

The digests were generated before the issue-16 refactor; a refactor must not move a byte.
After an intended change of behaviour, regenerate with ``python tests/golden.py --update``.
"""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("sdssim_golden", Path(__file__).parent / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

STORED = golden.stored()


def test_every_bundled_scenario_has_digests():
    assert sorted(STORED) == [p.name for p in golden.SCENARIOS], (
        f"scenarios and {golden.DIGESTS.name} disagree; run: {golden.UPDATE_COMMAND}")


@pytest.mark.parametrize("path", golden.SCENARIOS, ids=lambda p: p.name)
def test_run_outputs_match_golden_digests(path):
    current = golden.digest_run(path)
    want = STORED.get(path.name, {})
    changed = sorted(name for name in set(current) | set(want) if current.get(name) != want.get(name))
    assert not changed, (
        f"{path.name}: outputs differ from the golden digests in {', '.join(changed)}. "
        f"If the change is intended, regenerate with: {golden.UPDATE_COMMAND}")


def test_normalisation_only_unifies_line_endings():
    assert golden.normalise(b'{"a": 1}\r\n{"b": 2}\n') == b'{"a": 1}\n{"b": 2}\n'
    assert golden.normalise(b"x \n") == b"x \n"
