"""Half-precision weights for an exported graph: the export's `precision="float16"` option.

What turns half: the weights of MatMul, Gemm and Conv and the tables of Gather (embeddings), and
those operators' arithmetic, the activations cast to float16 on the way in and back to float32 on
the way out. What stays float32: the graph's inputs and outputs (a serving engine feeds and reads
a float16 bundle exactly as a float32 one), and every other operator: normalisations, softmax,
RoPE, the timestep embedding (t * 1000 inside a cosine needs more than float16's 11 bits) and the
visible-token mask (ceil(t*T - 1e-4) at T = 512 would be off by one in float16). Weights dominate
a model's bytes, so the graph is about half the size; an engine whose kernels lack a float16
operator (ONNX Runtime's CPU provider, for some) casts around it by itself.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HALF_OPS = {"MatMul": (0, 1), "Gemm": (0, 1, 2), "Conv": (0, 1, 2)}  # op -> inputs that turn half
TABLE_OPS = {"Gather": (0,)}  # op -> table inputs that turn half (indices stay integers)


def to_float16(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with the weights and arithmetic described above in float16; a new ModelProto."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    consumers = {}
    for n in g.node:
        for j, x in enumerate(n.input):
            consumers.setdefault(x, []).append((n, j))

    def half_use(n, j):
        return j in HALF_OPS.get(n.op_type, ()) or j in TABLE_OPS.get(n.op_type, ())

    # an initializer turns half only when every use of it is a half one
    halved = {name for name, t in inits.items() if t.data_type == TensorProto.FLOAT
              and consumers.get(name) and all(half_use(n, j) for n, j in consumers[name])}
    for name in halved:
        t = inits[name]
        t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), name))

    nodes = []
    for k, n in enumerate(g.node):
        turns = [j for j in range(len(n.input)) if n.input[j] and half_use(n, j)]
        weighty = [j for j in turns if n.input[j] in halved]
        if not weighty or (n.op_type in HALF_OPS and any(n.input[j] in inits and n.input[j] not in halved
                                                         for j in turns)):
            nodes.append(n)  # no half weight here (or one that must stay float32): untouched
            continue
        if n.op_type in HALF_OPS:
            for j in turns:
                if n.input[j] not in halved:  # an activation: cast in
                    cast = f"{n.input[j]}__half{k}"
                    nodes.append(helper.make_node("Cast", [n.input[j]], [cast], to=TensorProto.FLOAT16,
                                                  name=cast))
                    n.input[j] = cast
        out = n.output[0]
        n.output[0] = f"{out}__half{k}"
        nodes.append(n)
        nodes.append(helper.make_node("Cast", [n.output[0]], [out], to=TensorProto.FLOAT, name=f"{out}__float{k}"))
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]  # shapes stay, types changed: let inference redo them
    return m


def weight_bytes(model: onnx.ModelProto):
    """(all weight bytes, the float16 ones among them) of the model's initializers."""
    total = half = 0
    for t in model.graph.initializer:
        n = int(np.prod(t.dims)) * np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type]).itemsize
        total += n
        half += n if t.data_type == TensorProto.FLOAT16 else 0
    return total, half
