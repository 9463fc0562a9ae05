"""`check_module` (``--module``) keeps one target's side effects and exceptions from the next:
the module's state is restored around each target, a target that raises is that target's
failure, and a callable that returns no tensor (a setter) is listed as not an activation."""

from __future__ import annotations

import sys

import pytest

from actlab.checkup.cli import main
from actlab.checkup.modules import check_module

FAST = {"train": False, "timing": False, "fresh_process": False, "dtypes": ("float32",)}

SETTER = '''
from keras import ops

__all__ = ["set_temperature", "tempered_tanh", "CACHE"]

TEMPERATURE = 1.0
CACHE = {"calls": 0}


def set_temperature(t):
    """A setter: called with a probe tensor it changes the module's state (returns None)."""
    global TEMPERATURE
    TEMPERATURE = t
    CACHE["calls"] += 1


def tempered_tanh(x):
    return ops.tanh(x / TEMPERATURE)
'''

PICKY = (
    SETTER.replace('"CACHE"]', '"CACHE", "picky"]')
    + '''

def picky(x):
    """Runs on the first probe (8 rows), raises on the checks' larger ones."""
    if x.shape[0] != 8:
        raise RuntimeError(f"picky takes 8 rows, not {x.shape[0]}")
    return ops.tanh(x)
'''
)


@pytest.fixture
def user_modules(tmp_path, monkeypatch):
    """`user_setter_module` (a setter and an activation reading its global) and
    `user_picky_module` (the same, and an activation that raises on the checks' probes)."""
    names = {"setter": "user_setter_module", "picky": "user_picky_module"}
    (tmp_path / f"{names['setter']}.py").write_text(SETTER)
    (tmp_path / f"{names['picky']}.py").write_text(PICKY)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)  # checkup.log
    yield names
    for name in names.values():
        sys.modules.pop(name, None)


def test_a_setter_changes_nothing_the_next_target_sees(user_modules):
    name = user_modules["setter"]
    report = check_module(name, **FAST)
    assert [report.name_of(r) for r in report.reports] == ["tempered_tanh"]
    skipped = dict(report.skipped)
    assert set(skipped) == {"set_temperature"}
    assert "not an activation" in skipped["set_temperature"]
    assert "not a tensor" in skipped["set_temperature"]
    assert report.ok, report.details()
    module = sys.modules[name]
    assert module.TEMPERATURE == 1.0 and module.CACHE == {"calls": 0}  # left as it was


def test_a_target_that_raises_is_that_targets_failure(user_modules):
    report = check_module(user_modules["picky"], **FAST)
    assert [report.name_of(r) for r in report.reports] == ["picky", "tempered_tanh"]
    assert report.reports[1].ok, report.reports[1].format()
    picky = report.reports[0]
    assert not picky.ok
    first = picky.checks[0]
    assert first.status == "fail" and "RuntimeError: picky takes 8 rows, not" in first.detail
    assert [c.status for c in picky.checks[1:]] == ["skip"] * (len(picky.checks) - 1)
    assert not report.ok


def test_the_command_reports_both_and_exits_1(user_modules, capsys):
    argv = ["--module", user_modules["picky"], "--no-train", "--no-timing", "--no-fresh-process"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "FAIL: user_picky_module: 1 of 2 activations failed a check (picky)" in out
    assert "not activations: set_temperature (not an activation:" in out
