"""The committed bundle, executed by the NumPy ONNX interpreter (no torch in the loop),
against the golden files written by PyTorch at export time."""
import hashlib
import json
import math
import os
import unittest

from _util import *  # noqa: F401,F403
from ddt import export_lib
from ddt.onnx_ref import Model


def load(name):
    with open(os.path.join(BUNDLE, name)) as f:
        return json.load(f)


class BundleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(BUNDLE, "manifest.json")):
            raise AssertionError(f"bundle missing: {BUNDLE}")
        cls.man = load("manifest.json")
        cls.g = {k: Model(os.path.join(BUNDLE, cls.man["files"][k]["file"]))
                 for k in ("encoder", "denoiser", "llama")}

    def test_manifest_files(self):
        total = 0
        for root, _, files in os.walk(BUNDLE):
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        self.assertLess(total, 40 * 2 ** 20)
        for k in ("encoder", "denoiser", "llama", "tokenizer"):
            f = self.man["files"][k]
            with open(os.path.join(BUNDLE, f["file"]), "rb") as fh:
                self.assertEqual(hashlib.sha256(fh.read()).hexdigest(), f["sha256"], k)
        for k in ("encoder", "denoiser", "llama"):
            export_lib.check_onnx(os.path.join(BUNDLE, self.man["files"][k]["file"]), self.man["files"][k])
        v = self.man["vocabulary"]
        self.assertEqual(v["visual_range"][1] - v["visual_range"][0], self.man["tokenizer_model"]["codebook_size"])
        h = self.man["heldout"]
        samples = load(h["samples"])["samples"]
        S = self.man["image"]["size"]
        n_img = os.path.getsize(os.path.join(BUNDLE, h["images"])) // (S * S * 3)
        for s in samples:
            for k in ("image_index", "target_image_index"):
                if k in s:
                    self.assertLess(s[k], n_img)
        self.assertEqual({s["kind"] for s in samples if s["task"] == "t2i"},
                         set(self.man["world"]["t2i_kinds"]))
        self.assertEqual(v["vocab_size"], self.man["llama"]["config"]["vocab_size"])

    def test_tokenizer_reads_back_from_its_graphs(self):
        """export_lib.tokenizer_from_bundle (train.py --init-bundle): the weights read back from the
        graphs reproduce the encoder and denoiser goldens; a graph that does not fit is refused."""
        import shutil
        import tempfile
        from ddt.llama import LlamaConfig
        lc = LlamaConfig(**self.man["llama"]["config"])
        tok = export_lib.tokenizer_from_bundle(BUNDLE, lc)  # raises unless both goldens are reproduced
        self.assertEqual(tok.cfg.T, self.man["tokenizer_model"]["T"])
        with tempfile.TemporaryDirectory() as d:
            for f in ("manifest.json", "encoder.onnx", "denoiser.onnx"):
                shutil.copy(os.path.join(BUNDLE, f), d)
            shutil.copytree(os.path.join(BUNDLE, "golden"), os.path.join(d, "golden"))
            path = os.path.join(d, "golden", "denoiser.json")
            with open(path) as f:
                g = json.load(f)
            g["outputs"]["x0"]["data"][0] += 0.01
            with open(path, "w") as f:
                json.dump(g, f)
            with self.assertRaisesRegex(ValueError, "denoiser golden"):
                export_lib.tokenizer_from_bundle(d, lc)

    def test_encoder_golden(self):
        G = load("golden/encoder.json")
        u8 = arr(G["extra"]["image_uint8_nhwc_rgb"])
        x = u8.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(127.5) - np.float32(1)
        self.assertLess(np.abs(x - arr(G["inputs"]["image"])).max(), 1e-6)
        ids, = self.g["encoder"].run({"image": x})
        self.assertTrue((ids == arr(G["outputs"]["tokens"])).all())

    def test_denoiser_golden_and_mask(self):
        G = load("golden/denoiser.json")
        feeds = {k: arr(v) for k, v in G["inputs"].items()}
        out, = self.g["denoiser"].run(feeds)
        self.assertLess(np.abs(out - arr(G["outputs"]["x0"])).max(), 1e-4)
        T = self.man["tokenizer_model"]["T"]
        K = self.man["tokenizer_model"]["codebook_size"]
        x, toks = feeds["x_t"][:1], feeds["tokens"][:1]
        for t in (0.3, 0.62):
            n = math.ceil(t * T - 1e-4)
            tt = np.array([t], np.float32)
            base, = self.g["denoiser"].run({"x_t": x, "t": tt, "tokens": toks})
            hid = toks.copy()
            hid[0, n:] = (hid[0, n:] + 17) % K
            o, = self.g["denoiser"].run({"x_t": x, "t": tt, "tokens": hid})
            self.assertLess(np.abs(o - base).max(), 1e-6, f"hidden tokens changed output at t={t}")
            vis = toks.copy()
            vis[0, n - 1] = (vis[0, n - 1] + K // 2) % K
            o, = self.g["denoiser"].run({"x_t": x, "t": tt, "tokens": vis})
            self.assertGreater(np.abs(o - base).max(), 1e-5, f"visible token ignored at t={t}")

    def test_llama_golden_prefill_decode(self):
        G = load("golden/llama.json")
        pre, dec = G["calls"]
        lg, k, v = self.g["llama"].run({n: arr(x) for n, x in pre["inputs"].items()})
        self.assertLess(np.abs(lg - arr(pre["outputs"]["logits"])).max(), 1e-4)
        self.assertLess(np.abs(k - arr(pre["outputs"]["new_key"])).max(), 1e-4)
        feeds = {n: arr(x) for n, x in dec["inputs"].items() if isinstance(x, dict)}
        feeds.update(past_key=k, past_value=v)
        lg2, k2, _ = self.g["llama"].run(feeds)
        self.assertLess(np.abs(lg2 - arr(dec["outputs"]["logits"])).max(), 1e-4)
        self.assertEqual(list(k2.shape), dec["outputs"]["new_key_shape"])

    # -- whole generations, reproduced from the manifest's rules only
    def greedy(self, prompts, n_new, allowed, scale=1.0, stop=None):
        m, man = self.g["llama"], self.man
        L = max(len(p) for p in prompts)
        pad = man["vocabulary"]["special_tokens"]["<pad>"]
        ids = np.array([[pad] * (L - len(p)) + p for p in prompts], np.int64)
        am = np.array([[0] * (L - len(p)) + [1] * len(p) for p in prompts], np.int64)
        pos = np.maximum(am.cumsum(1) - 1, 0)
        c = man["llama"]["config"]
        pk = np.zeros((len(prompts), c["n_layers"], c["n_kv_heads"], 0, man["llama"]["head_dim"]), np.float32)
        lg, pk, pv = m.run({"input_ids": ids, "attention_mask": am, "position_ids": pos,
                            "past_key": pk, "past_value": pk.copy()})
        out, last = [], pos[:, -1:]
        for _ in range(n_new):
            l = lg  # each row's last position
            g = l[1] + scale * (l[0] - l[1]) if len(prompts) == 2 else l[0]
            g = np.where(allowed, g, -np.inf)
            nxt = int(np.argmax(g))
            out.append(nxt)
            if nxt == stop or len(out) == n_new:
                break
            am = np.concatenate([am, np.ones((len(prompts), 1), np.int64)], 1)
            last = last + 1
            lg, nk, nv = m.run({"input_ids": np.full((len(prompts), 1), nxt, np.int64), "attention_mask": am,
                                "position_ids": last, "past_key": pk, "past_value": pv})
            pk, pv = np.concatenate([pk, nk], 3), np.concatenate([pv, nv], 3)
        return out

    def sample(self, tokens, noise):
        T = self.man["sampler"]["steps"]
        shift = self.man["sampler"].get("noise_shift", 1.0)
        s = lambda t: shift * t / (1 + (shift - 1) * t)  # the manifest's noise level s(t)
        x = noise
        for k in range(T, 0, -1):
            t = np.full((x.shape[0],), k / T, np.float32)
            x0, = self.g["denoiser"].run({"x_t": x, "t": t, "tokens": tokens})
            x = (x0 + np.float32(s((k - 1) / T) / s(k / T)) * (x - x0)).astype(np.float32)
        return np.clip(x, -1, 1)

    def test_generate_and_edit_golden(self):
        V = self.man["vocabulary"]
        allowed = np.zeros(V["vocab_size"], bool)
        allowed[V["visual_range"][0]:V["visual_range"][1]] = True
        T = self.man["tokenizer_model"]["T"]
        for name in ("generate", "edit"):
            G = load(f"golden/{name}.json")
            toks = self.greedy([G["prompt_ids"], G["unconditional_prompt_ids"]], T, allowed, G["cfg_scale"])
            self.assertEqual(toks, G["llm_visual_ids_coarse_first"], name)
            codes = [t - V["visual_offset"] for t in toks][::-1]
            self.assertEqual(codes, G["tokens"])
            img = self.sample(np.array([codes], np.int64), arr(G["noise"]))
            self.assertLess(np.abs(img - arr(G["image"])).max(), 1e-3, name)

    def test_caption_golden(self):
        V = self.man["vocabulary"]
        sp = V["special_tokens"]
        allowed = np.zeros(V["vocab_size"], bool)
        allowed[V["word_range"][0]:V["word_range"][1]] = True
        allowed[sp["<eos>"]] = True
        G = load("golden/caption.json")
        u8 = arr(G["image_uint8_nhwc_rgb"])
        x = u8.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(127.5) - np.float32(1)
        ids, = self.g["encoder"].run({"image": x})
        self.assertEqual(ids[0].tolist(), G["tokens"])
        for r in G["runs"]:
            out = self.greedy([r["prompt_ids"]], 32, allowed, stop=sp["<eos>"])
            self.assertEqual(out, r["output_ids"], r["question"])


if __name__ == "__main__":
    unittest.main()
