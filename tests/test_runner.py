"""The runner's contract: profiles, -p values, where each run writes, what it records, failure
reports, a quiet terminal with the logs on disk, and the Makefile's up-to-date check.

Stand-in notebooks in temporary folders keep these fast; only `test_run_records_what_ran` and
`test_noise_goes_to_the_log_not_the_terminal_nor_the_notebook` import TensorFlow in the kernel.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from actlab.collection import outputs, runner
from actlab.collection.runner import terminal

#: The runner is the subject, not the Keras backend of the pytest process: each test sets its
#: kernels' backend itself (`bases`: TensorFlow), so the module runs once, not in both passes.
pytestmark = pytest.mark.backend_independent(
    reason="the runner's contract; each test sets its kernels' backend"
)

REPO = outputs.REPO_ROOT
TOOLS = REPO / "tools"

#: Lines of other programs' logs that must never reach the terminal or a notebook's outputs.
NOISE = re.compile(
    r"IPKernelApp|absl::InitializeLog|oneDNN|cpu_feature_guard|^[IWEF]\d{4} \S|"
    r"FAKE_CPP_LOG_LINE|WARNING:tensorflow|WARNING:absl|TF_PY_LOG_MARKER|"
    r"ABSL_LOG_MARKER",
    re.MULTILINE,
)


def _write_notebook(
    path: Path, body: str | list[str], params: str = 'profile = "default"\nx = 1'
) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "actlab", "display_name": "actlab", "language": "python"}
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    bodies = [body] if isinstance(body, str) else body
    nb.cells = [cell, *(nbformat.v4.new_code_cell(b) for b in bodies)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def bases(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """Figures and reports bases in tmp_path, as `make figures` would use figures/ and reports/."""
    figures, reports = tmp_path / "figures", tmp_path / "reports"
    monkeypatch.setenv("ACTLAB_FIGURES_DIR", str(figures))
    monkeypatch.setenv("ACTLAB_REPORTS_DIR", str(reports))
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    monkeypatch.setenv("ACTLAB_PROGRESS", "plain")
    return figures, reports


# A stand-in that writes results.json the way session.Run.finish does, without importing Keras.
_FAKE_FINISH = """\
import json, os
from actlab.collection import outputs
run = outputs.current_run() or {}
folder = outputs.notebook_dir(NAME)
record = {"profile": profile, "label": run.get("label"), "overrides": run.get("overrides"),
          "run_id": run.get("run_id"), "backend": os.environ.get("KERAS_BACKEND"),
          "finding": f"x is {x}", "results": {"x": x}}
(folder / "results.json").write_text(json.dumps(record))
"""


def _fake_notebook(folder: Path, name: str = "91_fake") -> Path:
    nb = _write_notebook(folder / f"{name}.ipynb", [f"NAME = {name!r}", _FAKE_FINISH])
    (folder / "profiles").mkdir(exist_ok=True)
    (folder / "profiles" / f"{name}.yml").write_text("smoke:\n  x: 5\nfull:\n  x: 9\n")
    return nb


# --------------------------------------------------------------------------- parameters


def test_profile_overrides_and_unknown_parameter(tmp_path: Path):
    nb = _write_notebook(tmp_path / "nb" / "99_t.ipynb", "print(x)")
    (tmp_path / "nb" / "profiles").mkdir()
    (tmp_path / "nb" / "profiles" / "99_t.yml").write_text("smoke:\n  x: 5\nfull:\n  y: 2\n")
    assert runner.resolve_parameters(nb, "smoke") == {"x": 5, "profile": "smoke"}
    assert runner.resolve_parameters(nb, "default") == {"profile": "default"}
    with pytest.raises(runner.NotebookParameterError, match=r"unknown parameter\(s\) \['y'\]"):
        runner.resolve_parameters(nb, "full")
    with pytest.raises(runner.NotebookParameterError, match="Unknown profile"):
        runner.resolve_parameters(nb, "huge")
    with pytest.raises(runner.NotebookParameterError, match=r"unknown parameter\(s\) \['z'\]"):
        runner.plan_run(nb, "smoke", {"z": 1})


@pytest.mark.parametrize(
    ("text", "value", "how"),
    [
        ("None", None, "None"),
        ("none", None, "None"),
        ("2", 2, "int"),
        ("1e-3", 0.001, "float"),
        ("-0.5", -0.5, "float"),
        ("True", True, "bool"),
        ("false", False, "bool"),
        ("[0, 1, 2]", [0, 1, 2], "list"),
        ("'relu'", "relu", "str"),
        ('"a b"', "a b", "str"),
        ("embedded", "embedded", "read as text"),
        ("[relu, clip]", ["relu", "clip"], "YAML"),
        ("(1, 2)", (1, 2), "tuple"),
        ("", "", "read as text"),
    ],
)
def test_values_are_read_like_the_parameters_cell(text, value, how):
    got, described = runner.parse_value(text)
    assert got == value and type(got) is type(value)
    assert how in described


def test_overrides_say_how_they_were_read_and_reject_malformed_items():
    values, notes = runner.parse_overrides(["n_train=None", "seeds=[0]", "data_source=embedded"])
    assert values == {"n_train": None, "seeds": [0], "data_source": "embedded"}
    assert notes[0] == "n_train=None read as None (None)"
    assert "read as 'embedded' (str (not a Python literal" in notes[2]
    for bad in ("epochs", "=3", "two words=1"):
        with pytest.raises(runner.NotebookParameterError, match="NAME=VALUE"):
            runner.parse_overrides([bad])


def test_key_counts_only_real_overrides(tmp_path: Path):
    nb = _fake_notebook(tmp_path)
    assert runner.plan_run(nb, "smoke", {"x": 5}, backend="tensorflow").key == outputs.RunKey(
        "smoke", "tensorflow"
    )
    plan = runner.plan_run(nb, "smoke", {"x": 6}, backend="jax")
    assert plan.key.overrides == {"x": 6} and plan.params == {"x": 6, "profile": "smoke"}
    assert plan.key.label == "smoke + overrides (jax backend)"
    assert plan.key.variant == "jax/adhoc"
    assert runner.plan_run(nb, "default", {"x": True}).key.overrides == {"x": True}  # 1 is not True
    with pytest.raises(runner.NotebookParameterError, match="--profile"):
        runner.plan_run(nb, "default", {"profile": "smoke"})


def test_help_lists_the_notebooks_parameters(tmp_path: Path, capsys):
    nb = _write_notebook(
        tmp_path / "96_h.ipynb",
        "pass",
        params=(
            'profile = "default"  # set by the runner\nn_train = None  # subsample size (None: all)\n'
            "seeds = [0, 1]  # one run per seed"
        ),
    )
    assert runner.main([str(nb), "--help"]) == 0
    out = capsys.readouterr().out
    assert "-p NAME=VALUE" in out
    assert re.search(r"n_train\s+None\s+subsample size \(None: all\)", out)
    assert re.search(r"seeds\s+\[0, 1\]\s+one run per seed", out)


# --------------------------------------------------------------------------- locations


def test_each_kind_of_run_has_its_own_folders(bases):
    figures, reports = bases
    key = outputs.RunKey
    cases = {
        key(): ("", "default"),
        key("smoke"): ("smoke", "smoke"),
        key(backend="jax"): ("jax", "default (jax backend)"),
        key("smoke", "jax"): ("jax/smoke", "smoke (jax backend)"),
        key("default", overrides={"epochs": 2}): ("adhoc", "default + overrides"),
    }
    for k, (variant, label) in cases.items():
        loc = outputs.locations("01_x", k)
        assert (k.variant, k.label) == (variant, label)
        sub = Path(variant) if variant else Path()
        assert loc.figures == figures / sub / "01_x"
        assert loc.executed == reports / "executed" / sub / "01_x.ipynb"
        assert loc.stamp == reports / "executed" / sub / ".01_x.ok"
        assert loc.log == reports / "logs" / sub / "01_x.log"
    assert len({outputs.locations("01_x", k).figures for k in cases}) == len(cases)


def test_output_decides_for_adhoc_runs_and_cannot_take_another_runs_place(bases, tmp_path):
    figures, reports = bases
    adhoc = outputs.RunKey(overrides={"epochs": 2})
    loc = outputs.locations("01_x", adhoc, tmp_path / "mine" / "01_x.ipynb")
    assert loc.figures == tmp_path / "mine" / "figures" / "01_x"
    assert loc.log == tmp_path / "mine" / "01_x.log"
    smoke = outputs.locations("01_x", outputs.RunKey("smoke"), tmp_path / "t" / "01_x.ipynb")
    assert smoke.figures == figures / "smoke" / "01_x"  # a profile run's figures stay keyed
    with pytest.raises(outputs.OutputConflictError, match="default run"):
        outputs.locations("01_x", adhoc, reports / "executed" / "01_x.ipynb")
    with pytest.raises(outputs.OutputConflictError, match="smoke run"):
        outputs.locations("01_x", outputs.RunKey(), reports / "executed" / "smoke" / "01_x.ipynb")


def test_code_outside_the_runner_never_writes_into_figures(monkeypatch):
    monkeypatch.delenv("ACTLAB_FIGURES_DIR", raising=False)
    assert outputs.figures_dir() == REPO / "figures" / "interactive"
    assert outputs.figures_base() == REPO / "figures"


def test_makefile_and_lib_outputs_agree(bases, tmp_path):
    """`make` computes the same folders as actlab.collection.outputs, for every profile and backend."""
    nb_dir = tmp_path / "nbs"
    _fake_notebook(nb_dir)
    for profile in outputs.PROFILES:
        for backend in outputs.BACKENDS:
            out = subprocess.run(
                [
                    "make",
                    "-n",
                    "--no-print-directory",
                    "-C",
                    str(REPO),
                    "notebooks",
                    f"PROFILE={profile}",
                    f"BACKEND={backend}",
                    f"NOTEBOOK_DIR={nb_dir}",
                    f"VENV_STAMP={_venv_stamp(tmp_path)}",
                ],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ,
            ).stdout
            line = next(ln for ln in out.splitlines() if "actlab.collection.runner" in ln)
            words = shlex.split(line.split("||")[0])
            loc = outputs.keyed_locations("91_fake", outputs.RunKey(profile, backend))
            assert Path(words[words.index("--output") + 1]) == loc.executed
            assert Path(words[words.index("--stamp") + 1]) == loc.stamp
            assert words[words.index("--backend") + 1] == backend


def _venv_stamp(tmp_path: Path) -> Path:
    """A stand-in for .venv/.actlab-installed that is newer than the lock (no reinstall)."""
    stamp = tmp_path / "venv-installed"
    if not stamp.exists():
        stamp.touch()
    return stamp


# --------------------------------------------------------------------------- running


def test_run_records_what_ran(bases, capsys):
    """results.json, the card's label and the executed notebook agree on what ran; -p makes a
    run ad hoc ("default + overrides", never "default") and it writes under adhoc/."""
    figures, reports = bases
    folder = bases[0].parent / "nbs"
    nb = _write_notebook(
        folder / "95_prov.ipynb",
        [
            "from actlab.collection import session\nrun = session.start_run('95_prov', {'profile': profile, 'seeds': [0], "
            "'n_train': n_train}, {})",
            "run.finish({'n': 1}, finding='fine')",
        ],
        params='profile = "default"  # set by the runner\nn_train = 100  # subsample (None: all)',
    )
    assert runner.main([str(nb), "-p", "n_train=None"]) == 0
    out = capsys.readouterr().out
    assert "n_train=None read as None (None)" in out
    assert "running (default + overrides [n_train=None])" in out
    record = json.loads((figures / "adhoc" / "95_prov" / "results.json").read_text())
    assert record["profile"] == "default" and record["label"] == "default + overrides"
    assert record["overrides"] == {"n_train": None} and record["backend"] == "tensorflow"
    executed = nbformat.read(reports / "executed" / "adhoc" / "95_prov.ipynb", as_version=4)
    assert executed.metadata["actlab"]["run_id"] == record["run_id"]
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in executed.cells for o in c.get("outputs", [])
    )
    assert "default + overrides (n_train=None)" in html  # the provenance block says so too
    assert not (figures / "95_prov").exists(), "an ad-hoc run wrote into the default folder"


def test_failure_quotes_the_failing_line_and_the_exception(bases, tmp_path, capsys):
    nb = _write_notebook(
        tmp_path / "98_fail.ipynb", "a = 1\nb = a + 1\nraise RuntimeError('boom')\nc = 3"
    )
    out = tmp_path / "out" / "98_fail.ipynb"
    stamp = tmp_path / "out" / ".98_fail.ok"
    assert runner.main([str(nb), "--output", str(out), "--stamp", str(stamp)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one result line
    line = err[0]
    assert "[98_fail] FAILED after" in line
    assert (
        "cell [3], line 3 (raise RuntimeError('boom')): RuntimeError: boom" in line
    )  # [3]: as in the executed copy
    assert "98_fail.log" in line
    assert out.exists(), "the partial executed copy is kept"
    assert not stamp.exists()
    assert "RuntimeError: boom" in out.with_suffix(".ipynb.failed").read_text()


def test_failure_inside_a_function_names_where_it_was_raised(tmp_path):
    nb = _write_notebook(tmp_path / "94_deep.ipynb", ["import json", "x = 1\njson.loads('{')"])
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as info:
        runner.execute(nb, tmp_path / "94_deep.ipynb.out.ipynb")
    failure = runner.describe_failure(info.value, tmp_path / "94_deep.ipynb.out.ipynb")
    assert (
        failure.cell == 4 and failure.line_no == 2
    )  # [4]: after papermill's injected cell and failure.line == "json.loads('{')"
    assert failure.error.startswith("JSONDecodeError: Expecting property name")
    assert failure.frame and re.search(
        r"json/decoder.py:\d+ \(JSONDecoder.raw_decode\)$", failure.frame
    )


def test_bad_parameter_fails_before_the_kernel_with_one_line(bases, tmp_path, capsys):
    nb = _fake_notebook(tmp_path)
    assert runner.main([str(nb), "-p", "nope=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown parameter(s) ['nope']" in err
    assert not list(bases[1].rglob("*.failed")), (
        "an ad-hoc mistake marked a make figures run failed"
    )
    out = tmp_path / "o" / "91_fake.ipynb"
    assert runner.main([str(nb), "-p", "x=oops=1", "--output", str(out), "-p", "y=2"]) == 2
    assert "unknown parameter(s) ['y']" in out.with_name("91_fake.ipynb.failed").read_text()


def test_noise_goes_to_the_log_not_the_terminal_nor_the_notebook(bases, tmp_path, capfd):
    """TensorFlow's C++ and Python logging, absl and the kernel's own warnings end up in the log
    file; the terminal shows the runner's lines only, the executed notebook the cells' output."""
    figures, reports = bases
    nb = _write_notebook(
        tmp_path / "93_noise.ipynb",
        [
            "import os, logging\nimport tensorflow as tf\nimport keras",
            "tf.get_logger().warning('TF_PY_LOG_MARKER')\nimport absl.logging\n"
            "absl.logging.warning('ABSL_LOG_MARKER')\nlogging.getLogger('x').warning('ROOT_LOG_MARKER')",
            "os.write(2, b'E0000 00:00:1 123 fake.cc:1] FAKE_CPP_LOG_LINE\\n')\n"
            "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
            "m.compile('sgd', 'mse')\nm.fit(tf.ones((4, 3)), tf.ones((4, 2)), verbose=0)\nprint('CELL_OUTPUT_OK')",
        ],
    )
    assert runner.main([str(nb)]) == 0
    terminal = capfd.readouterr()
    lines = (terminal.out + terminal.err).strip().splitlines()
    assert not NOISE.search(terminal.out + terminal.err), terminal
    assert all(line.startswith("[93_noise] ") for line in lines), lines
    assert len(lines) == 2 and "done in" in lines[-1]
    log = (reports / "logs" / "93_noise.log").read_text()
    for marker in ("FAKE_CPP_LOG_LINE", "TF_PY_LOG_MARKER", "ABSL_LOG_MARKER", "ROOT_LOG_MARKER"):
        assert marker in log, marker
    executed = nbformat.read(reports / "executed" / "93_noise.ipynb", as_version=4)
    texts = [json.dumps(o) for c in executed.cells for o in c.get("outputs", [])]
    assert any("CELL_OUTPUT_OK" in t for t in texts)
    assert not any(NOISE.search(t) or "ROOT_LOG_MARKER" in t for t in texts), texts


def test_backend_reaches_the_kernel_and_its_own_folders(bases, tmp_path):
    figures, reports = bases
    nb = _fake_notebook(tmp_path)
    loc = runner.execute(nb, profile="smoke", backend="jax")
    assert loc.figures == figures / "jax" / "smoke" / "91_fake"
    record = json.loads(loc.results.read_text())
    assert record["backend"] == "jax" and record["label"] == "smoke (jax backend)"
    assert record["results"] == {"x": 5}


# --------------------------------------------------------------------------- up to date


def _make(tmp_path: Path, nb_dir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(REPO),
        "figures",
        f"NOTEBOOK_DIR={nb_dir}",
        f"VENV_STAMP={_venv_stamp(tmp_path)}",
        *args,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MAKEFLAGS": ""}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def test_smoke_after_default_leaves_the_default_outputs_up_to_date(bases, tmp_path):
    """`make figures`, `make figures PROFILE=smoke`, `make figures`: the last runs nothing and
    figures/<nb>/results.json still holds the default run; replacing it makes it run again."""
    figures, reports = bases
    nb_dir = tmp_path / "nbs"
    _fake_notebook(nb_dir)
    default = figures / "91_fake" / "results.json"

    first = _make(tmp_path, nb_dir)
    assert first.returncode == 0, first.stdout + first.stderr
    before = default.read_bytes()
    assert json.loads(before)["results"] == {"x": 1}
    assert re.search(r"91_fake\s+ran\s+\d+ s\s+x is 1", first.stdout), first.stdout

    smoke = _make(tmp_path, nb_dir, "PROFILE=smoke")
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert json.loads((figures / "smoke" / "91_fake" / "results.json").read_text())["results"] == {
        "x": 5
    }
    assert default.read_bytes() == before

    again = _make(tmp_path, nb_dir)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "running" not in again.stdout
    assert re.search(r"91_fake\s+up to date\s+\d+ s\s+x is 1", again.stdout), again.stdout
    assert default.read_bytes() == before

    default.write_text(default.read_text().replace('"x": 1', '"x": 7'))  # another run's file
    time.sleep(1.1)  # a new second for the summary's "ran"
    redo = _make(tmp_path, nb_dir)
    assert "will run again" in redo.stdout and "was rewritten by another run" in redo.stdout
    assert re.search(r"91_fake\s+ran", redo.stdout), redo.stdout
    assert json.loads(default.read_text())["results"] == {"x": 1}


# --------------------------------------------------------------------------- terminal


def test_progress_in_place_on_a_terminal_and_plain_lines_otherwise():
    live = io.StringIO()
    term = runner.Terminal("nb", stream=live, live=True)
    term.cell(2, 5)
    time.sleep(1.3)
    term.line("[nb] done")
    term.stop()
    text = live.getvalue()
    assert "\r" in text and "[nb] cell 2/5, 0:01" in text and text.endswith("[nb] done\n")
    plain = io.StringIO()
    term = runner.Terminal("nb", stream=plain, live=False, every_s=0.5)
    term.cell(3, 5)
    time.sleep(1.3)
    term.stop()
    assert "\r" not in plain.getvalue() and "[nb] cell 3/5, 0:01\n" in plain.getvalue()


def test_parallel_make_is_detected(monkeypatch):
    for flags, parallel in (
        (" -j2 --jobserver-auth=fifo:/tmp/x", True),
        ("-j", True),
        ("k --no-print-directory", False),
        ("", False),
    ):
        monkeypatch.setenv("MAKEFLAGS", flags)
        assert terminal._parallel_make() is parallel, flags


def test_summary_reports_status_time_and_finding(bases):
    figures, reports = bases
    key = outputs.RunKey()
    ok, failed, waiting = (outputs.keyed_locations(n, key) for n in ("01_ok", "02_bad", "06_bench"))
    ok.results.parent.mkdir(parents=True)
    ok.results.write_text(json.dumps({"run_id": "abc", "finding": "ReLU wins\nby a lot"}))
    ok.executed.parent.mkdir(parents=True)
    ok.executed.write_text("{}")
    ex = runner.Execution(Path("01_ok.ipynb"), runner.Plan({}, key), ok, run_id="abc", seconds=12.4)
    runner.write_stamp(ok.stamp, ex)
    failed.failed.write_text("FAILED after 3 s at cell 4, line 2 (f()): ValueError: no; log: x\n")
    text = runner.summary(["01_ok", "02_bad", "06_bench"], key, since=time.time() + 10, width=100)
    assert "1 up to date, 1 FAILED, 1 not run" in text.splitlines()[0]
    assert re.search(r"01_ok\s+up to date\s+12 s\s+ReLU wins by a lot", text)
    assert re.search(r"02_bad\s+FAILED\s+3 s\s+ValueError: no", text)
    assert re.search(r"06_bench\s+not run\s+\(waits for the other notebooks\)", text)
    assert "make reports" in text and "figures and results.json" in text
    assert runner.stale_reason(ok.stamp) is None
    ok.results.write_text("{}")
    assert "was rewritten by another run" in runner.stale_reason(ok.stamp)


def test_py2nb_builds_clean_notebook(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("py2nb", TOOLS / "py2nb.py")
    py2nb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(py2nb)
    nb = py2nb.convert(
        '# %% [markdown]\n# # Title\n\n# %% tags=["parameters"]\nprofile = "default"\n'
        "# %%\nprint(1)\n"
    )
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[0].source == "# Title"
    assert nb.cells[1].metadata["tags"] == ["parameters"]


def test_module_runs_as_a_command():
    out = subprocess.run(
        [sys.executable, "-m", "actlab.collection.runner", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.returncode == 0 and "NOTEBOOK --help" in out.stdout


def test_tensorflow_only_notebook_is_not_run_on_jax(tmp_path: Path, bases, capsys):
    """`make figures BACKEND=jax` completes: a TensorFlow-only notebook is named, not executed."""
    nb = _fake_notebook(tmp_path / "nbs", "02_soft_exponential")
    out = tmp_path / "out" / "02_soft_exponential.ipynb"
    stamp = tmp_path / "out" / ".02_soft_exponential.ok"
    assert (
        runner.main([str(nb), "--backend", "jax", "--output", str(out), "--stamp", str(stamp)]) == 0
    )
    said = capsys.readouterr().out
    assert "not run on the jax backend" in said and "TensorFlow only" in said
    assert not out.exists() and not stamp.exists() and not any(bases[0].rglob("results.json"))
    table = runner.summary(["02_soft_exponential"], outputs.RunKey("default", "jax"))
    assert "not run" in table and "not on jax" in table
