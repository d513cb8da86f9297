"""ONNX export (opset 17, dynamic batch), manifest, golden files, checks and report grid.

Works for any configuration (tiny or the paper's 256x256 / T=512 / 65,536 codes): no
size is hard-coded; everything comes from the checkpoints' configs.
"""
import hashlib
import json
import math
import os
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch

from . import world
from .data import (caption_prompt, edit_prompt, generate_prompt, to_tensor, to_uint8)
from .generate import Decoder, left_pad
from .llama import Llama, LlamaConfig
from .text_tokenizer import SPECIALS, TextTokenizer
from .tokenizer_model import (MASK_EPS, DDTTokenizer, DenoiserGraph, EncoderGraph, TokConfig)

OPSET = 17
CFG_GENERATE = 3.0
CFG_EDIT = 1.5
CAPTION_MAX_NEW_TOKENS = 32  # the world's longest answer is 20 tokens with <eos>
# serving defaults before the report: export_run replaces the temperature and the GENERATE guidance
# with the best of the report's sweep (report.make_report, "sampling_chosen"); on an earlier bundle
# `ddt geneval --scale 0.25` found temperature 0.7 / top-k 64 / CFG 3 best (0.283 against 0.201-0.244)
SAMPLE_TEMPERATURE = 0.7
SAMPLE_TOP_K = 64


# ----------------------------------------------------------------------------- helpers
def tensor_json(x, dtype=None):
    a = x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)
    if dtype:
        a = a.astype(dtype)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.reshape(-1).tolist()}


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def io_spec(name, dtype, shape):
    return {"name": name, "dtype": dtype, "shape": shape}


class LlamaGraph(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, position_ids, past_key, past_value):
        logits, k, v = self.m(input_ids, attention_mask, position_ids, past_key, past_value, last_only=True)
        return logits[:, 0], k, v


# ----------------------------------------------------------------------------- graphs
def graph_specs(tc: TokConfig, lc: LlamaConfig):
    S, T = tc.image_size, tc.T
    L, Hk, Dh, V = lc.n_layers, lc.n_kv_heads, lc.head_dim, lc.vocab_size
    return {
        "encoder": {
            "file": "encoder.onnx",
            "inputs": [io_spec("image", "float32", ["batch", 3, S, S])],
            "outputs": [io_spec("tokens", "int64", ["batch", T])],
        },
        "denoiser": {
            "file": "denoiser.onnx",
            "inputs": [io_spec("x_t", "float32", ["batch", 3, S, S]), io_spec("t", "float32", ["batch"]),
                       io_spec("tokens", "int64", ["batch", T])],
            "outputs": [io_spec("x0", "float32", ["batch", 3, S, S])],
        },
        "llama": {
            "file": "llama.onnx",
            "inputs": [io_spec("input_ids", "int64", ["batch", "seq"]),
                       io_spec("attention_mask", "int64", ["batch", "total"]),
                       io_spec("position_ids", "int64", ["batch", "seq"]),
                       io_spec("past_key", "float32", ["batch", L, Hk, "past", Dh]),
                       io_spec("past_value", "float32", ["batch", L, Hk, "past", Dh])],
            "outputs": [io_spec("logits", "float32", ["batch", V]),  # each row's last position
                        io_spec("new_key", "float32", ["batch", L, Hk, "seq", Dh]),
                        io_spec("new_value", "float32", ["batch", L, Hk, "seq", Dh])],
        },
    }


def dyn_axes(spec):
    out = {}
    for io in spec["inputs"] + spec["outputs"]:
        d = {i: s for i, s in enumerate(io["shape"]) if isinstance(s, str)}
        if d:
            out[io["name"]] = d
    return out


def example_inputs(tc: TokConfig, lc: LlamaConfig, B=2, P=3, Sq=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    S, T = tc.image_size, tc.T
    enc = (torch.rand(B, 3, S, S, generator=g) * 2 - 1,)
    den = (torch.randn(B, 3, S, S, generator=g), torch.rand(B, generator=g),
           torch.randint(0, tc.codebook_size, (B, T), generator=g))
    L, Hk, Dh = lc.n_layers, lc.n_kv_heads, lc.head_dim
    am = torch.ones(B, P + Sq, dtype=torch.long)
    am[0, 0] = 0
    llm = (torch.randint(0, lc.vocab_size, (B, Sq), generator=g), am,
           torch.arange(P, P + Sq)[None].repeat(B, 1),
           torch.randn(B, L, Hk, P, Dh, generator=g), torch.randn(B, L, Hk, P, Dh, generator=g))
    return {"encoder": enc, "denoiser": den, "llama": llm}


def graph_modules(tok, llama):
    return {"encoder": EncoderGraph(tok).eval(), "denoiser": DenoiserGraph(tok).eval(),
            "llama": LlamaGraph(llama).eval()}


EXTERNAL_DATA_OVER = 1 << 30  # a graph's weights go to a .data file beside it past 1 GiB (protobuf stops at 2)


def export_graphs(tok, llama, out_dir, external_data=False, precision="float32"):
    """ONNX graphs into out_dir. A graph whose weights exceed EXTERNAL_DATA_OVER (or every graph,
    with external_data=True) keeps them in one `<file>.data` beside it, as ONNX external data,
    which ONNX Runtime reads from the graph's directory. precision "float16" halves the weights
    and the matrix arithmetic (fp16.py says what stays float32; the graphs' inputs and outputs do)."""
    tc, lc = tok.cfg, llama.cfg
    specs = graph_specs(tc, lc)
    mods = graph_modules(tok, llama)
    ex = example_inputs(tc, lc)
    for name, spec in specs.items():
        export_graph(mods[name], ex[name], spec, out_dir, external_data, precision)
    return specs


PRECISIONS = ("float32", "float16")


def export_graph(module, example, spec, out_dir, external_data=False, precision="float32"):
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    path = os.path.join(out_dir, spec["file"])
    before = set(os.listdir(out_dir))
    weights = sum(p.numel() * p.element_size() for p in module.parameters())
    weights += sum(b.numel() * b.element_size() for b in module.buffers())
    with torch.no_grad():
        torch.onnx.export(module, example, path, opset_version=OPSET,
                          input_names=[i["name"] for i in spec["inputs"]],
                          output_names=[o["name"] for o in spec["outputs"]],
                          dynamic_axes=dyn_axes(spec), do_constant_folding=True)
    # torch writes a graph over 2 GB with one loose file per tensor: they are gathered into one
    loose = set(os.listdir(out_dir)) - before - {spec["file"]}
    m = None
    if precision == "float16":
        from .fp16 import to_float16
        m = to_float16(onnx.load(path))
        weights //= 2
    spec["precision"] = precision
    if external_data or weights > EXTERNAL_DATA_OVER:
        m = m or onnx.load(path)
        data = spec["file"] + ".data"
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                        size_threshold=1024)
        spec["external_data"] = {"file": data}
    elif m is not None:
        onnx.save_model(m, path)
    for f in loose:
        os.remove(os.path.join(out_dir, f))


def llama_state_from_onnx(path):
    """A LLaMA state dict read back from an exported llama graph: for bundles whose training
    checkpoint is gone. The exporter keeps parameter names for embeddings and norms, and gives
    each Linear's weight, transposed for MatMul, the name of the node that uses it
    ("/m/layers.0/attn/wq/MatMul")."""
    m = onnx.load(path)
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    state = {}
    for name, w in inits.items():
        if name.startswith("m."):
            state[name[2:]] = w
    for n in m.graph.node:
        if n.op_type == "MatMul" and n.name.endswith("/MatMul") and n.input[1] in inits:
            module = n.name[len("/m/"):-len("/MatMul")].replace("/", ".")
            state[module + ".weight"] = inits[n.input[1]].t().contiguous()
    return state


def tokenizer_from_bundle(bundle_dir, llama_cfg):
    """The DDT tokenizer read back from a bundle's encoder and denoiser graphs, for bundles whose
    training checkpoint is gone. The exporter names most initializers `onnx::MatMul_N`, and N
    depends only on the graph's structure; so a model of the same config with every parameter
    drawn at random (distinct values: the exporter merges equal initializers) is exported the same
    way, each of its initializers is found among its parameters by value, and the bundle's
    initializer of that name goes into that parameter. The VQ's EMA state restarts from the codebook.
    The result must reproduce the bundle's encoder and denoiser goldens, or ValueError."""
    with open(os.path.join(bundle_dir, "manifest.json")) as f:
        man = json.load(f)
    tc = TokConfig(**man["tokenizer_model"]["config"])
    probe = DDTTokenizer(tc).eval()
    with torch.no_grad():
        for p in probe.parameters():
            p.normal_()
        probe.vq.codebook.normal_()
    tok = DDTTokenizer(tc).eval()
    specs, examples = graph_specs(tc, llama_cfg), example_inputs(tc, llama_cfg)
    mods = {"encoder": EncoderGraph(probe).eval(), "denoiser": DenoiserGraph(probe).eval()}
    state = {}
    for name in ("encoder", "denoiser"):
        with tempfile.TemporaryDirectory() as tmp:
            export_graph(mods[name], examples[name], specs[name], tmp)
            probe_inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(os.path.join(tmp, specs[name]["file"])).graph.initializer}
        bundle_inits = {i.name: numpy_helper.to_array(i).copy()
                        for i in onnx.load(os.path.join(bundle_dir, specs[name]["file"])).graph.initializer}
        params = mods[name].state_dict()
        for init, a in probe_inits.items():
            for key, v in params.items():
                if v.numel() == a.size and np.array_equal(v.numpy().reshape(a.shape), a):
                    state[key] = torch.from_numpy(bundle_inits[init]).reshape(v.shape)
                    break
                if v.dim() == 2 and tuple(v.t().shape) == a.shape and np.array_equal(v.t().numpy(), a):
                    state[key] = torch.from_numpy(bundle_inits[init]).t().contiguous()
                    break
            else:
                raise ValueError(f"{name}: initializer {init} matches no parameter")
    cb = state.pop("codebook")
    if not torch.equal(state.pop("codebook_t").t(), cb):
        raise ValueError("the encoder's and the denoiser's codebooks differ")
    state["vq.codebook"] = cb
    own = tok.state_dict()
    # parameters no graph holds (the last block's unused stream) keep their fresh values: they
    # reach no output
    state["vq.ema_sum"] = cb.clone()
    tok.load_state_dict({**own, **state})
    check_tokenizer_goldens(tok.eval(), bundle_dir)
    return tok


def check_tokenizer_goldens(tok, bundle_dir):
    """The tokenizer reproduces the bundle's encoder golden (tokens exact) and denoiser golden
    (x0 within the manifest's 1e-4), or ValueError."""
    def arr(t):
        return torch.tensor(np.array(t["data"], dtype=t["dtype"]).reshape(t["shape"]))
    with open(os.path.join(bundle_dir, "golden", "encoder.json")) as f:
        g = json.load(f)
    with torch.no_grad():
        if not torch.equal(tok.encode_ids(arr(g["inputs"]["image"])), arr(g["outputs"]["tokens"])):
            raise ValueError(f"{bundle_dir}: the tokenizer read back does not reproduce the encoder golden")
    with open(os.path.join(bundle_dir, "golden", "denoiser.json")) as f:
        g = json.load(f)
    ins = {k: arr(v) for k, v in g["inputs"].items()}
    with torch.no_grad():
        x0 = tok.decoder(ins["x_t"], ins["t"], tok.vq.lookup(ins["tokens"]))
    diff = float((x0 - arr(g["outputs"]["x0"])).abs().max())
    if diff > 1e-4:
        raise ValueError(f"{bundle_dir}: the tokenizer read back misses the denoiser golden by {diff}")


ONNX_DT = {1: "float32", 7: "int64", 6: "int32", 9: "bool", 11: "float64"}


def check_onnx(path, spec):
    """onnx.checker (full) + shape inference; graph I/O names, dtypes, dims match the spec.
    By path, so that a graph with external data over 2 GB is checked too."""
    onnx.checker.check_model(path, full_check=True)
    inferred = path + ".inferred"
    onnx.shape_inference.infer_shapes_path(path, inferred, strict_mode=True)
    inf = onnx.load(inferred, load_external_data=False)
    os.remove(inferred)
    m = onnx.load(path, load_external_data=False)
    assert m.opset_import[0].version == OPSET, m.opset_import

    def dims(vi):
        return [d.dim_param if d.dim_param else d.dim_value for d in vi.type.tensor_type.shape.dim]

    got_in = [(v.name, ONNX_DT[v.type.tensor_type.elem_type], dims(v)) for v in m.graph.input]
    got_out = [(v.name, ONNX_DT[v.type.tensor_type.elem_type], dims(v)) for v in inf.graph.output]
    exp_in = [(i["name"], i["dtype"], i["shape"]) for i in spec["inputs"]]
    assert got_in == exp_in, f"{path}: inputs {got_in} != {exp_in}"
    for (gn, gd, gs), e in zip(got_out, spec["outputs"]):
        assert gn == e["name"] and gd == e["dtype"], (gn, gd, e)
        for a, b in zip(gs, e["shape"]):
            # the exporter may name output dims itself; fixed sizes must match
            if isinstance(b, int) and isinstance(a, int) and a != 0:
                assert a == b, f"{path}: output {gn} dims {gs} vs {e['shape']}"
    return {"checker": "ok", "shape_inference": "ok", "nodes": len(m.graph.node),
            "ops": sorted({n.op_type for n in m.graph.node})}


def trace_check(tok, llama, seed=1):
    """Eager torch vs torch.jit.trace (the mechanism the ONNX export uses), traced at one
    shape and re-run at other batch sizes / past lengths. Returns max abs diffs."""
    tc, lc = tok.cfg, llama.cfg
    mods = graph_modules(tok, llama)
    res = {}
    with torch.no_grad():
        for name in ("encoder", "denoiser", "llama"):
            tr = torch.jit.trace(mods[name], example_inputs(tc, lc)[name], check_trace=False)
            worst = 0.0
            for B, P, Sq in ((1, 0, 7), (3, 4, 1), (2, 0, 1)):
                ex = example_inputs(tc, lc, B=B, P=P, Sq=Sq, seed=seed + B)[name]
                a, b = mods[name](*ex), tr(*ex)
                a = a if isinstance(a, tuple) else (a,)
                b = b if isinstance(b, tuple) else (b,)
                for x, y in zip(a, b):
                    assert x.shape == y.shape, (name, x.shape, y.shape)
                    if x.dtype == torch.long:
                        worst = max(worst, float((x != y).sum()))
                    else:
                        worst = max(worst, float((x - y).abs().max()))
            res[name] = worst
    return res


# ----------------------------------------------------------------------------- manifest
def vocab_layout(tt: TextTokenizer, K, vocab_size=None):
    """Text ids first, then the K visual ids. A LLaMA whose vocabulary is larger than the
    tokenizer's words plus K (a random-weight bundle at LLaMA-3's 128,256 text ids) has the
    ids past the tokenizer's as further word ids, which no prompt uses."""
    text = (vocab_size or len(tt) + K) - K
    assert text >= len(tt), (vocab_size, len(tt), K)
    return {
        "vocab_size": text + K,
        "text_range": [0, text],
        "word_range": [len(SPECIALS), text],
        "visual_range": [text, text + K],
        "visual_offset": text,
        "special_tokens": {s: tt.vocab[s] for s in SPECIALS},
        "range_convention": "[start, end) half-open; visual token id = visual_offset + code",
    }


def templates(tt):
    return {
        "notation": "<x> = special token id; V_k = visual_offset + code of token k (k=1..T); "
                    "'{caption}' = tokenizer.json ids of the text (no specials added); "
                    "image span = <boi> V_T V_(T-1) .. V_1 <eoi> (coarse-first)",
        "GENERATE": {"prompt": "<bos> <gen> {caption} <boi>",
                     "unconditional_prompt": "<bos> <gen> <boi>",
                     "generate": "exactly T visual tokens (V_T first), then append <eoi>"},
        "EDIT": {"prompt": "<bos> <edit> <boi> V_T..V_1(source) <eoi> {instruction} <boi>",
                 "unconditional_prompt": "<bos> <edit> <boi> V_T..V_1(source) <eoi> <boi>",
                 "generate": "exactly T visual tokens of the target (V_T first), then append <eoi>"},
        "CAPTION": {"prompt": "<bos> <cap> <boi> V_T..V_1 <eoi> {question} <sep>",
                    "question": "optional, e.g. 'how many circles' or 'what color is the square'; "
                                "empty = describe the image",
                    "generate": "word tokens until <eos> (max 32); decode = words joined by one space"},
        "token_order": "the encoder outputs and the denoiser input are in token order V_1..V_T "
                       "(index 0 = V_1, finest detail; index T-1 = V_T, coarsest). The LLaMA "
                       "sequences hold them reversed (coarse-first): reverse before/after.",
    }


def build_manifest_llama(lc):
    """The manifest's llama section: the graph's contract in words, beside its config."""
    return {
        "config": {k: getattr(lc, k) for k in lc.__dataclass_fields__},
        "head_dim": lc.head_dim,
        "kv_cache": "past_key/past_value (batch, layers, kv_heads, past, head_dim), the caller's cache; "
                    "new_key/new_value (batch, layers, kv_heads, seq, head_dim) = this call's keys and "
                    "values only, which the caller writes into its cache (a slot per row: the graph never "
                    "copies the cache); past slots the mask marks 0 are ignored, so a slot may hold "
                    "fewer real positions than its capacity; prefill = past length 0",
        "attention_mask": "int64 (batch, past+seq): 1 real token, 0 padding; query at slot past+i "
                          "attends slot j iff j <= past+i and attention_mask[b,j] = 1",
        "position_ids": "int64 (batch, seq); left padding: position = max(cumsum(mask)-1, 0); "
                        "decode: previous position + 1",
        "rope": f"rotate-half (HF LLaMA), theta {lc.rope_theta}",
        "padding": "left-pad prompts of different lengths (pad id = <pad>, mask 0)",
        "logits": "float32 (batch, vocab): each row's last position only (left padding makes it "
                  "the newest token); the LM head is never computed for the other positions",
    }


def build_manifest(tok, llama, tt, specs, provenance, name, sampler_steps=None):
    tc, lc = tok.cfg, llama.cfg
    return {
        "format": "ddt-bundle/1",
        "name": name,
        "opset": OPSET,
        "files": {**{k: {**v, "sha256": None} for k, v in specs.items()},
                  "tokenizer": {"file": "tokenizer.json", "kind": "huggingface-tokenizers-json",
                                "model": "WordLevel", "normalizer": "Lowercase",
                                "pre_tokenizer": "Whitespace"}},
        "symbolic_dims": {"batch": "any batch size >= 1", "seq": "new tokens this call (>= 1)",
                          "past": "cached positions (0 for prefill)", "total": "past + seq"},
        "image": {"size": tc.image_size, "channels": 3, "layout": "NCHW", "color": "RGB",
                  "dtype": "float32", "normalization": "x = pixel/127.5 - 1 (pixels uint8 0..255)",
                  "denormalization": "pixel = clamp(round((x + 1) * 127.5), 0, 255)",
                  "patch": tc.patch},
        "tokenizer_model": {
            "T": tc.T, "codebook_size": tc.codebook_size, "code_dim": tc.code_dim,
            "config": {k: getattr(tc, k) for k in tc.__dataclass_fields__},
            "encoder": "image -> T token ids (int64, order V_1..V_T); nearest code by "
                       "cosine similarity (argmax over codes; unit-norm codes) inside the graph",
            "denoiser": "one rectified-flow step: predicts x0 from (x_t, t, tokens); token k "
                        "(1-based) is visible iff k <= ceil(t*T - 1e-4), the others are "
                        "ignored (masked to zero inside the graph); t has shape (batch,)",
        },
        "sampler": {
            "steps": sampler_steps or tc.T,
            "noise_shift": tc.noise_shift,
            "noise": "x_1 ~ N(0,1), shape (batch,3,S,S) float32; forward process x_t = s(t)*eps + (1-s(t))*x0 "
                     "with noise level s(t) = noise_shift*t / (1 + (noise_shift-1)*t) (noise_shift 1: s(t) = t)",
            "timesteps": "t_k = k/steps for k = steps, steps-1, ..., 1 (first call t = 1.0)",
            "update": "x0_hat = denoiser(x, t_k, tokens); t_next = (k-1)/steps; "
                      "x = x0_hat + (s(t_next) / s(t_k)) * (x - x0_hat)  (Euler step in the noise level); "
                      "after the last step (s(0) = 0) x = x0_hat",
            "output": "clamp(x, -1, 1), then denormalise",
            "visible_tokens_rule": "ceil(t*T - 1e-4)  (computed in float32; with steps = T exactly k tokens at "
                                   "t_k = k/T; any other step count reveals about T/steps tokens per step)",
            "steps_per_request": "a request may ask for fewer steps, 1 up to steps",
            "tokens_needed": "all T tokens before the first step (t=1 sees all of them)",
        },
        "llama": build_manifest_llama(lc),
        "vocabulary": vocab_layout(tt, tc.codebook_size, lc.vocab_size),
        "templates": templates(tt),
        "decoding": {
            "image_tokens": "restrict logits to the visual range; exactly T tokens",
            "text_tokens": "restrict logits to the word range plus <eos>",
            "cfg": {"generate_scale": CFG_GENERATE, "edit_scale": CFG_EDIT, "caption_scale": 1.0,
                    "rule": "guided = uncond + scale * (cond - uncond) on logits; two rows per request "
                            "(conditional, unconditional prompt) sharing each chosen token"},
            "sampling_recommendation": {"temperature": SAMPLE_TEMPERATURE, "top_k": SAMPLE_TOP_K,
                                        "caption": "greedy (argmax)"},
            "golden_runs": "greedy argmax (first maximal index) so that Java reproduces tokens exactly",
            "caption_max_new_tokens": CAPTION_MAX_NEW_TOKENS,
            "caption_max_new_tokens_note": "the most tokens a caption may take, <eos> included: the world's "
                                           "longest answer is 19 words (20 tokens), with headroom",
        },
        "batching": {
            **{stage: {"max_batch_size": 16, "max_queue_delay_ms": delay}
               for stage, delay in (("encoder", 10), ("llama", 20), ("mmdit", 20))},
            "note": "serving defaults, like dynamic_batching in a Triton model config: a batch closes at "
                    "max_batch_size jobs or max_queue_delay_ms after its first job; a deployment may "
                    "override them per stage",
        },
        "rng_contract": "Python's torch RNG is not reproduced in Java. Golden files store every "
                        "random input (sampler noise) explicitly and use greedy decoding; Java "
                        "must feed the stored noise and compare tokens exactly and images within "
                        "tolerance. For serving, any N(0,1) generator and any categorical sampler "
                        "are valid.",
        "provenance": provenance,
    }


# ----------------------------------------------------------------------------- goldens
def sample_images(tok, ids, noise, steps=None, record=False):
    """Reference sampler; optionally returns every intermediate x."""
    steps = steps or tok.cfg.T
    codes = tok.vq.lookup(ids)
    x, xs = noise, []
    with torch.no_grad():
        for k in range(steps, 0, -1):
            t = torch.full((ids.shape[0],), k / steps, dtype=torch.float32)
            x0 = tok.decoder(x, t, codes)
            x = x0 + tok.step_ratio(k, steps) * (x - x0)
            if record:
                xs.append(x.clone())
    return x.clamp(-1, 1), xs


def kept_steps(n):
    """The sampler steps a golden file keeps x after (0-based): the first two, the middle, the last."""
    return sorted({0, min(1, n - 1), n // 2, n - 1})


def write_llama_golden(llama, tt, gdir, vo):
    """The llama graph's golden: a left-padded prefill of two prompts of different lengths, then
    one decode step over the prefill's keys and values."""
    with torch.no_grad():
        p1 = generate_prompt(tt, "two red circles")
        p2 = generate_prompt(tt, "a blue square left of a green triangle")
        ids_, am, pos = left_pad([p1, p2], tt.pad)
        pk, pv = llama.empty_past(2)
        lg, k1, v1 = llama(ids_, am, pos, pk, pv)
        nxt = torch.tensor([[vo + 5], [vo + 7]])
        am2 = torch.cat([am, torch.ones(2, 1, dtype=torch.long)], 1)
        pos2 = pos[:, -1:] + 1
        lg2, k2, v2 = llama(nxt, am2, pos2, k1, v1)
        dump(os.path.join(gdir, "llama.json"), {
            "graph": "llama",
            "calls": [
                {"name": "prefill", "inputs": {"input_ids": tensor_json(ids_), "attention_mask": tensor_json(am),
                                               "position_ids": tensor_json(pos), "past_key": tensor_json(pk),
                                               "past_value": tensor_json(pv)},
                 "outputs": {"logits": tensor_json(lg[:, -1]), "new_key": tensor_json(k1),
                             "new_value": tensor_json(v1)}},
                {"name": "decode", "inputs": {"input_ids": tensor_json(nxt), "attention_mask": tensor_json(am2),
                                              "position_ids": tensor_json(pos2),
                                              "past_key": "new_key of prefill",
                                              "past_value": "new_value of prefill"},
                 "outputs": {"logits": tensor_json(lg2[:, -1]), "new_key_shape": list(k2.shape)}}]})
    return "golden/llama.json"


def write_goldens(tok, llama, tt, out_dir, val_images, seed=1234, sampler_steps=None):
    gdir = os.path.join(out_dir, "golden")
    os.makedirs(gdir, exist_ok=True)
    tc, lc = tok.cfg, llama.cfg
    vo = len(tt)
    mods = graph_modules(tok, llama)
    dec = Decoder(llama, tt, vo, tc.codebook_size)
    g = torch.Generator().manual_seed(seed)
    files = {}
    with torch.no_grad():
        # encoder
        u8 = val_images[:2]
        img = to_tensor(u8)
        ids = mods["encoder"](img)
        sims = torch.topk(tok.encoder(img) @ tok.vq.codebook.t(), 2, dim=-1).values
        dump(os.path.join(gdir, "encoder.json"), {
            "graph": "encoder", "inputs": {"image": tensor_json(img)},
            "outputs": {"tokens": tensor_json(ids)},
            "extra": {"image_uint8_nhwc_rgb": tensor_json(torch.from_numpy(np.ascontiguousarray(u8))),
                      "normalization": "image = float32(pixel) / 127.5f - 1f, NHWC uint8 -> NCHW float32",
                      "top2_cosine_margin": tensor_json(sims[..., 0] - sims[..., 1]),
                      "note": "a token may legitimately differ only where its top-2 margin is ~1e-6"}})
        files["encoder"] = "golden/encoder.json"
        # denoiser (two rows with different t, so different masks)
        xt = torch.randn(2, 3, tc.image_size, tc.image_size, generator=g)
        t = torch.tensor([1.0, 0.3], dtype=torch.float32)
        toks = ids.clone()
        x0 = mods["denoiser"](xt, t, toks)
        dump(os.path.join(gdir, "denoiser.json"), {
            "graph": "denoiser", "inputs": {"x_t": tensor_json(xt), "t": tensor_json(t), "tokens": tensor_json(toks)},
            "outputs": {"x0": tensor_json(x0)}})
        files["denoiser"] = "golden/denoiser.json"
        files["llama"] = write_llama_golden(llama, tt, gdir, vo)

        # whole generation: prompt -> tokens -> image
        def gen_record(kind, text, tokens, noise, prompt, uprompt, scale):
            img, xs = sample_images(tok, torch.tensor([tokens]), noise, steps=sampler_steps, record=True)
            return {"kind": kind, "text": text, "prompt_ids": prompt, "unconditional_prompt_ids": uprompt,
                    "cfg_scale": scale, "decoding": "greedy",
                    "llm_visual_ids_coarse_first": [vo + c for c in tokens[::-1]],
                    "tokens": tokens, "noise": tensor_json(noise),
                    # a few steps, not every one: at T = 512 all of them would be gigabytes
                    "sampler_x_at_steps": {"steps": kept_steps(len(xs)), "x": [tensor_json(xs[k]) for k in kept_steps(len(xs))]},
                    "image": tensor_json(img), "image_uint8_nhwc_rgb": tensor_json(to_uint8(img))}

        caption = "two red circles"
        toks_g = dec.generate([caption], tc.T, cfg_scale=CFG_GENERATE)[0]
        noise = torch.randn(1, 3, tc.image_size, tc.image_size, generator=g)
        gen = gen_record("GENERATE", caption, toks_g, noise, generate_prompt(tt, caption),
                         generate_prompt(tt, ""), CFG_GENERATE)
        dump(os.path.join(gdir, "generate.json"), gen)
        files["generate"] = "golden/generate.json"
        # edit: source image -> encoder tokens -> edit tokens -> image
        src_u8 = val_images[2:3]
        src_ids = mods["encoder"](to_tensor(src_u8))[0].tolist()
        instr = "add a yellow square"
        toks_e = dec.edit([src_ids], [instr], tc.T, cfg_scale=CFG_EDIT)[0]
        noise = torch.randn(1, 3, tc.image_size, tc.image_size, generator=g)
        ed = gen_record("EDIT", instr, toks_e, noise, edit_prompt(tt, src_ids, instr, vo),
                        edit_prompt(tt, src_ids, "", vo), CFG_EDIT)
        ed["source_image_uint8_nhwc_rgb"] = tensor_json(torch.from_numpy(np.ascontiguousarray(src_u8)))
        ed["source_tokens"] = src_ids
        dump(os.path.join(gdir, "edit.json"), ed)
        files["edit"] = "golden/edit.json"
        # caption: image -> tokens -> text (describe and a question)
        cap_u8 = val_images[3:4]
        cap_ids = mods["encoder"](to_tensor(cap_u8))[0].tolist()
        runs = []
        for q in ("", "how many circles"):
            trace = []
            prompt = caption_prompt(tt, cap_ids, q, vo)
            out = dec.run([prompt], None, 32, dec.text_allowed, stop_id=tt.eos, trace=trace)[0]
            runs.append({"question": q, "prompt_ids": prompt, "output_ids": out,
                         "text": tt.decode([t for t in out if t != tt.eos])})
        dump(os.path.join(gdir, "caption.json"), {
            "kind": "CAPTION", "decoding": "greedy", "image_uint8_nhwc_rgb":
                tensor_json(torch.from_numpy(np.ascontiguousarray(cap_u8))), "tokens": cap_ids, "runs": runs})
        files["caption"] = "golden/caption.json"
    return files


# ----------------------------------------------------------------------------- grid
def save_grid(path, rows, labels, scale=4, label_w=230):
    """rows: list of lists of uint8 (S,S,3) images; labels: one string per row."""
    from PIL import Image, ImageDraw
    S = rows[0][0].shape[0] * scale
    ncol = max(len(r) for r in rows)
    pad = 2
    W = label_w + ncol * (S + pad)
    H = len(rows) * (S + pad)
    canvas = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(canvas)
    for i, (r, lab) in enumerate(zip(rows, labels)):
        y = i * (S + pad)
        d.text((4, y + S // 2 - 10), lab, fill=(0, 0, 0))
        for j, im in enumerate(r):
            canvas.paste(Image.fromarray(im).resize((S, S), Image.NEAREST), (label_w + j * (S + pad), y))
    canvas.save(path)


# ----------------------------------------------------------------------------- world / held-out set
def world_spec(S):
    return {
        "generator": "models/ddt/world.py (deterministic by seed)",
        "image_size": S, "background_rgb": list(world.BACKGROUND),
        "colors_rgb": {k: list(v) for k, v in world.COLORS.items()},
        "shapes": world.SHAPES,
        "sizes_half_extent_fraction_of_side": world.SIZES,
        "relations": world.RELATIONS,
        "relation_rule": "a 'left of' b iff |dx| >= |dy| and dx < 0, 'right of' dx > 0; 'above' iff "
                         "|dy| > |dx| and dy < 0, 'below' dy > 0 (dx, dy = centre of a - centre of b, "
                         f"pixels, y down); generated scenes keep the relation axis gap >= {world.REL_MARGIN} * side",
        "t2i_kinds": {"single_object": "a {size} {shape}", "colors": "a {color} {shape}",
                      "two_object": "a {shape} and a {shape}", "counting": "{two|three|four} {color} {shape}s",
                      "position": "a {color} {shape} {relation} a {color} {shape}",
                      "color_attr": "a {color} {shape} and a {color} {shape}"},
        "edit_kinds": {"recolor": "make the {color} {shape} {color}", "add": "add a {color} {shape}",
                       "remove": "remove the {color} {shape}",
                       "move": "move the {color} {shape} {left|right|up|down} (by 1/4 of the side)"},
        "caption_kinds": {"describe": "question '' -> objects left to right, 'a {size} {color} {shape}' "
                                      "joined by 'and' (two objects: joined by their relation)",
                          "count": "'how many {shape}s' -> zero..four",
                          "color": "'what color is the {shape}' -> {color}"},
        "articles": "'a' becomes 'an' before a vowel ('an orange circle')",
        "metadata": "objects: [{shape, color, size, rgb, cx, cy, box:[x0,y0,x1,y1]}] in output pixels; "
                    "t2i checks: [{shape, color?, size?, count}] and [{relation, a, b}] (indices into the "
                    "count clauses); an image passes when every clause holds (GenEval style)",
    }


def write_geneval_suite(out_dir, image_size):
    """The GenEval-shaped suite `ddt geneval` sends (world.geneval_suite), as eval/geneval_suite.json."""
    suite = world.geneval_suite(image_size)
    os.makedirs(os.path.join(out_dir, "eval"), exist_ok=True)
    with open(os.path.join(out_dir, "eval", "geneval_suite.json"), "w") as f:
        json.dump(suite, f, separators=(",", ":"))
    return {"file": "eval/geneval_suite.json", "format": suite["format"], "prompts": len(suite["prompts"]),
            "images_per_prompt": suite["images_per_prompt"]}


def write_heldout(val, out_dir, seed=2):
    """Held-out samples (metadata) + the source/target images edit and caption need."""
    d = os.path.join(out_dir, "eval")
    os.makedirs(d, exist_ok=True)
    imgs, recs = [], []
    for s, ix in zip(val["samples"], val["index"]):
        r = dict(s)
        if s["task"] != "t2i":
            for k, v in ix.items():
                r[{"img": "image_index", "tgt": "target_image_index"}[k]] = len(imgs)
                imgs.append(val["images"][v].numpy())
        recs.append(r)
    raw = np.stack(imgs).astype(np.uint8)
    raw.tofile(os.path.join(d, "heldout_images.u8"))
    with open(os.path.join(d, "heldout.json"), "w") as f:
        json.dump({"samples": recs}, f, separators=(",", ":"))
    counts = {t: sum(1 for s in recs if s["task"] == t) for t in ("t2i", "edit", "caption")}
    return {"samples": "eval/heldout.json", "images": "eval/heldout_images.u8",
            "images_format": f"raw uint8, shape {list(raw.shape)} (N,H,W,RGB), C order; sample fields "
                             "image_index / target_image_index point into it",
            "generated_by": f"world.make_samples(image_size, seed={seed}, {counts['t2i']}, {counts['edit']}, "
                            f"{counts['caption']}) (training used seed {seed - 1})",
            "counts": counts}


# ----------------------------------------------------------------------------- entry
def load_run(run_dir):
    ck = torch.load(os.path.join(run_dir, "tokenizer.pt"))
    tok = DDTTokenizer(TokConfig(**ck["config"]))
    tok.load_state_dict(ck["state"])
    tok.eval()
    cl = torch.load(os.path.join(run_dir, "llama.pt"))
    llama = Llama(LlamaConfig(**cl["config"]))
    llama.load_state_dict(cl["state"])
    llama.eval()
    return tok, llama, ck, cl


def export_bundle(tok, llama, tt, out_dir, name, provenance, val_images=None, goldens=True, external_data=False,
                  precision="float32", sampler_steps=None):
    """sampler_steps: the manifest's denoiser steps per image (default T; the visible-token rule holds
    for any count)."""
    if precision != "float32" and goldens:
        raise ValueError("golden files hold float32 references within 1e-4: a float16 bundle is written without them")
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    specs = export_graphs(tok, llama, out_dir, external_data, precision)
    tt.save(os.path.join(out_dir, "tokenizer.json"))
    checks = {"onnx": {}, "torch_eager_vs_jit_trace_max_abs_diff": trace_check(tok, llama)}
    for k, s in specs.items():
        checks["onnx"][k] = check_onnx(os.path.join(out_dir, s["file"]), s)
    golden = {}
    if goldens:
        if val_images is None:
            g = torch.Generator().manual_seed(0)
            val_images = (torch.rand(4, tok.cfg.image_size, tok.cfg.image_size, 3, generator=g) * 255).byte().numpy()
        golden = write_goldens(tok, llama, tt, out_dir, val_images, sampler_steps=sampler_steps)
    man = build_manifest(tok, llama, tt, specs, provenance, name, sampler_steps)
    for k, s in specs.items():
        man["files"][k]["sha256"] = sha256(os.path.join(out_dir, s["file"]))
        man["files"][k]["bytes"] = os.path.getsize(os.path.join(out_dir, s["file"]))
        if "external_data" in s:
            data = os.path.join(out_dir, s["external_data"]["file"])
            man["files"][k]["external_data"] = {"file": s["external_data"]["file"], "sha256": sha256(data),
                                                "bytes": os.path.getsize(data)}
    man["files"]["tokenizer"]["sha256"] = sha256(os.path.join(out_dir, "tokenizer.json"))
    man["golden"] = {
        "files": golden,
        "format": "JSON; each tensor is {dtype, shape, data} with data flattened row-major (C order)",
        "tolerances": {"encoder_tokens": "exact", "denoiser_x0": 1e-4, "llama_logits": 1e-4,
                       "generated_tokens": "exact (greedy)", "sampled_image": 1e-3},
    }
    man["export_checks"] = checks
    man["export_seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def export_run(run_dir, bundle_dir, provenance_extra=None, report=True):
    from . import report as rep
    tok, llama, ck, cl = load_run(run_dir)
    tt = TextTokenizer()
    val = torch.load(os.path.join(run_dir, "data_val.pt"))
    val_images = val["images"].numpy()
    prov = {
        "command": (provenance_extra or {}).get("command") or "python3 models/train.py",
        "reexport_command": "python3 models/export.py --run-dir " + os.path.relpath(run_dir),
        "seed": (provenance_extra or {}).get("args", {}).get("seed", 0),
        "tokenizer": ck.get("metrics", {"steps": ck.get("step")}),
        "llama": cl.get("metrics", {"steps": cl.get("step")}),
        "torch": torch.__version__, "onnx": onnx.__version__,
        "exported_at_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    rh = os.path.join(run_dir, "run_history.json")
    if os.path.exists(rh):
        with open(rh) as f:
            prov["run_history"] = json.load(f)
    tm = os.path.join(run_dir, "tokenizer_metrics.json")
    if os.path.exists(tm):
        with open(tm) as f:
            prov["tokenizer"] = json.load(f)
    if provenance_extra and "args" in provenance_extra:
        prov["args"] = {k: v for k, v in provenance_extra["args"].items() if k not in ("command",)}
    name = os.path.basename(os.path.normpath(bundle_dir))
    man = export_bundle(tok, llama, tt, bundle_dir, name, prov, val_images=val_images)
    man["world"] = world_spec(tok.cfg.image_size)
    man["heldout"] = write_heldout(val, bundle_dir, seed=int(prov.get("seed", 0)) + 2)
    man["geneval_suite"] = write_geneval_suite(bundle_dir, tok.cfg.image_size)
    with open(os.path.join(bundle_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    if report:
        r = rep.make_report(tok, llama, tt, val, run_dir, bundle_dir)
        man["provenance"]["evaluation"] = r
        chosen = r["sampling_chosen"]
        d = man["decoding"]
        d["cfg"]["generate_scale"] = chosen["cfg"]
        d["sampling_recommendation"].update(temperature=chosen["temperature"], top_k=chosen["top_k"])
        d["sampling_recommendation"]["chosen_by"] = (
            "the export's sweep on 300 held-out prompts (provenance.evaluation.sampling_sweep): the sampled "
            "setting scoring highest under GenEval's rules")
        with open(os.path.join(bundle_dir, "manifest.json"), "w") as f:
            json.dump(man, f, indent=1)
    return man
