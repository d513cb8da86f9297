#!/usr/bin/env python3
"""Give a bundle's LLaMA graph the current contract when its training checkpoint is gone.

    /usr/bin/python3 models/migrate_llama.py [--bundle models/bundles/ddt-tiny-32]

The weights are read back from the bundle's own llama.onnx, proven exact on the bundle's old
llama golden (its prefill logits), then exported with today's graph (export_lib). The llama
golden is written anew; the greedy golden runs (generate, edit, caption) are decoded again and
must give the very tokens the files hold, or nothing is written. The manifest's llama file
spec, its cache contract and its hashes are updated; the other graphs are not touched.
"""
import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bundle", default=os.path.join(HERE, "bundles", "ddt-tiny-32"))
    a = p.parse_args()
    import shutil

    import numpy as np
    import torch
    from ddt import export_lib as ex
    from ddt.generate import Decoder
    from ddt.llama import Llama, LlamaConfig
    from ddt.text_tokenizer import TextTokenizer
    from ddt.tokenizer_model import TokConfig

    with open(os.path.join(a.bundle, "manifest.json")) as f:
        man = json.load(f)
    llama = Llama(LlamaConfig(**man["llama"]["config"])).eval()
    llama.load_state_dict(ex.llama_state_from_onnx(os.path.join(a.bundle, "llama.onnx")))
    gdir = os.path.join(a.bundle, "golden")

    # the weights read back reproduce the old graph: its prefill (empty past, any layout) logits
    with open(os.path.join(gdir, "llama.json")) as f:
        pre = json.load(f)["calls"][0]

    def arr(t):
        return torch.tensor(np.array(t["data"], dtype=t["dtype"]).reshape(t["shape"]))
    ins = {k: arr(v) for k, v in pre["inputs"].items() if k in ("input_ids", "attention_mask", "position_ids")}
    with torch.no_grad():
        lg, _, _ = llama(ins["input_ids"], ins["attention_mask"], ins["position_ids"], *llama.empty_past(2), last_only=True)
    diff = float((lg[:, 0] - arr(pre["outputs"]["logits"])).abs().max())
    assert diff < 1e-4, f"weights read back do not reproduce the bundle's llama golden: {diff}"
    print(f"weights read back: golden prefill logits within {diff:.2e}")

    # the greedy golden runs decode to the same tokens with today's graph
    tt = TextTokenizer()
    vo = man["vocabulary"]["visual_offset"]
    K = man["tokenizer_model"]["codebook_size"]
    dec = Decoder(llama, tt, vo, K)
    T = man["tokenizer_model"]["T"]
    for kind in ("generate", "edit"):
        with open(os.path.join(gdir, kind + ".json")) as f:
            g = json.load(f)
        got = dec.visual_to_codes(dec.run([g["prompt_ids"]], [g["unconditional_prompt_ids"]], T, dec.visual_allowed,
                                          cfg_scale=g["cfg_scale"])[0])
        assert got == g["tokens"], f"{kind}: {got} != {g['tokens']}"
    with open(os.path.join(gdir, "caption.json")) as f:
        for r in json.load(f)["runs"]:
            got = dec.run([r["prompt_ids"]], None, 32, dec.text_allowed, stop_id=tt.eos)[0]
            assert got == r["output_ids"], f"caption: {got} != {r['output_ids']}"
    print("greedy golden runs (generate, edit, caption) decode to the same tokens")

    tc = TokConfig(**man["tokenizer_model"]["config"])
    spec = ex.graph_specs(tc, llama.cfg)["llama"]
    with tempfile.TemporaryDirectory() as tmp:
        ex.export_graph(ex.LlamaGraph(llama).eval(), ex.example_inputs(tc, llama.cfg)["llama"], spec, tmp)
        check = ex.check_onnx(os.path.join(tmp, spec["file"]), spec)
        shutil.move(os.path.join(tmp, spec["file"]), os.path.join(a.bundle, spec["file"]))
    ex.write_llama_golden(llama, tt, gdir, vo)

    fresh = ex.build_manifest_llama(llama.cfg)
    man["llama"].update(fresh)
    path = os.path.join(a.bundle, spec["file"])
    man["files"]["llama"] = {**spec, "sha256": ex.sha256(path), "bytes": os.path.getsize(path)}
    man["export_checks"]["onnx"]["llama"] = check
    man.setdefault("provenance", {})["llama_migrated"] = (
        "llama.onnx re-exported by models/migrate_llama.py from its own weights (slot KV cache contract)")
    with open(os.path.join(a.bundle, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    print("migrated", a.bundle, check["ops"])


if __name__ == "__main__":
    main()
