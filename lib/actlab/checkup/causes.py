"""Which sub-expression of a target goes non-finite, and what to do about it.

The target is traced with Keras's symbolic tensors (`keras.Input`): every `keras.ops` call it
makes (and ``*``, ``+``, ... on tensors) becomes a node of a graph, whose intermediate values a
functional model evaluates at the failing input. The *origin* is the first node whose value is
non-finite although its inputs are finite; following its consumers shows whether the
non-finite value reaches the output or is *absorbed* on the way: by a branch of ``where``,
``maximum`` or ``minimum`` that is not selected, or by an op that maps it back to a finite
value (``tanh``, a division by it). An absorbed inf leaves the output finite but the backward
pass multiplies it by a zero slope: NaN. The advice follows from that path (an ``exp`` inside
a ``log``, ``x * x``, a branch that is not selected), not from a fixed sentence.

Targets that cannot be traced symbolically (TensorFlow ops, custom gradients, NumPy) get no
cause: the checks then say so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import ml_dtypes
import numpy as np

from actlab.checkup.probe import WIDTH
from actlab.checkup.targets import Target

#: How a person reads each Keras operation (class name -> short name); others: lower case.
OP_NAMES = {
    "Add": "+",
    "Subtract": "-",
    "Multiply": "·",
    "TrueDivide": "/",
    "Divide": "/",
    "Power": "**",
}
#: Ops that pick one of their inputs: an inf in the input not picked is the `where` trap.
SELECTORS = {"Where": "where", "Maximum": "maximum", "Minimum": "minimum", "Clip": "clip"}


@dataclass
class Cause:
    """What went non-finite first (`origin`, an expression such as ``exp(x)``), what it is
    (`value`), where it went (`absorbed_by` or the output), and the sentence and advice."""

    origin: str
    op: str
    value: str
    absorbed_by: str | None
    path: list[str]
    text: str
    advice: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        return f"{self.text}; {self.advice}"


def _history(t) -> tuple[Any, Any]:
    op, node_index, _ = t._keras_history
    return op, op._inbound_nodes[node_index]


def _is_input(t) -> bool:
    _, node = _history(t)
    return not node.input_tensors


def _topological(outputs: list) -> list:
    """Every symbolic tensor that `outputs` depend on, inputs first (the input excluded)."""
    order, seen = [], set()
    stack = [(t, False) for t in outputs]
    while stack:
        t, expanded = stack.pop()
        if id(t) in seen:
            continue
        if expanded or _is_input(t):
            seen.add(id(t))
            if not _is_input(t):
                order.append(t)
            continue
        stack.append((t, True))
        stack.extend((i, False) for i in _history(t)[1].input_tensors if id(i) not in seen)
    return order


def _trace(target: Target, dtype: str):
    """`(input, output)` symbolic tensors of the target's own ops; a layer's `call` is traced
    directly, so its ops (not one opaque layer node) appear."""
    x = keras.Input((WIDTH,), dtype=dtype)
    y = type(target.layer).call(target.layer, x) if target.layer is not None else target.fn(x)
    if not isinstance(y, keras.KerasTensor):
        raise TypeError("the output is not one tensor")
    return x, y


#: Ops that do not change the value a person reads.
TRANSPARENT = {"ConvertToTensor", "Cast", "Identity"}


def _render(t, x, depth: int = 3, nested: bool = False) -> str:
    """A short expression for symbolic tensor `t` (``log(1 + exp(x))``)."""
    if t is x:
        return "x"
    op, node = _history(t)
    cls = type(op).__name__
    tensors = [a for a in node.arguments.args if isinstance(a, keras.KerasTensor)]
    if cls in TRANSPARENT and len(tensors) == 1:
        return _render(tensors[0], x, depth, nested)
    if depth == 0:
        return "…"
    binary = cls in OP_NAMES and len(node.arguments.args) == 2
    parts = []
    for arg in node.arguments.args:
        if isinstance(arg, keras.KerasTensor):
            parts.append(_render(arg, x, depth - 1, nested=binary))
        elif isinstance(arg, (int, float, np.number)) and not isinstance(arg, bool):
            parts.append(f"{float(arg):g}")
        elif hasattr(arg, "path") and hasattr(arg, "shape"):  # a variable
            parts.append(str(getattr(arg, "name", "w")))
        else:
            parts.append("c")
    if binary:
        text = f"{parts[0]} {OP_NAMES[cls]} {parts[1]}"
        return f"({text})" if nested else text
    if cls == "Negative" and len(tensors) == 1:  # -x, -(a + b)
        inner = _render(tensors[0], x, depth - 1, nested=True)
        return f"-{inner}"
    return f"{_op_name(t)}({', '.join(parts)})"


def _op_name(t) -> str:
    op, _ = _history(t)
    name = getattr(op, "name", "") or type(op).__name__
    return name.rstrip("_0123456789") or type(op).__name__.lower()


def _nonfinite(value) -> bool:
    value = np.asarray(value)
    return np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all()


def _kind(value) -> str:
    value = np.asarray(value, dtype="float64")
    if np.isnan(value).any():
        return "NaN"
    return "inf" if (value[~np.isfinite(value)] > 0).all() else "-inf"


def explain(target: Target, row: np.ndarray, dtype: str = "float32") -> Cause | None:
    """The cause of a non-finite output or gradient of `target` at the input `row` (one probe
    row of `WIDTH` values), or None when the target cannot be traced with `keras.ops`."""
    try:
        x, y = _trace(target, dtype)
        order = _topological([y])
        model = keras.Model(x, order)
        values = model(np.asarray(row, dtype=dtype).reshape(1, WIDTH))
        values = [np.asarray(keras.ops.convert_to_numpy(v)) for v in values]
    except Exception:  # noqa: BLE001 - not traceable with keras.ops: no cause, no guess
        return None
    value_of = {id(t): v for t, v in zip(order, values, strict=True)}
    consumers: dict[int, list] = {}
    for t in order:
        for i in _history(t)[1].input_tensors:
            consumers.setdefault(id(i), []).append(t)
    origin = next(
        (
            t
            for t in order
            if _nonfinite(value_of[id(t)])
            and not any(
                _nonfinite(value_of[id(i)])
                for i in _history(t)[1].input_tensors
                if id(i) in value_of
            )
        ),
        None,
    )
    if origin is None:
        return _no_forward_origin(x, y, value_of)
    path, absorbed = [origin], None
    current = origin
    while current is not y:
        nxt = [c for c in consumers.get(id(current), []) if c is not current]
        if not nxt:
            break
        bad = [c for c in nxt if _nonfinite(value_of[id(c)])]
        if bad:
            current = bad[0]
            path.append(current)
            continue
        absorbed = nxt[0]
        break
    return _describe(x, y, origin, path, absorbed, value_of, dtype)


def _no_forward_origin(x, y, value_of) -> Cause:
    return Cause(
        origin="",
        op="",
        value="",
        absorbed_by=None,
        path=[],
        text="no sub-expression goes non-finite in the forward pass, so the backward pass "
        "itself does (the slope of sqrt or of a power at 0, a division by zero in a custom "
        "gradient)",
        advice="make the slope finite where the value is (e.g. sqrt(x + eps))",
        evidence={"traced": True, "origin": None},
    )


#: A clamp of the exponent that keeps exp finite in each dtype (ln of its max: 88.72, 11.09).
EXP_CLAMP = {"float32": 80, "bfloat16": 80, "float16": 10, "float64": 700}


def _describe(x, y, origin, path, absorbed, value_of, dtype: str = "float32") -> Cause:
    expr = _render(origin, x)
    kind = _kind(value_of[id(origin)])
    names = [_op_name(t) for t in path]
    what, advice = _what_and_advice(x, origin, path, expr, kind, dtype)
    evidence = {
        "traced": True,
        "origin": expr,
        "origin_op": _op_name(origin),
        "value": kind,
        "path": names,
        "absorbed_by": None if absorbed is None else _op_name(absorbed),
    }
    if absorbed is None:
        return Cause(expr, _op_name(origin), kind, None, names, what, advice, evidence)
    text, advice = _absorbed(absorbed, what, kind, advice)
    return Cause(expr, _op_name(origin), kind, _op_name(absorbed), names, text, advice, evidence)


def _what_and_advice(x, origin, path, expr: str, kind: str, dtype: str) -> tuple[str, str]:
    """What went non-finite where, and what to do about it, by the op it came from."""
    op_cls = type(_history(origin)[0]).__name__
    inputs = _history(origin)[1].input_tensors
    inside_log = next((_render(t, x) for t in path[1:] if _op_name(t) == "log"), None)
    squared = op_cls == "Multiply" and len(inputs) == 2 and inputs[0] is inputs[1]
    if squared or (op_cls == "Square" and len(inputs) == 1):
        base = _render(inputs[0], x)
        top = float(np.sqrt(float(ml_dtypes.finfo(dtype).max)))  # 256 in float16
        shown = f"{top:.0f}" if top < 1e6 else f"{top:.2g}".replace("e+", "e")
        square = f"{base} * {base}" if squared else expr
        what = f"{base} · {base} overflows ({kind})" if squared else f"{expr} overflows ({kind})"
        advice = (
            f"`{square}` overflows above |{base}| = {shown} in {dtype}: scale or clamp "
            "before squaring"
        )
    elif op_cls in ("Exp", "Expm1") and inside_log is not None:
        what = f"{expr} overflows ({kind}) inside {inside_log}"
        advice = (
            "an `exp` inside a `log`: compute log(1 + exp(x)) as softplus(x) (or subtract the "
            "maximum before exp), which never overflows"
        )
    elif op_cls in ("Exp", "Expm1"):
        arg = _render(inputs[0], x) if inputs else "x"
        what = f"{expr} overflows ({kind})"
        advice = (
            f"clamp the exponent (e.g. {_op_name(origin)}(minimum({arg}, "
            f"{EXP_CLAMP.get(dtype, 80)})))"
        )
    elif op_cls == "Log":
        what = f"{expr} is {kind} (the log of a value <= 0)"
        advice = "keep the argument of log positive (e.g. log(maximum(u, eps)))"
    elif op_cls in ("TrueDivide", "Divide"):
        what = f"{expr} is {kind} (a division by zero)"
        advice = "keep the denominator away from zero"
    elif op_cls in ("Power", "Square", "Multiply"):
        what = f"{expr} overflows ({kind})"
        advice = "scale or clamp the factors before multiplying"
    else:
        what = f"{expr} is {kind}"
        advice = f"the first non-finite value is the output of `{_op_name(origin)}`"
    return what, advice


def _absorbed(absorbed, what: str, kind: str, advice: str) -> tuple[str, str]:
    """The text and advice when a later op (`absorbed`) maps the non-finite value back to a
    finite one: the forward pass stays finite, the backward pass gets NaN."""
    a_cls = type(_history(absorbed)[0]).__name__
    a_name = _op_name(absorbed)
    if a_cls in SELECTORS:
        text = (
            f"{what} in a branch of `{SELECTORS[a_cls]}` that is not selected, so the output "
            f"stays finite, but the backward pass multiplies that branch's zero gradient by "
            f"the {kind}: NaN (the `where` trap)"
        )
        advice = (
            "clamp the input of the branch not taken (the double `where` of notebook 03) or "
            "write the gradient" + ("; " + advice if "exp` inside a `log" in advice else "")
        )
    else:
        text = (
            f"{what}, and `{a_name}` maps it back to a finite value, so the output stays finite "
            f"but the backward pass multiplies `{a_name}`'s zero slope by the {kind}: NaN"
        )
    return text, advice


def explain_safely(target: Target, row: np.ndarray, dtype: str = "float32") -> Cause | None:
    """`explain`, or None if the analysis itself raises (it must never fail a check)."""
    try:
        return explain(target, row, dtype)
    except Exception:  # noqa: BLE001
        return None
