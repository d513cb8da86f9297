#!/usr/bin/env python3
"""Write a random-weight bundle of a given geometry, for benchmarking the engines at real
scale. Never commit one: the default (the paper's geometry) is about 850 MB.

    /usr/bin/python3 models/random_bundle.py --out /tmp/ddt-paper    # DDT-LLaMA's geometry
    /usr/bin/python3 models/random_bundle.py --out /tmp/ddt-paper16 --precision float16   # half the weights
    ./ddt bench llama --bundle /tmp/ddt-paper                          # then measure it

Defaults: 256x256 images in 16x16 patches, T = 512 tokens, 65,536 codes of 16 dims (Selftok's);
a LLaMA-3 vocabulary (128,256 text ids + the codes = 193,792) on a LLaMA of width 512, 4 layers,
8 query / 2 KV heads (198 M of its 209 M parameters are the embedding and the LM head, as in a
real model the head dominates a prefill's cost); tokenizer widths 256. Weights are random
(zero-initialised layers given random values so every path computes); no golden files.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="bundle directory to write")
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--patch", type=int, default=16)
    p.add_argument("--T", type=int, default=512)
    p.add_argument("--codebook", type=int, default=65536)
    p.add_argument("--code-dim", type=int, default=16)
    p.add_argument("--tok-width", type=int, default=256)
    p.add_argument("--tok-layers", type=int, default=2, help="encoder and decoder layers each")
    p.add_argument("--text-vocab", type=int, default=128256, help="text ids before the visual ones (LLaMA-3: 128,256)")
    p.add_argument("--llama-dim", type=int, default=512)
    p.add_argument("--llama-layers", type=int, default=4)
    p.add_argument("--llama-heads", type=int, default=8)
    p.add_argument("--llama-kv-heads", type=int, default=2)
    p.add_argument("--llama-hidden", type=int, default=1376)
    p.add_argument("--sampler-steps", type=int, default=50, help="the manifest's denoiser steps per image (Selftok decodes in 50)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--external-data", action="store_true",
                   help="weights beside each graph in a .data file (automatic for a graph over 1 GiB)")
    p.add_argument("--precision", choices=["float32", "float16"], default="float32",
                   help="float16: half weights and matrix arithmetic, float32 inputs and outputs (ddt/fp16.py)")
    a = p.parse_args()

    import torch
    from ddt import export_lib
    from ddt.llama import Llama, LlamaConfig
    from ddt.text_tokenizer import TextTokenizer
    from ddt.tokenizer_model import DDTTokenizer, TokConfig

    torch.manual_seed(a.seed)
    tt = TextTokenizer()
    if a.text_vocab < len(tt):
        p.error(f"--text-vocab must be at least the tokenizer's {len(tt)} ids")
    tc = TokConfig(image_size=a.image_size, patch=a.patch, T=a.T, codebook_size=a.codebook, code_dim=a.code_dim,
                   enc_width=a.tok_width, dec_width=a.tok_width, enc_layers=a.tok_layers, dec_layers=a.tok_layers,
                   mlp_ratio=2)
    tok = DDTTokenizer(tc).eval()
    g = torch.Generator().manual_seed(a.seed)
    with torch.no_grad():
        for q in tok.parameters():
            if q.abs().sum() == 0:  # adaLN-Zero and final layers: random, so the tokens matter
                q.copy_(torch.randn(q.shape, generator=g) * 0.05)
    lc = LlamaConfig(vocab_size=a.text_vocab + a.codebook, dim=a.llama_dim, n_layers=a.llama_layers,
                     n_heads=a.llama_heads, n_kv_heads=a.llama_kv_heads, hidden=a.llama_hidden)
    llama = Llama(lc).eval()
    params = sum(q.numel() for q in llama.parameters())
    print(f"LLaMA {params / 1e6:.0f} M parameters, vocabulary {lc.vocab_size:,}; exporting to {a.out} ...", flush=True)
    t0 = time.time()
    prov = {"command": "python3 models/random_bundle.py " + " ".join(sys.argv[1:]), "random_weights": True,
            "llama_parameters": params, "seed": a.seed}
    export_lib.export_bundle(tok, llama, tt, a.out, os.path.basename(os.path.normpath(a.out)), prov, goldens=False,
                             external_data=a.external_data, precision=a.precision,
                             sampler_steps=a.sampler_steps)
    print(f"exported in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
