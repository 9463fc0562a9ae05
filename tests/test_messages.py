"""Error messages: every ``Received:`` in `lib` shows the value with ``repr``.

``Truncation(threshold="1")`` must say ``Received: threshold='1'``, not ``threshold=1``, which
hides that the value is a string. A source check covers every message in `lib` (a new one without
``!r`` fails here), and the messages below are checked as a user sees them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from actlab import activations as A
from actlab import callbacks as C
from actlab import layers as L
from actlab.collection import models as M

LIB = Path(__file__).resolve().parents[1] / "lib"


def _received_without_repr(path: Path) -> list[str]:
    """`name={value}` placeholders after "Received:" in an f-string that lack ``!r``.

    Python joins adjacent string literals into one f-string node, so a message split over
    several lines is checked as a whole.
    """
    bad = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.JoinedStr):
            continue
        text, seen = "", False
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
                seen = seen or "Received:" in text
            else:  # FormattedValue
                if seen and text.endswith("=") and part.conversion != ord("r"):
                    bad.append(
                        f"{path.name}:{node.lineno}: {text[-40:]}{{{ast.unparse(part.value)}}}"
                    )
                text += "{}"
    return bad


def test_every_received_value_in_lib_uses_repr():
    files = sorted(LIB.rglob("*.py"))
    assert len(files) > 10
    bad = [b for f in files for b in _received_without_repr(f)]
    assert not bad, "Received: values shown without !r:\n" + "\n".join(bad)


def test_the_source_check_catches_a_missing_repr(tmp_path: Path):
    """The check above can fail: a message without !r is reported, one with !r is not."""
    src = tmp_path / "m.py"
    src.write_text(
        'def f(t):\n    raise ValueError("bad. "\n                     f"Received: t={t}")\n'
        'def g(t):\n    raise ValueError(f"bad. Received: t={t!r}")\n'
    )
    assert [b.split(":")[1] for b in _received_without_repr(src)] == ["2"]


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: L.Truncation(threshold="1"), "Received: threshold='1'"),
        (lambda: A.truncate(np.ones(3, "float32"), threshold="1"), "Received: threshold='1'"),
        (lambda: L.Antirectifier(axis="1"), "Received: axis='1'"),
        (lambda: A.antirectify(np.ones((2, 3), "float32"), axis="1"), "Received: axis='1'"),
        (lambda: L.SoftExponential(shared_axes="1"), "Received: shared_axes='1'"),
        (lambda: L.Rational(shared_axes="1"), "Received: shared_axes='1'"),
        (lambda: L.Truncation(per_channel=1), "Received: per_channel=1"),
        (lambda: L.PolyReLUBlend(relu_weight="1"), "Received: relu_weight='1'"),
        (lambda: C.BlendSchedule(total_epochs="3"), "Received: total_epochs='3'"),
        (lambda: C.PreActivationMonitor(np.zeros((0, 3))), "Received: probe_x.shape=(0, 3)"),
        (lambda: M.build_resnet(stages="8"), "Received: stages='8'"),
    ],
    ids=[
        "Truncation",
        "truncate",
        "Antirectifier",
        "antirectify",
        "SoftExponential",
        "Rational",
        "Truncation_per_channel",
        "PolyReLUBlend",
        "BlendSchedule",
        "PreActivationMonitor",
        "build_resnet",
    ],
)
def test_messages_show_the_value_with_repr(make, shown):
    with pytest.raises(ValueError) as info:
        make()
    assert shown in str(info.value)
