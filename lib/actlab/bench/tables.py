"""Tables of timed rows: ratios to the copy floor and to the built-in, the cost targets, the
speed-up of a rewrite, and TensorFlow's XLA against JAX's."""

from __future__ import annotations

from actlab.bench.timing import floor_bytes, paired_ratio

#: The mode name of the rows timed under JAX (`jax.jit` of the forward or forward + backward).
JAX_MODE = "jax_jit"


def add_ratios(rows: list[dict], bandwidth: float) -> list[dict]:
    """Add `x_floor` (time / memory floor) and `x_builtin` (time / the pair's built-in)."""
    builtin = {
        (r["pair"], r["log2_size"], r["mode"], r["direction"]): r
        for r in rows
        if r["role"] == "builtin" and "median_s" in r
    }
    for r in rows:
        if "median_s" not in r:
            continue
        floor_s = floor_bytes(r["elements"], r["out_elements"], r["direction"]) / bandwidth
        r["floor_s"] = floor_s
        r["x_floor"] = r["median_s"] / floor_s
        ref = builtin.get((r["pair"], r["log2_size"], r["mode"], r["direction"]))
        r["x_builtin"] = r["median_s"] / ref["median_s"] if ref else None
    return rows


def target_table(
    rows: list[dict], log2_size: int = 22, max_x_builtin: float = 1.25, max_x_floor: float = 3.0
) -> list[dict]:
    """The cost targets (within `max_x_builtin` of the built-in, `max_x_floor` of the copy floor),
    per custom candidate: jit, forward + backward, at `log2_size`.

    `x_builtin` is the median per-round ratio to the built-in (`paired_ratio`), with its
    quartiles; `x_floor` the median time over the floor.
    """
    picked = _judged_rows(rows, log2_size)
    out = []
    for r in picked:
        if r["role"] != "custom":
            continue
        builtin = next(
            (b for b in picked if b["pair"] == r["pair"] and b["role"] == "builtin"), None
        )
        ratio, q1, q3 = paired_ratio(r, builtin) if builtin else (None, None, None)
        out.append(
            {
                "pair": r["pair"],
                "name": r["name"],
                "x_builtin": ratio,
                "x_builtin_q1": q1,
                "x_builtin_q3": q3,
                "x_floor": r["x_floor"],
                "within_builtin_target": ratio is not None and ratio <= max_x_builtin,
                "within_floor_target": r["x_floor"] <= max_x_floor,
            }
        )
    return out


def _judged_rows(rows: list[dict], log2_size: int) -> list[dict]:
    return [
        r
        for r in rows
        if r["mode"] == "jit"
        and r["direction"] == "forward_backward"
        and r["log2_size"] == log2_size
        and "median_s" in r
    ]


def before_after_table(rows: list[dict], log2_size: int = 22) -> list[dict]:
    """Per pair with a "before" candidate: its and the custom candidate's cost, and the speed-up.

    Judged like the targets: jit, forward + backward, at `log2_size`.
    """
    picked = {}
    for r in _judged_rows(rows, log2_size):
        picked.setdefault(r["pair"], {}).setdefault(r["role"], []).append(r)
    out = []
    for pair, roles in picked.items():
        builtin = (roles.get("builtin") or [None])[0]
        for before in roles.get("before", []):
            for after in roles.get("custom", []):
                speedup, q1, q3 = paired_ratio(before, after)
                out.append(
                    {
                        "pair": pair,
                        "before": before["name"],
                        "after": after["name"],
                        "before_x_builtin": paired_ratio(before, builtin)[0] if builtin else None,
                        "after_x_builtin": paired_ratio(after, builtin)[0] if builtin else None,
                        "before_x_floor": before["x_floor"],
                        "after_x_floor": after["x_floor"],
                        "speedup": speedup,
                        "speedup_q1": q1,
                        "speedup_q3": q3,
                    }
                )
    return out


def backend_table(
    tf_rows: list[dict],
    jax_rows: list[dict],
    log2_size: int = 22,
    direction: str = "forward_backward",
) -> list[dict]:
    """Per candidate: TensorFlow XLA (`jit`) against JAX XLA (`JAX_MODE`) at one size.

    ``jax_over_tf`` is the ratio of the medians (the two processes ran one after the other, so
    rounds are not paired); ``faster`` names the backend with the lower median, or
    ``"unclear"`` when the two interquartile ranges overlap.
    """

    def pick(rows, mode):
        return {
            (r["pair"], r["name"]): r
            for r in rows
            if r["mode"] == mode
            and r["direction"] == direction
            and r["log2_size"] == log2_size
            and "median_s" in r
        }

    tf_by, jax_by = pick(tf_rows, "jit"), pick(jax_rows, JAX_MODE)
    out = []
    for (_, name), t in tf_by.items():
        j = jax_by.get((t["pair"], name))
        if j is None:
            continue
        overlap = not (j["q3_s"] < t["q1_s"] or t["q3_s"] < j["q1_s"])
        faster = (
            "unclear" if overlap else ("jax" if j["median_s"] < t["median_s"] else "tensorflow")
        )
        out.append(
            {
                "pair": t["pair"],
                "name": name,
                "role": t["role"],
                "tf_ns_per_element": t["ns_per_element"],
                "jax_ns_per_element": j["ns_per_element"],
                "jax_over_tf": j["median_s"] / t["median_s"],
                "faster": faster,
            }
        )
    return out
