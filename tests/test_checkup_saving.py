"""actlab.checkup's `serializes` reloads for real (in a fresh process that imports only the
target's module, then with custom_objects), names what get_config drops, and one config bug
is reported once; `check_module` checks a whole module (one shared fresh process)."""

from __future__ import annotations

import json

import keras
import pytest

from actlab.checkup import check_activation

FAST = {"train": False, "timing": False, "dtypes": ("float32",)}


@pytest.fixture(scope="module")
def module_report():
    """Every activation of checkup_targets, reloaded in one fresh process."""
    from actlab.checkup.modules import check_module

    return check_module("checkup_targets", **FAST)


def _report(module_report, name):
    return next(r for r in module_report.reports if r.target == f"checkup_targets:{name}")


def test_a_users_gelu_that_reloads_as_keras_gelu_fails(module_report):
    result = _report(module_report, "gelu")["serializes"]
    assert result.status == "fail", result.detail
    assert "reloads in a fresh process that imports only checkup_targets" in result.detail
    assert "as keras.src.activations.activations:gelu, not checkup_targets:gelu" in result.detail
    assert "its outputs differ by up to 0.02" in result.detail


def test_an_unregistered_function_warns_saying_what_happened(module_report):
    result = _report(module_report, "unregistered_swish")["serializes"]
    assert result.status == "warn", result.detail
    assert "reloads only with custom_objects" in result.detail
    assert "Could not locate function 'unregistered_swish'" in result.detail
    assert result.evidence["result"]["custom"]["ok"] is True


def test_a_function_registered_at_import_reloads_in_a_fresh_process(module_report):
    result = _report(module_report, "registered_swish")["serializes"]
    assert result.status == "pass", result.detail
    assert "in a fresh process that imports only checkup_targets" in result.detail


def test_check_module_lists_activations_and_what_is_not_one(module_report):
    names = [module_report.name_of(r) for r in module_report.reports]
    assert names == ["ForgetfulSlope", "gelu", "registered_swish", "unregistered_swish"]
    skipped = dict(module_report.skipped)
    assert set(skipped) == {
        "ForgetfulScale",
        "make_forgetful_slope",
        "not_an_activation",
        "two_arguments",
    }
    assert "needs arguments" in skipped["ForgetfulScale"]
    assert "not an activation" in skipped["not_an_activation"]
    assert not module_report.ok  # gelu fails
    rows = module_report.rows()
    assert [row["activation"] for row in rows] == names
    assert rows[1]["serializes"] == "fail" and all(row["seconds"] > 0 for row in rows)
    table = module_report.table().splitlines()
    assert table[0].split()[:3] == ["activation", "fwd", "grad"] and table[0].endswith("time")
    assert len(table) == 1 + len(names) + 1  # header, one row each, the legend
    record = json.loads(json.dumps(module_report.to_dict()))
    assert record["module"] == "checkup_targets" and len(record["activations"]) == 4


def test_a_dropped_required_argument_is_named_and_reported_once():
    report = check_activation(
        "checkup_targets:ForgetfulScale(scale=2.0)",
        train=True,
        timing=True,
        n_train=200,
        cost_log2_size=12,
        cost_repeats=3,
        fresh_process=False,  # the same error in this process; the fresh one is tested above
    )
    result = report["serializes"]
    assert result.status == "fail"
    assert "missing 1 required positional argument: 'scale'" in result.detail
    assert "get_config drops the constructor argument `scale` (required)" in result.detail
    assert report.names("fail") == ["serializes"], report.format()
    # the layer itself runs in half precision: no false positives from the config bug
    assert report["float16"].status == "pass" and report["bfloat16"].status == "pass"
    assert report["training"].status == "skip" and "see serializes" in report["training"].detail
    if keras.backend.backend() == "tensorflow":
        assert report["cost"].status == "skip" and "see serializes" in report["cost"].detail


def test_a_dropped_argument_with_a_default_is_named_with_both_values():
    report = check_activation(
        "checkup_targets:ForgetfulSlope(slope=0.3)", fresh_process=False, **FAST
    )
    result = report["serializes"]
    assert result.status == "fail", result.detail
    assert "outputs differ" in result.detail
    assert "`slope` (the layer has 0.3; reloaded: 0.1)" in result.detail


def test_the_command_checks_a_module(tmp_path, monkeypatch, capsys):
    from actlab.checkup.cli import main

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "module.json"
    argv = ["--module", "checkup_targets", "--no-train", "--no-timing", "--no-fresh-process"]
    assert main([*argv, "--json", str(out)]) == 1  # gelu fails
    text = capsys.readouterr().out
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("activation"))
    assert [line.split()[0] for line in lines[header + 1 : header + 5]] == [
        "ForgetfulSlope",
        "gelu",
        "registered_swish",
        "unregistered_swish",
    ]
    assert all(line.rstrip().endswith(" s") for line in lines[header + 1 : header + 5])
    assert "gelu: FAIL serializes:" in text
    assert "not activations: ForgetfulScale" in text
    assert "FAIL: checkup_targets: 1 of 4 activations failed a check (gelu)" in text
    assert json.loads(out.read_text())["ok"] is False
    assert main(["--module", "no_such_module_xyz"]) == 2
    assert "Cannot import module 'no_such_module_xyz'" in capsys.readouterr().err
