"""A tiny NumPy interpreter for the ONNX operators our graphs use (opset 17).

Not a runtime: an independent second route (no torch involved) to execute the exported
graphs in tests, since Python onnxruntime is unavailable here.  Unknown operators raise.
"""
import math

import numpy as np
import onnx
from onnx import numpy_helper

DT = {1: np.float32, 10: np.float16, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _erf(x):
    v = np.vectorize(math.erf)
    return v(x).astype(x.dtype)


class Model:
    def __init__(self, path_or_model):
        self.m = onnx.load(path_or_model) if isinstance(path_or_model, str) else path_or_model
        self.init = {t.name: numpy_helper.to_array(t) for t in self.m.graph.initializer}
        self.inputs = [i.name for i in self.m.graph.input if i.name not in self.init]
        self.outputs = [o.name for o in self.m.graph.output]

    def run(self, feeds):
        env = dict(self.init)
        env.update({k: np.asarray(v) for k, v in feeds.items()})
        for n in self.m.graph.node:
            ins = [env[i] if i else None for i in n.input]
            outs = OPS[n.op_type](ins, _attrs(n))
            if not isinstance(outs, (list, tuple)):
                outs = [outs]
            for name, val in zip(n.output, outs):
                env[name] = val
        return [env[o] for o in self.outputs]


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _slice(ins, a):
    x, starts, ends = ins[0], ins[1], ins[2]
    axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
    steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), np.int64)
    sl = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax = int(ax) % x.ndim
        dim = x.shape[ax]
        s, e, st = int(s), int(e), int(st)
        s = max(-dim - 1, min(s, dim)) if st > 0 else s
        e = max(-dim - 1, min(e, dim))
        sl[ax] = slice(s, e, st)
    return x[tuple(sl)]


def _reshape(ins, a):
    x, shape = ins
    shape = [int(s) for s in shape]
    shape = [x.shape[i] if s == 0 and not a.get("allowzero", 0) else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def _layernorm(ins, a):
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 and ins[2] is not None else 0
    ax = a.get("axis", -1) % x.ndim
    axes = tuple(range(ax, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return ((x - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * w + b).astype(x.dtype)


def _gemm(ins, a):
    A, B = ins[0], ins[1]
    if a.get("transA", 0):
        A = A.T
    if a.get("transB", 0):
        B = B.T
    y = a.get("alpha", 1.0) * (A @ B)
    if len(ins) > 2 and ins[2] is not None:
        y = y + a.get("beta", 1.0) * ins[2]
    return y.astype(ins[0].dtype)


def _reduce(fn):
    def f(ins, a):
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = ins[1]
        axes = tuple(int(x) for x in axes) if axes is not None else None
        return fn(ins[0], axes, bool(a.get("keepdims", 1))).astype(ins[0].dtype)
    return f


def _const(a):
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    if "value_float" in a:
        return np.array(a["value_float"], np.float32)
    if "value_int" in a:
        return np.array(a["value_int"], np.int64)
    if "value_ints" in a:
        return np.array(a["value_ints"], np.int64)
    raise NotImplementedError(a)


def _cof(ins, a):
    v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return np.full([int(s) for s in ins[0]], v.reshape(-1)[0], dtype=v.dtype)


def _argmax(ins, a):
    ax = a.get("axis", 0)
    r = np.argmax(ins[0], axis=ax)  # first maximal index, like ONNX select_last_index=0
    if a.get("keepdims", 1):
        r = np.expand_dims(r, ax)
    return r.astype(np.int64)


def _split(ins, a):
    x = ins[0]
    ax = a.get("axis", 0)
    split = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("split")
    idx = np.cumsum(split)[:-1]
    return np.split(x, idx, axis=ax)


def _conv(ins, a):
    """2-D convolution, stride 1, no dilation, one group (what our graphs use), as one matmul."""
    x, w = ins[0], ins[1]
    if a.get("group", 1) != 1 or any(v != 1 for v in list(a.get("strides", [1, 1])) + list(a.get("dilations", [1, 1]))):
        raise NotImplementedError(f"Conv {a}")
    top, left, bottom, right = a.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    O, C, kh, kw = w.shape
    B, _, H, W = x.shape
    Ho, Wo = H - kh + 1, W - kw + 1
    cols = np.stack([x[:, :, i:i + Ho, j:j + Wo] for i in range(kh) for j in range(kw)], axis=2)
    y = w.reshape(O, C * kh * kw) @ cols.reshape(B, C * kh * kw, Ho * Wo)
    if len(ins) > 2 and ins[2] is not None:
        y = y + ins[2][:, None]
    return y.reshape(B, O, Ho, Wo).astype(x.dtype)


OPS = {
    "Conv": _conv,
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Div": lambda i, a: (i[0] // i[1]) if np.issubdtype(i[0].dtype, np.integer) else i[0] / i[1],
    "Pow": lambda i, a: np.power(i[0], i[1]).astype(i[0].dtype),
    "Neg": lambda i, a: -i[0],
    "Sqrt": lambda i, a: np.sqrt(i[0]),
    "Exp": lambda i, a: np.exp(i[0]),
    "Cos": lambda i, a: np.cos(i[0]),
    "Sin": lambda i, a: np.sin(i[0]),
    "Tanh": lambda i, a: np.tanh(i[0]),
    "Erf": lambda i, a: _erf(i[0]),
    "Sigmoid": lambda i, a: (1.0 / (1.0 + np.exp(-i[0]))).astype(i[0].dtype),
    "Ceil": lambda i, a: np.ceil(i[0]),
    "Reciprocal": lambda i, a: (1.0 / i[0]).astype(i[0].dtype),
    "MatMul": lambda i, a: np.matmul(i[0], i[1]),
    "Gemm": _gemm,
    "Softmax": lambda i, a: _softmax(i[0], a.get("axis", -1)),
    "LayerNormalization": _layernorm,
    "ReduceMean": _reduce(lambda x, ax, k: x.mean(axis=ax, keepdims=k)),
    "ReduceSum": _reduce(lambda x, ax, k: x.sum(axis=ax, keepdims=k)),
    "ReduceL2": _reduce(lambda x, ax, k: np.sqrt((x * x).sum(axis=ax, keepdims=k))),
    "ReduceMax": _reduce(lambda x, ax, k: x.max(axis=ax, keepdims=k)),
    "Clip": lambda i, a: np.clip(i[0], i[1] if len(i) > 1 and i[1] is not None else -np.inf,
                                 i[2] if len(i) > 2 and i[2] is not None else np.inf).astype(i[0].dtype),
    "Max": lambda i, a: np.maximum(i[0], i[1]),
    "Min": lambda i, a: np.minimum(i[0], i[1]),
    "Equal": lambda i, a: np.equal(i[0], i[1]),
    "Less": lambda i, a: np.less(i[0], i[1]),
    "LessOrEqual": lambda i, a: np.less_equal(i[0], i[1]),
    "Greater": lambda i, a: np.greater(i[0], i[1]),
    "Not": lambda i, a: np.logical_not(i[0]),
    "Where": lambda i, a: np.where(i[0], i[1], i[2]),
    "Cast": lambda i, a: i[0].astype(DT[a["to"]]),
    "Shape": lambda i, a: np.array(i[0].shape, np.int64)[a.get("start", 0):a.get("end", None)],
    "Reshape": _reshape,
    "Transpose": lambda i, a: np.transpose(i[0], a.get("perm")),
    "Unsqueeze": lambda i, a: np.expand_dims(i[0], tuple(int(x) for x in (i[1] if len(i) > 1 else a["axes"]))),
    "Squeeze": lambda i, a: np.squeeze(i[0], tuple(int(x) for x in i[1])) if len(i) > 1 else np.squeeze(i[0]),
    "Concat": lambda i, a: np.concatenate(i, axis=a["axis"]),
    "Slice": _slice,
    "Split": _split,
    "Gather": lambda i, a: np.take(i[0], i[1].astype(np.int64), axis=a.get("axis", 0)),
    "Tile": lambda i, a: np.tile(i[0], [int(r) for r in i[1]]),
    "Expand": lambda i, a: i[0] * np.ones([int(s) for s in i[1]], dtype=i[0].dtype),
    "Range": lambda i, a: np.arange(i[0], i[1], i[2]).astype(i[0].dtype),
    "Constant": lambda i, a: _const(a),
    "ConstantOfShape": _cof,
    "ArgMax": _argmax,
    "Identity": lambda i, a: i[0],
}
