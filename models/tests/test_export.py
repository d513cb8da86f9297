"""Export path: random models (tiny and paper-scale shapes) -> ONNX -> NumPy interpreter
(an independent executor, no torch) compared with torch eager within 1e-4."""
import json
import os
import tempfile
import time
import unittest

import onnx

from _util import *  # noqa: F401,F403
from ddt import export_lib, fp16
from ddt.llama import Llama, LlamaConfig
from ddt.onnx_ref import Model
from ddt.text_tokenizer import TextTokenizer
from ddt.tokenizer_model import DDTTokenizer, TokConfig


def build(tc, dim, layers, heads, kv, hidden, seed=0):
    torch.manual_seed(seed)
    tt = TextTokenizer()
    tok = randomize_(DDTTokenizer(tc)).eval()
    llama = Llama(LlamaConfig(vocab_size=len(tt) + tc.codebook_size, dim=dim, n_layers=layers,
                              n_heads=heads, n_kv_heads=kv, hidden=hidden)).eval()
    return tt, tok, llama


def key_paths(d, prefix=""):
    out = set()
    for k, v in d.items():
        out.add(prefix + k)
        if isinstance(v, dict):
            out |= key_paths(v, prefix + k + ".")
    return out


def compare_all(tc, lc, tok, llama, d, batches=((1, 0, 6), (3, 4, 2))):
    mods = export_lib.graph_modules(tok, llama)
    worst = {}
    for name, spec in export_lib.graph_specs(tc, lc).items():
        m = Model(os.path.join(d, spec["file"]))
        for B, P, S in batches:
            ex = export_lib.example_inputs(tc, lc, B=B, P=P, Sq=S, seed=B + P)[name]
            with torch.no_grad():
                ref = mods[name](*ex)
            ref = ref if isinstance(ref, tuple) else (ref,)
            got = m.run({i["name"]: x.numpy() for i, x in zip(spec["inputs"], ex)})
            for r, g in zip(ref, got):
                assert tuple(r.shape) == g.shape, (name, r.shape, g.shape)
                if r.dtype == torch.long:
                    diff = float((r.numpy() != g).sum())
                else:
                    diff = float(np.abs(r.numpy() - g).max())
                worst[name] = max(worst.get(name, 0.0), diff)
    return worst


class TinyExportTest(unittest.TestCase):
    def test_export_matches_torch(self):
        tc = TokConfig(image_size=32, patch=8, T=16, codebook_size=128, enc_width=64, dec_width=64,
                       enc_layers=1, dec_layers=2, enc_heads=4, dec_heads=4, mlp_ratio=2)
        tt, tok, llama = build(tc, 64, 2, 4, 2, 128)
        with tempfile.TemporaryDirectory() as d:
            man = export_lib.export_bundle(tok, llama, tt, d, "t", {"test": True}, goldens=True)
            worst = compare_all(tc, llama.cfg, tok, llama, d)
            self.assertEqual(worst["encoder"], 0.0)
            self.assertLess(worst["denoiser"], 1e-4)
            self.assertLess(worst["llama"], 1e-4)
            for v in man["export_checks"]["torch_eager_vs_jit_trace_max_abs_diff"].values():
                self.assertLess(v, 1e-5)
            with open(os.path.join(d, "manifest.json")) as f:
                m2 = json.load(f)
            self.assertEqual(m2["files"]["llama"]["inputs"][3]["shape"], ["batch", 2, 2, "past", 16])
            self.assertEqual(m2["files"]["llama"]["outputs"][1]["name"], "new_key")
            self.assertTrue(os.path.exists(os.path.join(d, "golden", "generate.json")))
            self.assertEqual(m2["files"]["llama"]["outputs"][0]["shape"], ["batch", llama.cfg.vocab_size])
            # every field of the committed manifest, which the Java reader accepts, is written
            # (export_run adds the held-out set, the world and the suite; provenance varies)
            with open(os.path.join(BUNDLE, "manifest.json")) as f:
                committed = json.load(f)
            later = {"provenance", "heldout", "world", "geneval_suite"}
            after_report = {"decoding.sampling_recommendation.chosen_by"}  # export_run, from the report's sweep
            self.assertEqual(sorted(p for p in key_paths(committed) - key_paths(m2)
                                    if p.split(".")[0] not in later and p not in after_report), [])

    def test_external_data_keeps_the_weights_beside_the_graph(self):
        """What a graph over 2 GB gets (forced here on a small one): its weights in one .data file."""
        tc = TokConfig(image_size=16, patch=4, T=8, codebook_size=32, enc_width=32, dec_width=32,
                       enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2)
        tt, tok, llama = build(tc, 32, 1, 2, 1, 64)
        with tempfile.TemporaryDirectory() as d:
            man = export_lib.export_bundle(tok, llama, tt, d, "t", {"test": True}, goldens=False, external_data=True)
            ext = man["files"]["llama"]["external_data"]
            self.assertEqual(ext["file"], "llama.onnx.data")
            self.assertEqual(ext["bytes"], os.path.getsize(os.path.join(d, "llama.onnx.data")))
            self.assertLess(man["files"]["llama"]["bytes"], ext["bytes"], "the graph file holds no weights")
            self.assertEqual(sorted(f for f in os.listdir(d) if not f.endswith((".onnx", ".json"))),
                             ["denoiser.onnx.data", "encoder.onnx.data", "llama.onnx.data"])
            worst = compare_all(tc, llama.cfg, tok, llama, d, batches=((1, 0, 3),))
            self.assertLess(worst["llama"], 1e-4)

    def test_sampler_steps_apart_from_T_reach_the_manifest_and_the_golden_image(self):
        tc = TokConfig(image_size=16, patch=4, T=8, codebook_size=32, enc_width=32, dec_width=32,
                       enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2)
        tt, tok, llama = build(tc, 32, 1, 2, 1, 64)
        with tempfile.TemporaryDirectory() as d:
            man = export_lib.export_bundle(tok, llama, tt, d, "t", {"test": True}, goldens=True, sampler_steps=3)
            self.assertEqual(man["sampler"]["steps"], 3)
            with open(os.path.join(d, man["golden"]["files"]["generate"])) as f:
                kept = json.load(f)["sampler_x_at_steps"]["steps"]
            self.assertEqual(max(kept), 2, "the golden image was sampled in the manifest's 3 steps")

    def conv_export_error(self, graph, **conv_option):
        """The largest difference between torch and the exported graph (which must hold a Conv)."""
        tc = TokConfig(image_size=16, patch=4, T=8, codebook_size=32, enc_width=32, dec_width=32,
                       enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2, **conv_option)
        tt, tok, llama = build(tc, 32, 1, 2, 1, 64)
        with tempfile.TemporaryDirectory() as d:
            export_lib.export_graphs(tok, llama, d)
            ops = {n.op_type for n in onnx.load(os.path.join(d, f"{graph}.onnx")).graph.node}
            self.assertIn("Conv", ops)
            return compare_all(tc, llama.cfg, tok, llama, d, batches=((2, 0, 3),))[graph]

    def test_pixel_refiner_exports(self):
        """The decoder's pixel refiner (Conv) runs in the exported denoiser as in torch."""
        self.assertLess(self.conv_export_error("denoiser", refine_channels=8, refine_feats=4), 1e-4)

    def test_encoder_stem_exports(self):
        """The encoder's convolutional stem runs in the exported encoder as in torch: the same ids."""
        self.assertEqual(self.conv_export_error("encoder", enc_stem=8), 0.0)

    def test_float16_halves_the_weights_and_keeps_the_contract(self):
        tc = TokConfig(image_size=16, patch=4, T=8, codebook_size=32, enc_width=32, dec_width=32,
                       enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2)
        tt, tok, llama = build(tc, 32, 1, 2, 1, 64)
        with tempfile.TemporaryDirectory() as d32, tempfile.TemporaryDirectory() as d16:
            full = export_lib.export_bundle(tok, llama, tt, d32, "t", {"test": True}, goldens=False)
            half = export_lib.export_bundle(tok, llama, tt, d16, "t", {"test": True}, goldens=False,
                                            precision="float16")
            for name in ("encoder", "denoiser", "llama"):
                self.assertEqual(half["files"][name]["precision"], "float16")
                self.assertEqual(half["files"][name]["inputs"], full["files"][name]["inputs"])
                self.assertEqual(half["files"][name]["outputs"], full["files"][name]["outputs"])
            for name in ("encoder", "denoiser", "llama"):
                before, _ = fp16.weight_bytes(onnx.load(os.path.join(d32, name + ".onnx")))
                after, halved = fp16.weight_bytes(onnx.load(os.path.join(d16, name + ".onnx")))
                self.assertLess(after, 0.75 * before, name)  # the encoder's codebook search stays float32
            self.assertGreater(halved, 0.9 * after, "the LLaMA's weights are half")
            worst = compare_all(tc, llama.cfg, tok, llama, d16, batches=((2, 0, 5), (2, 3, 1)))
            self.assertLess(worst["llama"], 2e-2)
            self.assertLess(worst["denoiser"], 2e-2)
            self.assertGreater(max(worst.values()), 1e-6, "nothing was computed in float16")
            self.assertLessEqual(worst["encoder"], 1)  # a near tie between two codes may flip

    def test_float16_keeps_the_visible_token_rule_exact_at_T_512(self):
        """ceil(t*T - 1e-4) in float16 is one short at these 50-step timesteps (216 -> 215 at
        t = 21/50); the rule stays float32."""
        T = 512
        tc = TokConfig(image_size=8, patch=4, T=T, codebook_size=16, enc_width=16, dec_width=16,
                       enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2)
        tt, tok, llama = build(tc, 16, 1, 2, 1, 32)
        with tempfile.TemporaryDirectory() as d:
            export_lib.export_graphs(tok, llama, d, precision="float16")
            m = Model(os.path.join(d, "denoiser.onnx"))
            x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
            base = np.zeros((1, T), np.int64)
            for k in (21, 38, 42):
                t = np.array([k / 50], np.float32)
                v = int(np.ceil(t[0] * np.float32(T) - np.float32(1e-4)))  # tokens 1..v visible
                self.assertNotEqual(v, int(np.ceil(np.float16(np.float16(t[0]) * np.float16(T)) - np.float16(1e-4))))
                ref = m.run({"x_t": x, "t": t, "tokens": base})[0]
                hidden, shown = base.copy(), base.copy()
                hidden[0, v] = 5  # token v+1
                shown[0, v - 1] = 5  # token v
                self.assertTrue(np.array_equal(ref, m.run({"x_t": x, "t": t, "tokens": hidden})[0]), k)
                self.assertFalse(np.array_equal(ref, m.run({"x_t": x, "t": t, "tokens": shown})[0]), k)

    def test_interpreter_can_fail(self):
        """The comparison is not vacuous: a perturbed weight is detected."""
        tc = TokConfig(image_size=16, patch=4, T=8, codebook_size=32, enc_width=32, dec_width=32,
                       enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2)
        tt, tok, llama = build(tc, 32, 1, 2, 1, 64)
        with tempfile.TemporaryDirectory() as d:
            export_lib.export_graphs(tok, llama, d)
            with torch.no_grad():
                llama.lm_head.weight.add_(0.01)
                tok.decoder.final.bias.add_(0.01)
            worst = compare_all(tc, llama.cfg, tok, llama, d, batches=((1, 0, 3),))
            self.assertGreater(worst["llama"], 1e-4)
            self.assertGreater(worst["denoiser"], 1e-4)


class PaperScaleExportTest(unittest.TestCase):
    def test_paper_scale_shapes_export(self):
        """256x256, patch 16, T=512, 65,536 codes x 16; few, wide layers; temp dir only."""
        tc = TokConfig(image_size=256, patch=16, T=512, codebook_size=65536, code_dim=16, enc_width=256,
                       dec_width=256, enc_layers=1, dec_layers=1, enc_heads=4, dec_heads=4, mlp_ratio=2)
        tt, tok, llama = build(tc, 64, 1, 4, 2, 128)
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            man = export_lib.export_bundle(tok, llama, tt, d, "paper-shape", {"test": True}, goldens=False)
            self.assertEqual(man["tokenizer_model"]["T"], 512)
            self.assertEqual(man["vocabulary"]["visual_range"], [len(tt), len(tt) + 65536])
            self.assertEqual(man["files"]["encoder"]["outputs"][0]["shape"], ["batch", 512])
            self.assertEqual(man["sampler"]["steps"], 512)
            worst = compare_all(tc, llama.cfg, tok, llama, d, batches=((1, 0, 3), (2, 2, 1)))
            self.assertEqual(worst["encoder"], 0.0)
            self.assertLess(worst["denoiser"], 1e-4)
            self.assertLess(worst["llama"], 1e-4)
        self.assertLess(time.time() - t0, 90)


if __name__ == "__main__":
    unittest.main()
