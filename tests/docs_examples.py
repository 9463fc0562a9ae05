"""Run the ``python`` and ``bash`` blocks of Markdown files with Sybil; what tests/test_docs.py
runs in a child process (one TensorFlow import for every page).

    python tests/docs_examples.py RESULTS.json README.md docs/check.md ...

Each file's blocks run in order, in one namespace (Sybil's document namespace) and in a fresh
temporary folder that is the working directory and first on ``sys.path`` (a bash block may
write a module that a later block imports). A bash block runs with ``bash -euo pipefail`` and
this Python's folder first on ``PATH`` (so ``python`` is the environment's) and fails when it
exits non-zero. A block after ``<!-- skip: next "reason" -->`` is skipped with that reason.
RESULTS.json gets one record per block: file, line, language, status (passed / skipped /
failed), the skip reason or the error, what it printed and its seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from unittest import SkipTest

from sybil import Document
from sybil.evaluators.skip import Skipper
from sybil.example import NotEvaluated
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser

LANGUAGES = ("python", "bash")


def _bash(example) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", str(example.parsed)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(proc.stdout + proc.stderr, end="")
    if proc.returncode != 0:
        raise AssertionError(f"exit status {proc.returncode}")


def _language(document: Document, example) -> str:
    fence = document.text[example.region.start : example.region.end].lstrip("`~")
    return fence.split(None, 1)[0] if fence.strip() else ""


def run_file(path: Path) -> list[dict]:
    parsers = [PythonCodeBlockParser(), CodeBlockParser("bash", _bash), SkipParser()]
    document = Document.parse(str(path), *parsers)
    document.namespace["__name__"] = (
        "__main__"  # as in a script: functions it defines are __main__'s
    )
    records = []
    with tempfile.TemporaryDirectory(prefix="docs-") as folder:
        previous = os.getcwd()
        os.chdir(folder)
        sys.path.insert(0, folder)
        try:
            for example in document:
                if isinstance(example.region.evaluator, Skipper):
                    example.evaluate()  # the directive itself
                    continue
                record = {
                    "file": str(path),
                    "line": example.line,
                    "language": _language(document, example),
                }
                out = io.StringIO()
                start = time.perf_counter()
                try:
                    with contextlib.redirect_stdout(out):
                        example.evaluate()
                    record["status"] = "passed"
                except SkipTest as skip:
                    record.update(status="skipped", reason=str(skip))
                except NotEvaluated:
                    record.update(status="skipped", reason="")
                except BaseException:  # noqa: BLE001 - every failure is reported, not raised
                    record.update(status="failed", error=traceback.format_exc(limit=-8))
                record.update(output=out.getvalue(), seconds=round(time.perf_counter() - start, 2))
                records.append(record)
        finally:
            os.chdir(previous)
            sys.path.remove(folder)
            for name in [
                m
                for m, mod in sys.modules.items()
                if str(getattr(mod, "__file__", "") or "").startswith(folder)
            ]:
                del sys.modules[name]  # the next file's modules of the same name are its own
    return records


def main(argv: list[str]) -> int:
    out, *files = argv
    from actlab.determinism import set_op_threads

    # one thread per TensorFlow op, as trial workers run: a trial with jobs=1 then trains in
    # this process instead of starting a worker that imports TensorFlow again
    set_op_threads(1)
    records = [r for f in files for r in run_file(Path(f).resolve())]
    Path(out).write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
