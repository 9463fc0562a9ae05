"""The same verdicts under another float rounding? A notebook's headline verdicts from its run
and from the same run with a perturbation (`outputs.PERTURBATIONS`: TensorFlow's oneDNN off),
side by side.

    make robustness NB=04_antirectifier_vs_relu    # the run, the perturbed run, the comparison
    make robustness                                # every notebook whose results declare questions
    python -m actlab.collection.robustness compare [--profile P] NAME ...
    python -m actlab.collection.robustness declared [--profile P] NAME ...

`make robustness` runs the notebook's profile (`make figures`' run, if it is not up to date)
and the same profile again with the perturbation in the kernel's environment, into its own
folders (``figures/robustness/<nb>/``, ``reports/executed/robustness/``; the trial cache's keys
hold the oneDNN setting, so every run trains again), then ``compare``: for each headline question
of ``results["questions"]`` (matched by ``id``) the verdict words of both runs, whether they are
the same, and the interval of each; it prints that table and writes it to ``robustness.json``
beside the perturbed run's results.json, which the README's findings table reads
(``tools/readme_table.py``). A flip is reported as one, never hidden: ``compare`` exits 0 when
every headline verdict is the same, 1 when one flips, 2 when a notebook could not be compared
(a run missing, no questions, different parameters).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from actlab import wording
from actlab.collection import outputs
from actlab.collection.outputs import PERTURBATION_LABELS, PERTURBATIONS, RunKey

__all__ = [
    "DEFAULT_PERTURBATION",
    "compare_results",
    "compare_notebook",
    "comparison_path",
    "declared",
    "main",
]

DEFAULT_PERTURBATION = "onednn-off"
#: What a question's entry keeps of each run (results["questions"] records).
KEPT = ("verdict", "decided", "mean_diff", "ci_low", "ci_high", "n", "p_holm", "text", "open")
#: Provenance of each run in the comparison.
PROVENANCE = ("git_commit", "git_dirty", "finished_utc", "onednn", "platform", "wall_time_s")


def _key(profile: str, perturbation: str | None) -> RunKey:
    return RunKey(profile, "tensorflow", perturbation=perturbation)


def results_path(notebook: str, profile: str = "default", perturbation: str | None = None) -> Path:
    """results.json of the notebook's run of `profile` (on TensorFlow), perturbed or not."""
    return outputs.keyed_locations(notebook, _key(profile, perturbation)).results


def comparison_path(
    notebook: str, profile: str = "default", perturbation: str = DEFAULT_PERTURBATION
) -> Path:
    """Where the comparison goes: ``robustness.json`` beside the perturbed run's results."""
    return results_path(notebook, profile, perturbation).with_name("robustness.json")


def _read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _questions(record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    questions = ((record or {}).get("results") or {}).get("questions") or []
    return [q for q in questions if isinstance(q, dict) and q.get("id") is not None]


def declared(names: Iterable[str], profile: str = "default") -> list[str]:
    """The notebooks among `names` whose run of `profile` recorded headline questions."""
    return [n for n in names if _questions(_read(results_path(n, profile)))]


def _run(record: Mapping[str, Any], path: Path) -> dict[str, Any]:
    prov = record.get("provenance") or {}
    return {
        "results": _relative(path),
        "run_id": record.get("run_id"),
        "label": record.get("label"),
        **{k: prov.get(k) for k in PROVENANCE},
    }


def _relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(outputs.REPO_ROOT))
    except ValueError:
        return str(path)


def compare_results(
    reference: Mapping[str, Any] | None,
    perturbed: Mapping[str, Any] | None,
    perturbation: str = DEFAULT_PERTURBATION,
    notebook: str | None = None,
) -> dict[str, Any]:
    """The comparison record of two results.json records (the run, and the run perturbed).

    ``questions``: one entry per headline question of either run, matched by ``id``: the
    question, each run's verdict (after Holm), interval and seeds, and ``agree`` (the same
    verdict words) and ``identical`` (the same difference to the last bit: the perturbation
    changed nothing there). ``problems`` lists what makes the two runs not comparable (a run
    missing, no questions, other parameters, a reference that was perturbed too); ``agree`` is
    True when there is none and every verdict is the same; ``flips`` names the questions whose
    verdict changed; ``summary`` says it in one line.
    """
    label = PERTURBATION_LABELS[perturbation]
    ref_q = {q["id"]: q for q in _questions(reference)}
    new_q = {q["id"]: q for q in _questions(perturbed)}
    problems = _run_problems(reference, perturbed, bool(ref_q), perturbation)
    entries = _entries(ref_q, new_q, problems)
    flips = [e["id"] for e in entries if e["reference"] and e["perturbed"] and not e["agree"]]
    for e in entries:
        if e["id"] in flips:
            e["overlap"] = _overlap(e["reference"], e["perturbed"])
    return {
        "notebook": notebook or (reference or perturbed or {}).get("notebook"),
        "profile": (reference or perturbed or {}).get("profile"),
        "perturbation": perturbation,
        "perturbation_label": label,
        "perturbation_text": PERTURBATIONS[perturbation][0],
        "reference": None,
        "perturbed": None,
        "questions": entries,
        "problems": problems,
        "flips": flips,
        "agree": not problems and not flips,
        "summary": _summary(entries, flips, problems, label),
    }


def _run_problems(
    reference: Mapping[str, Any] | None,
    perturbed: Mapping[str, Any] | None,
    has_questions: bool,
    perturbation: str,
) -> list[str]:
    """What makes the two runs not comparable, whatever their questions say: a run missing, no
    headline questions, other parameters, the perturbation on the wrong run."""
    label = PERTURBATION_LABELS[perturbation]
    problems = []
    if reference is None:
        problems.append("the run to compare with has no results.json")
    if perturbed is None:
        problems.append(f"the run with {label} has no results.json")
    if reference is not None and not has_questions:
        problems.append("the run declares no headline questions (results['questions'])")
    if reference is not None and perturbed is not None:
        a, b = reference.get("params") or {}, perturbed.get("params") or {}
        differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if differ:
            problems.append(f"the runs' parameters differ ({', '.join(differ)})")
        env = PERTURBATIONS[perturbation][1]
        if "TF_ENABLE_ONEDNN_OPTS" in env:
            ref_onednn = (reference.get("provenance") or {}).get("onednn")
            new_onednn = (perturbed.get("provenance") or {}).get("onednn")
            if ref_onednn == env["TF_ENABLE_ONEDNN_OPTS"]:
                problems.append(f"the run to compare with ran with {label} as well")
            if (
                "onednn" in (perturbed.get("provenance") or {})
                and new_onednn != env["TF_ENABLE_ONEDNN_OPTS"]
            ):
                problems.append(f"the perturbed run did not run with {label}")
    return problems


def _entries(
    ref_q: Mapping[str, Any], new_q: Mapping[str, Any], problems: list[str]
) -> list[dict[str, Any]]:
    """One entry per question of either run, matched by id; a question in one run only is
    added to `problems`."""
    entries = []
    for qid in list(ref_q) + [q for q in new_q if q not in ref_q]:
        r, n = ref_q.get(qid), new_q.get(qid)
        head = r or n
        entry = {
            "id": qid,
            "question": head.get("question"),
            "kind": head.get("kind"),
            "margin": head.get("margin"),
            "unit": head.get("unit"),
            "reference": None if r is None else {k: r.get(k) for k in KEPT},
            "perturbed": None if n is None else {k: n.get(k) for k in KEPT},
        }
        entry["agree"] = bool(r and n and r.get("verdict") == n.get("verdict"))
        entry["identical"] = bool(
            r and n and r.get("mean_diff") == n.get("mean_diff") and r.get("n") == n.get("n")
        )
        if r is None or n is None:
            problems.append(
                f"question {qid!r} is only in the {'perturbed' if r is None else 'unperturbed'} run"
            )
        entries.append(entry)
    return entries


def _summary(entries: list[dict], flips: list, problems: list[str], label: str) -> str:
    """The comparison in one line."""
    same = sum(e["agree"] for e in entries)
    if problems:
        return f"not compared: {'; '.join(problems)}"
    if flips:
        return f"{len(flips)} of {len(entries)} headline verdicts FLIP with {label}: " + "; ".join(
            f"{e['id']}: {e['reference']['verdict']} → {e['perturbed']['verdict']}"
            + wording.overlap_text(e["overlap"], e.get("unit"))
            for e in entries
            if e["id"] in flips
        )
    identical = sum(e["identical"] for e in entries)
    return f"the same {same} of {len(entries)} headline verdicts with {label}" + (
        f" (all {identical} with identical numbers: {label} changed nothing in these runs)"
        if identical == len(entries)
        else ""
    )


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[float] | None:
    """Where the two runs' 95 % intervals overlap ([low, high]), or None when they do not (or
    one is missing)."""
    bounds = [a.get("ci_low"), a.get("ci_high"), b.get("ci_low"), b.get("ci_high")]
    if not all(isinstance(x, int | float) and math.isfinite(x) for x in bounds):
        return None
    low, high = max(bounds[0], bounds[2]), min(bounds[1], bounds[3])
    return [low, high] if low <= high else None


def compare_notebook(
    notebook: str, profile: str = "default", perturbation: str = DEFAULT_PERTURBATION
) -> dict[str, Any]:
    """Compare the notebook's two runs of `profile` and write the record (`comparison_path`)."""
    ref_path = results_path(notebook, profile)
    new_path = results_path(notebook, profile, perturbation)
    reference, perturbed = _read(ref_path), _read(new_path)
    record = compare_results(reference, perturbed, perturbation, notebook)
    record["profile"] = profile
    record["reference"] = _run(reference, ref_path) if reference else {"results": None}
    record["perturbed"] = _run(perturbed, new_path) if perturbed else {"results": None}
    if perturbed is not None:
        path = comparison_path(notebook, profile, perturbation)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        record["written"] = _relative(path)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actlab.collection.robustness",
        description="Compare a notebook's headline verdicts with the same run under a "
        "perturbation of float rounding (see `make robustness`).",
    )
    parser.add_argument("command", choices=("compare", "declared"))
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--profile", default="default", choices=outputs.PROFILES)
    parser.add_argument(
        "--perturbation", default=DEFAULT_PERTURBATION, choices=sorted(PERTURBATIONS)
    )
    args = parser.parse_intermixed_args(argv)
    if args.command == "declared":
        print(" ".join(declared(args.names, args.profile)))
        return 0
    if not args.names:
        print("robustness: no notebook to compare (none declares headline questions)")
        return 2
    status, counts = 0, {"the same": 0, "flip": 0, "not compared": 0}
    for name in args.names:
        record = compare_notebook(name, args.profile, args.perturbation)
        print(wording.robustness_text(record) + "\n", flush=True)
        if record["problems"]:
            counts["not compared"] += 1
            status = max(status, 2)
        elif record["flips"]:
            counts["flip"] += 1
            status = max(status, 1)
        else:
            counts["the same"] += 1
    print(
        f"robustness ({args.profile} profile, {PERTURBATION_LABELS[args.perturbation]}): "
        f"{len(args.names)} notebook(s): " + ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    )
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
