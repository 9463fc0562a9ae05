"""The README and the documentation site (docs/, mkdocs.yml) are tested like code.

- every ``python`` and ``bash`` block of README.md and docs/*.md runs at smoke sizes (Sybil, in
  one child process on TensorFlow: tests/docs_examples.py), or carries a visible skip reason
  (``<!-- skip: next "reason" -->``);
- the site builds with ``mkdocs build --strict`` (a broken link or reference fails), offline;
- the README's two commands and install line are the ones the docs give, and the README stays a
  front door.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
EXAMPLES = Path(__file__).with_name("docs_examples.py")

slow_once = pytest.mark.backend_independent(
    reason="the docs' examples run on TensorFlow, the default backend (in a child process)",
    in_pass="jax",  # the shorter pass of `make test`; the child runs TensorFlow all the same
)


def _blocks(text: str) -> list[tuple[str, str]]:
    """(language, source) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("docs") / "results.json"
    files = [str(README)] + [str(p) for p in PAGES]
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES), str(out), *files],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return json.loads(out.read_text())


def _output(results: list[dict], page: str) -> str:
    return "".join(r["output"] for r in results if Path(r["file"]).name == page)


@pytest.mark.slow
@slow_once
def test_every_code_block_runs_or_says_why_not(results):
    failed = [
        f"{r['file']}:{r['line']}\n{r['output'][-1500:]}\n{r['error']}"
        for r in results
        if r["status"] == "failed"
    ]
    assert not failed, "\n\n".join(failed)
    unexplained = [
        f"{r['file']}:{r['line']}"
        for r in results
        if r["status"] == "skipped" and not r["reason"].strip()
    ]
    assert not unexplained, f"skipped without a reason: {unexplained}"
    counted = sum(
        1
        for p in [README, *PAGES]
        for lang, _ in _blocks(p.read_text())
        if lang in ("python", "bash")
    )
    assert len(results) == counted  # Sybil saw every python and bash block
    ran = [r for r in results if r["status"] == "passed"]
    assert len(ran) >= 10, len(ran)


@pytest.mark.slow
@slow_once
def test_examples_print_what_the_pages_say(results):
    layers = _output(results, "layers.md")
    assert "[1.0, 0.6666" in layers  # the relu_weight history of BlendSchedule
    assert "First non-finite value at step 0" in layers  # diagnose_fit
    check = _output(results, "check.md")
    assert "myacts:snake" in check and "checkup" in check
    compare = _output(results, "compare.md")
    assert "snake − relu" in compare and "verdict" in compare.lower()


@pytest.mark.slow
@slow_once
def test_quoted_load_error_is_what_keras_says(tmp_path):
    (error,) = [
        s for lang, s in _blocks((DOCS / "layers.md").read_text()) if "Could not locate class" in s
    ]

    def run(code):
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )

    save = run(
        "import keras\nimport actlab.layers as L\n"
        "keras.Sequential([keras.Input((4,)), L.Antirectifier()]).save('m.keras')"
    )
    assert save.returncode == 0, save.stderr[-2000:]
    load = run("import keras\nkeras.saving.load_model('m.keras')")
    assert load.returncode != 0
    for line in error.strip().splitlines():  # every quoted piece appears in the real message
        for piece in line.split("[...]"):
            if piece.strip():
                assert piece.strip() in load.stderr, piece
    fixed = run("import keras\nimport actlab.layers\nkeras.saving.load_model('m.keras')")
    assert fixed.returncode == 0, fixed.stderr[-2000:]


@pytest.mark.slow
@slow_once
def test_site_builds_strict_and_offline(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**_env(), "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (site / "index.html").is_file() and (site / "assets" / "trial.png").is_file()
    assert "run_trial" in (site / "api" / "trials.html").read_text()
    checkup = (site / "api" / "checkup.html").read_text()  # its names are imported lazily
    for name in ("check_activation", "assert_healthy", "check_module", "ActivationReport"):
        assert re.search(rf'id="actlab\.checkup\.([a-z]+\.)?{name}"', checkup), name
    assert "run_trial" in (site / "search" / "search_index.json").read_text()
    assert (site / "notebooks" / "01_epoch_dynamic_blend.html").is_file()
    for page in site.rglob("*.html"):  # nothing loaded from the network when a page opens
        html = page.read_text()
        assert not re.search(r'<(script|img)[^>]*\ssrc="https?:', html), page
        assert not re.search(r'<link[^>]*\shref="https?:', html), page
    assert (
        not (ROOT / "docs" / "notebooks" / "01_epoch_dynamic_blend.ipynb")
        .read_text()
        .count('"execution_count": 1')
    ), "make docs never executes a notebook"


def _section(text: str, heading: str) -> str:
    body = text.split(heading, 1)[1]
    return re.split(r"^## ", body, maxsplit=1, flags=re.MULTILINE)[0]


def test_readme_commands_and_install_are_the_docs():
    readme, start = README.read_text(), (DOCS / "getting-started.md").read_text()
    two = _section(readme, "## Two commands")
    (commands,) = [s for lang, s in _blocks(two) if lang == "bash"]
    assert [line.split()[:2] for line in commands.splitlines()] == [
        ["make", "figures"],
        ["make", "test"],
    ]
    assert commands in _section(start, "## Two commands")
    (install,) = [s for lang, s in _blocks(_section(readme, "## Install")) if lang == "bash"]
    assert install.startswith('pip install ".[tensorflow-cpu]"')
    assert install in _section(start, "## Install")


def test_readme_is_a_front_door():
    text = README.read_text()
    lines = text.splitlines()
    assert len(lines) <= 150, len(lines)
    first_screen = "\n".join(lines[:40])
    assert "(docs/check.md)" in first_screen and "(docs/compare.md)" in first_screen
    assert "make test" in text  # .ci/run's hook looks for it
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|renamed|formerly", text.split("<!-- findings")[0])
    for link in re.findall(r"\]\(((?:docs/)?[\w./-]+\.(?:md|png))(?:#[\w-]+)?\)", text):
        assert (ROOT / link).is_file(), link


def test_code_blocks_are_python_bash_or_output():
    """A block in another language would escape test_every_code_block_runs_or_says_why_not."""
    for page in [README, *PAGES, ROOT / "CONTRIBUTING.md"]:
        for lang, _ in _blocks(page.read_text()):
            assert lang in ("python", "bash", "text", ""), f"{page.name}: ```{lang}"


def test_layers_page_covers_what_a_user_needs():
    text = (DOCS / "layers.md").read_text() + (DOCS / "getting-started.md").read_text()
    for needed in (
        "import actlab.layers",
        "save(",
        "load_model",
        "BlendSchedule",
        "set_model",
        "diagnose_fit",
        'pip install ".[tensorflow-cpu]"',
        "nothing named `lib` is installed",
        "Could not locate class",
    ):
        assert needed in text, needed
    assert "lib>Antirectifier" in (ROOT / "CHANGES.md").read_text()
