#!/usr/bin/env python3
"""Language-validation ablation (DDT-LLaMA, arXiv 2504.14666): does shuffling the visual
token order hurt LLM training on DDT tokens much more than on spatial tokens?

    nice -n 10 /usr/bin/python3 models/ablation.py            # full run (~95 min at 1 thread)
    /usr/bin/python3 models/ablation.py --quick               # smoke run (a few minutes)

One command, stages (each leaves its output in --run-dir and is skipped when that output
already exists, unless --fresh):
  data      text-to-image samples (train seed+1, held-out seed+2) and their images
  ddt_tok   DDT tokenizer: train.py's own tokenizer stage (train.stage_tokenizer), called
            with this run's budget                                -> tokenizer.pt
  ddt_codes train.py's codes stage                                -> codes.pt
  sp_tok    spatial VQ tokenizer (ddt/spatial_tokenizer.py), same T, codebook, batch, lr,
            schedule and optimizer, and the SAME NUMBER OF STEPS the DDT tokenizer ran
                                                                  -> spatial_tokenizer.pt
  sp_codes  its raster-order token ids                            -> spatial_codes.pt
  lm        four LLaMA runs on text-to-image, identical config, seed (same initial
            weights), data order, batch, steps and learning-rate schedule:
              ddt/in-order (V_T..V_1, coarse first, as served), ddt/shuffled,
              spatial/in-order (raster), spatial/shuffled         -> lm_<name>.json
  report    models/ablation/results.json, models/ablation/loss_curves.png, a table

Shuffle (--shuffle): `sequence` (default) = every sequence (image) gets its own random
permutation of its T visual tokens, fixed for the whole run (seeded by the sample index);
`dataset` = one random permutation for every sequence. README "Language validation
ablation" says which the paper's wording supports.
Losses are per visual token (nats), the eoi token excluded; the training objective is the
usual next-token loss over the answer (visual tokens + eoi), as in train.py.
"""
import argparse
import json
import math
import os
import random
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import train  # noqa: E402  (the project's training stages and schedule; nothing forked)

RUNS = [("ddt", False), ("ddt", True), ("spatial", False), ("spatial", True)]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def run_name(tok, shuffled):
    return f"{tok}_{'shuffled' if shuffled else 'in_order'}"


# ----------------------------------------------------------------------------- token order
def make_permutations(mode, n, T, seed):
    """(n,T) int64 permutations of range(T), deterministic in (mode, n, T, seed).
    mode 'none': identity; 'dataset': one random permutation repeated; 'sequence': one
    random permutation per row (row i = sequence i, fixed for the whole run)."""
    rng = np.random.default_rng(seed)
    if mode == "none":
        return np.tile(np.arange(T), (n, 1))
    if mode == "dataset":
        return np.tile(rng.permutation(T), (n, 1))
    if mode == "sequence":
        return np.argsort(rng.random((n, T)), axis=1, kind="stable")
    raise ValueError(mode)


def ordered_codes(kind, codes):
    """A tokenizer's codes (encoder order) in its natural sequence order.
    DDT: encoder order V_1..V_T -> V_T..V_1 (coarse first, as ddt/data.py and serving).
    spatial: raster order as encoded."""
    codes = np.asarray(codes)
    return codes[..., ::-1] if kind == "ddt" else codes


def t2i_sequence(tt, caption, seq_codes, vo):
    """<bos> <gen> caption <boi> | c_1 .. c_T <eoi>, the GENERATE template of ddt/data.py with
    the visual tokens given in sequence order. Returns (ids, n_prompt)."""
    from ddt.data import generate_prompt
    p = generate_prompt(tt, caption)
    return p + [vo + int(c) for c in seq_codes] + [tt.eoi], len(p)


def shuffle_entropy(seq_codes):
    """Mean over sequences of log(T! / prod_c m_c!) / T nats per token: the most a uniform
    shuffle of each sequence can add to the achievable loss (the entropy of the order
    given the multiset of codes). Repeated codes (e.g. background patches) lower it."""
    out = []
    for row in np.asarray(seq_codes):
        _, m = np.unique(row, return_counts=True)
        out.append((math.lgamma(len(row) + 1) - sum(math.lgamma(k + 1) for k in m)) / len(row))
    return float(np.mean(out))


# ----------------------------------------------------------------------------- stages
def stage_data(a):
    import torch
    from ddt.data import SceneSet
    t0 = time.time()
    for name, seed, n in (("train", a.seed + 1, a.n_train), ("val", a.seed + 2, a.n_val)):
        s = SceneSet(a.image_size, seed, n, 0, 0)  # text-to-image only
        torch.save({"samples": s.samples, "index": s.index, "images": torch.from_numpy(s.images)},
                   os.path.join(a.run_dir, f"data_{name}.pt"))
    log(f"data: {a.n_train} train / {a.n_val} held-out t2i samples, {time.time() - t0:.0f}s")


def train_args(a):
    """train.py's namespace for its tokenizer and codes stages, with this run's budget."""
    t = train.parse([])
    t.run_dir, t.seed, t.image_size, t.T, t.codebook = a.run_dir, a.seed, a.image_size, a.T, a.codebook
    t.patch = a.ddt_patch
    t.tok_steps, t.tok_minutes, t.tok_batch, t.tok_lr = a.tok_steps, a.tok_minutes, a.tok_batch, a.tok_lr
    t.tok_resume, t.n_psnr = False, a.n_psnr
    t.noise_shift, t.refine_channels = 1.0, 0  # the tokenizer the ablation was measured with, not the bundle's
    t.shape_weight = 0.0  # no shape supervision: the two tokenizers learn from reconstruction alone
    return t


def stage_ddt_tok(a):
    import torch
    t = train_args(a)
    t0 = time.time()
    train.stage_tokenizer(t)
    m = train.load_json(os.path.join(a.run_dir, "tokenizer_metrics.json"))
    m["wall_minutes_total"] = round((time.time() - t0) / 60, 2)
    m["params"] = sum(v.numel() for k, v in torch.load(os.path.join(a.run_dir, "tokenizer.pt"))["state"].items()
                      if not k.startswith("vq."))
    train.save_json(os.path.join(a.run_dir, "tokenizer_metrics.json"), m)


def stage_ddt_codes(a):
    train.stage_codes(train_args(a))


def spatial_config(a):
    from ddt.spatial_tokenizer import SpatialConfig
    p = a.image_size // int(round(math.sqrt(a.T)))
    return SpatialConfig(image_size=a.image_size, patch=p, codebook_size=a.codebook, width=a.sp_width)


def stage_sp_tok(a):
    """Same optimizer, batch, lr, warm-up/cosine schedule, flips and clipping as
    train.stage_tokenizer; the step count is the DDT tokenizer's (step-based schedule)."""
    import torch
    from ddt.data import to_tensor
    from ddt.spatial_tokenizer import SpatialTokenizer, config_dict
    ddt = train.load_json(os.path.join(a.run_dir, "tokenizer_metrics.json"))
    total = int(ddt["steps"])
    torch.manual_seed(a.seed)
    cfg = spatial_config(a)
    assert cfg.T == a.T, (cfg.T, a.T)
    tok = SpatialTokenizer(cfg)
    imgs = torch.load(os.path.join(a.run_dir, "data_train.pt"))["images"]
    val = torch.load(os.path.join(a.run_dir, "data_val.pt"))["images"].numpy()
    opt = torch.optim.AdamW(tok.parameters(), lr=a.tok_lr, weight_decay=0.0, betas=(0.9, 0.99))
    g = torch.Generator().manual_seed(a.seed)
    t0, step = time.time(), 0
    while step < total:
        lr = train.schedule(step / total, a.tok_lr, 0.05)
        for pg in opt.param_groups:
            pg["lr"] = lr
        loss, rec, commit, _ = train.tokenizer_step(tok, opt, imgs, a.tok_batch, g)
        step += 1
        if step % 50 == 0 or step == 1:
            used = int((tok.vq.step - tok.vq.last_used < 20).sum())
            log(f"spatial tok step {step}/{total} loss {loss.item():.4f} rec {rec.item():.4f} "
                f"commit {commit.item():.4f} lr {lr:.2e} codes_used20 {used} {(time.time() - t0) / step:.3f}s/step")
    minutes = (time.time() - t0) / 60
    tok.eval()
    x = to_tensor(val[:a.n_psnr])
    with torch.no_grad():
        ids = tok.encode_ids(x)
        rec = tok.decode_ids(ids)
    mse = (((rec - x) / 2) ** 2).flatten(1).mean(1)
    psnr = float((10 * torch.log10(1.0 / mse.clamp(min=1e-10))).mean())
    metrics = {"steps": step, "minutes": round(minutes, 2), "wall_minutes_total": round(minutes, 2),
               "batch": a.tok_batch, "lr": a.tok_lr, "schedule": "step-based, DDT tokenizer's step count",
               "val_psnr_db_decoder": round(psnr, 3), "val_images": a.n_psnr,
               "val_distinct_codes": int(torch.unique(ids).numel()),
               "params": sum(p.numel() for p in tok.parameters())}
    torch.save({"config": config_dict(cfg), "state": tok.state_dict(), "step": step, "metrics": metrics},
               os.path.join(a.run_dir, "spatial_tokenizer.pt"))
    train.save_json(os.path.join(a.run_dir, "spatial_tokenizer_metrics.json"), metrics)
    log("spatial tokenizer done", metrics)


def load_spatial(run_dir):
    import torch
    from ddt.spatial_tokenizer import SpatialConfig, SpatialTokenizer
    ck = torch.load(os.path.join(run_dir, "spatial_tokenizer.pt"))
    tok = SpatialTokenizer(SpatialConfig(**ck["config"]))
    tok.load_state_dict(ck["state"])
    return tok.eval()


def stage_sp_codes(a):
    import torch
    from ddt.data import to_tensor
    tok = load_spatial(a.run_dir)
    out = {}
    for name in ("train", "val"):
        imgs = torch.load(os.path.join(a.run_dir, f"data_{name}.pt"))["images"].numpy()
        with torch.no_grad():
            out[name] = torch.cat([tok.encode_ids(to_tensor(imgs[i:i + 512]))
                                   for i in range(0, len(imgs), 512)]).to(torch.int32)
    torch.save(out, os.path.join(a.run_dir, "spatial_codes.pt"))
    m = train.load_json(os.path.join(a.run_dir, "spatial_tokenizer_metrics.json"))
    m["train_distinct_codes"] = int(torch.unique(out["train"]).numel())
    train.save_json(os.path.join(a.run_dir, "spatial_tokenizer_metrics.json"), m)
    log(f"spatial codes: {m['train_distinct_codes']} distinct codes over {out['train'].shape[0]} train images")


def load_lm_data(a, kind, shuffled):
    """Train / held-out captions and visual-token sequences (in sequence order, shuffled or not)."""
    import torch
    codes = torch.load(os.path.join(a.run_dir, "codes.pt" if kind == "ddt" else "spatial_codes.pt"))
    out = {}
    for split, seed in (("train", a.seed + 11), ("val", a.seed + 12)):
        d = torch.load(os.path.join(a.run_dir, f"data_{split}.pt"))
        c = codes[split].numpy()
        rows = np.array([ix["img"] for ix in d["index"]])
        seq = ordered_codes(kind, c[rows])
        perm = make_permutations(a.shuffle if shuffled else "none", len(seq), seq.shape[1], seed)
        seq = np.take_along_axis(seq, perm, axis=1)
        out[split] = ([s["caption"] for s in d["samples"]], seq)
    return out


def lm_eval(model, tt, vo, captions, seqs, batch=200):
    """Mean loss per visual token (eoi excluded) on the given sequences, captions kept."""
    import torch
    import torch.nn.functional as F
    from ddt.data import collate
    tot, cnt = 0.0, 0
    model.eval()
    with torch.no_grad():
        for i in range(0, len(seqs), batch):
            ss = [t2i_sequence(tt, captions[j], seqs[j], vo) for j in range(i, min(len(seqs), i + batch))]
            ids, am, pos, tgt = collate(ss, tt.pad)
            pk, pv = model.empty_past(ids.shape[0])
            logits, _, _ = model(ids, am, pos, pk, pv)
            vis = tgt >= vo
            l = F.cross_entropy(logits[vis], tgt[vis], reduction="sum")
            tot += float(l)
            cnt += int(vis.sum())
    model.train()
    return tot / cnt


def stage_lm_run(a, kind, shuffled):
    import torch
    import torch.nn.functional as F
    from ddt.data import collate
    from ddt.llama import Llama, config_dict
    from ddt.text_tokenizer import TextTokenizer
    name = run_name(kind, shuffled)
    d = load_lm_data(a, kind, shuffled)
    (ctr, str_), (cva, sva) = d["train"], d["val"]
    if a.n_eval:
        cva, sva = cva[:a.n_eval], sva[:a.n_eval]
    torch.manual_seed(a.seed)  # same initial weights for the four runs
    tt = TextTokenizer()
    vo = len(tt)
    t = train.parse([])
    t.codebook = a.codebook
    cfg = train.llama_config(t, tt)
    model = Llama(cfg)
    nparams = sum(p.numel() for p in model.parameters())
    opt = train.llama_optimizer(model, a.lm_lr)
    rng = random.Random(a.seed)  # same data order and prompt drops for the four runs
    total, t0 = a.lm_steps, time.time()
    curve = {"step": [], "train": [], "heldout": []}
    win_sum, win_cnt = 0.0, 0
    log(f"lm {name}: {nparams / 1e6:.3f}M params, {len(str_)} train / {len(sva)} held-out sequences")
    for step in range(total):
        lr = train.schedule(step / total, a.lm_lr, 0.04)
        for pg in opt.param_groups:
            pg["lr"] = lr
        ss = []
        for _ in range(a.lm_batch):
            j = rng.randrange(len(str_))
            ss.append(t2i_sequence(tt, "" if rng.random() < a.drop_prob else ctr[j], str_[j], vo))
        batch = collate(ss, tt.pad)
        tgt = batch[3]
        loss, logits = train.llama_step(model, opt, batch)
        with torch.no_grad():
            vis = tgt >= vo
            win_sum += float(F.cross_entropy(logits[vis], tgt[vis], reduction="sum"))
            win_cnt += int(vis.sum())
        s = step + 1
        if s % a.eval_every == 0 or s == total:
            h = lm_eval(model, tt, vo, cva, sva)
            curve["step"].append(s)
            curve["train"].append(round(win_sum / win_cnt, 4))
            curve["heldout"].append(round(h, 4))
            win_sum, win_cnt = 0.0, 0
            log(f"lm {name} step {s}/{total} train {curve['train'][-1]:.4f} heldout {h:.4f} lr {lr:.2e} "
                f"{(time.time() - t0) / s:.3f}s/step elapsed {(time.time() - t0) / 60:.1f} min")
    res = {"name": name, "tokenizer": kind, "shuffled": shuffled, "shuffle_mode": a.shuffle if shuffled else "none",
           "steps": total, "batch": a.lm_batch, "lr": a.lm_lr, "seed": a.seed, "drop_prob": a.drop_prob,
           "params": nparams, "config": config_dict(cfg),
           "wall_minutes": round((time.time() - t0) / 60, 2), "train_sequences": len(str_),
           "heldout_sequences": len(sva), "final_heldout_loss": curve["heldout"][-1],
           "final_train_loss": curve["train"][-1], "curve": curve}
    train.save_json(os.path.join(a.run_dir, f"lm_{name}.json"), res)
    return res


# ----------------------------------------------------------------------------- report
COLORS = {"ddt_in_order": (31, 119, 180), "ddt_shuffled": (140, 190, 235),
          "spatial_in_order": (214, 39, 40), "spatial_shuffled": (245, 150, 140)}


def plot_curves(runs, path, title):
    """Two panels (train, held-out loss per visual token vs step), four curves; PIL only."""
    from PIL import Image, ImageDraw
    W, H, m = 520, 380, (58, 30, 20, 44)  # panel size, margins left/top/right/bottom
    img = Image.new("RGB", (2 * W, H + 70), "white")
    d = ImageDraw.Draw(img)
    d.text((10, 6), title, fill="black")
    ys = [v for r in runs for k in ("train", "heldout") for v in r["curve"][k]]
    lo, hi = min(ys), max(ys)
    pad = 0.05 * (hi - lo + 1e-6)
    lo, hi = lo - pad, hi + pad
    xmax = max(max(r["curve"]["step"]) for r in runs)
    for p, key in enumerate(("train", "heldout")):
        ox = p * W
        x0, y0, x1, y1 = ox + m[0], 20 + m[1], ox + W - m[2], 20 + H - m[3]
        d.rectangle([x0, y0, x1, y1], outline="black")
        d.text((x0, y0 - 16), ("train" if key == "train" else "held-out") + " loss per visual token (nats)",
               fill="black")
        for i in range(6):
            v = lo + (hi - lo) * i / 5
            y = y1 - (y1 - y0) * i / 5
            d.line([x0 - 4, y, x0, y], fill="black")
            d.line([x0 + 1, y, x1 - 1, y], fill=(230, 230, 230))
            d.text((ox + 8, y - 6), f"{v:.2f}", fill="black")
        for i in range(5):
            s = xmax * i / 4
            x = x0 + (x1 - x0) * i / 4
            d.line([x, y1, x, y1 + 4], fill="black")
            d.text((x - 12, y1 + 8), f"{int(s)}", fill="black")
        d.text(((x0 + x1) // 2 - 12, y1 + 24), "step", fill="black")
        for r in runs:
            pts = [(x0 + (x1 - x0) * s / xmax, y1 - (y1 - y0) * (v - lo) / (hi - lo))
                   for s, v in zip(r["curve"]["step"], r["curve"][key])]
            col = COLORS[r["name"]]
            if len(pts) > 1:
                d.line(pts, fill=col, width=3 if "in_order" in r["name"] else 2)
            for x, y in pts:
                d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=col)
    for i, r in enumerate(runs):
        x = 20 + i * 250
        d.rectangle([x, H + 40, x + 24, H + 50], fill=COLORS[r["name"]])
        d.text((x + 30, H + 39), f"{r['name']} ({r['final_heldout_loss']:.3f})", fill="black")
    img.save(path)


def table(runs):
    by = {r["name"]: r for r in runs}
    lines = ["| tokenizer | in order | shuffled | shuffled / in order | shuffled - in order |",
             "|---|---|---|---|---|"]
    for k in ("ddt", "spatial"):
        i, s = by[run_name(k, False)]["final_heldout_loss"], by[run_name(k, True)]["final_heldout_loss"]
        lines.append(f"| {k} | {i:.3f} | {s:.3f} | {s / i:.3f} | {s - i:+.3f} |")
    return "\n".join(lines)


def stage_report(a, runs):
    import torch
    os.makedirs(a.out, exist_ok=True)
    ddt = train.load_json(os.path.join(a.run_dir, "tokenizer_metrics.json"))
    sp = train.load_json(os.path.join(a.run_dir, "spatial_tokenizer_metrics.json"))
    ent = {}
    for kind, f in (("ddt", "codes.pt"), ("spatial", "spatial_codes.pt")):
        c = torch.load(os.path.join(a.run_dir, f))["val"].numpy()
        ent[kind] = round(shuffle_entropy(ordered_codes(kind, c)), 4)
    by = {r["name"]: r for r in runs}
    ratio = {k: round(by[run_name(k, True)]["final_heldout_loss"] / by[run_name(k, False)]["final_heldout_loss"], 4)
             for k in ("ddt", "spatial")}
    res = {
        "command": a.command, "args": {k: v for k, v in vars(a).items() if k != "command"},
        "shuffle": a.shuffle,
        "loss": "mean next-token cross-entropy per visual token (nats), eoi excluded; held-out = "
                f"{runs[0]['heldout_sequences']} t2i samples of seed {a.seed + 2}, captions kept",
        "tokenizers": {"ddt": {**ddt, "patch": a.ddt_patch, "T": a.T, "codebook": a.codebook},
                       "spatial": {**sp, "T": a.T, "codebook": a.codebook}},
        "shuffle_entropy_bound_nats_per_token": ent,
        "final_heldout_loss": {r["name"]: r["final_heldout_loss"] for r in runs},
        "final_train_loss": {r["name"]: r["final_train_loss"] for r in runs},
        "ratio_shuffled_over_in_order": ratio,
        "budget": {r["name"]: {k: r[k] for k in ("steps", "batch", "lr", "seed", "params", "wall_minutes")}
                   for r in runs},
        "runs": runs,
    }
    budgets = {(r["steps"], r["batch"], r["lr"], r["seed"], r["params"]) for r in runs}
    res["equal_budgets"] = len(budgets) == 1
    train.save_json(os.path.join(a.out, "results.json"), res)
    plot_curves(runs, os.path.join(a.out, "loss_curves.png"),
                f"Language validation ablation: 4 LLaMA runs x {runs[0]['steps']} steps x {runs[0]['batch']} "
                f"sequences, shuffle per {a.shuffle}")
    print(table(runs))
    print(f"shuffle entropy bound (nats/token): {ent}; equal budgets: {res['equal_budgets']}")
    log(f"wrote {a.out}/results.json and loss_curves.png")
    return res


# ----------------------------------------------------------------------------- main
def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run-dir", default=os.path.join(HERE, "runs", "ablation"))
    p.add_argument("--out", default=os.path.join(HERE, "ablation"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="smoke run (minutes), writes runs/ablation-quick/")
    p.add_argument("--fresh", action="store_true", help="redo every stage even if its output exists")
    p.add_argument("--shuffle", choices=["sequence", "dataset"], default="sequence")
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--T", type=int, default=16)
    p.add_argument("--codebook", type=int, default=1024)
    p.add_argument("--ddt-patch", type=int, default=8,
                   help="DDT tokenizer patch (train.py's default is 4; 8 is ~3x cheaper a step on 1 thread)")
    p.add_argument("--sp-width", type=int, default=128)
    p.add_argument("--n-train", type=int, default=40000, help="t2i training samples (= images)")
    p.add_argument("--n-val", type=int, default=1200, help="held-out t2i samples")
    p.add_argument("--n-eval", type=int, default=0, help="held-out samples per curve point (0 = all)")
    p.add_argument("--n-psnr", type=int, default=256)
    p.add_argument("--tok-steps", type=int, default=8000)
    p.add_argument("--tok-minutes", type=float, default=20.0, help="DDT tokenizer wall budget")
    p.add_argument("--tok-batch", type=int, default=64)
    p.add_argument("--tok-lr", type=float, default=1e-3)
    p.add_argument("--lm-steps", type=int, default=1200)
    p.add_argument("--lm-batch", type=int, default=48)
    p.add_argument("--lm-lr", type=float, default=1.5e-3)
    p.add_argument("--drop-prob", type=float, default=0.0, help="caption dropped (CFG) per training sequence")
    p.add_argument("--eval-every", type=int, default=100)
    a = p.parse_args(argv)
    if a.quick:
        a.n_train, a.n_val, a.n_psnr = 800, 200, 32
        a.tok_steps, a.tok_minutes, a.tok_batch = 30, 0, 16
        a.lm_steps, a.lm_batch, a.eval_every = 40, 16, 10
        if a.run_dir == p.get_default("run_dir"):
            a.run_dir = os.path.join(HERE, "runs", "ablation-quick")
        if a.out == p.get_default("out"):
            a.out = os.path.join(a.run_dir, "out")
    return a


def main(argv=None):
    a = parse(argv)
    import torch
    torch.set_num_threads(a.threads)
    a.command = " ".join(["python3", "models/ablation.py"] + (sys.argv[1:] if argv is None else list(argv)))
    os.makedirs(a.run_dir, exist_ok=True)
    t0 = time.time()
    f = lambda n: os.path.join(a.run_dir, n)  # noqa: E731
    stages = [("data", stage_data, "data_val.pt"), ("ddt_tok", stage_ddt_tok, "tokenizer_metrics.json"),
              ("ddt_codes", stage_ddt_codes, "codes.pt"), ("sp_tok", stage_sp_tok, "spatial_tokenizer.pt"),
              ("sp_codes", stage_sp_codes, "spatial_codes.pt")]
    for name, fn, out in stages:
        if os.path.exists(f(out)) and not a.fresh:
            log(f"=== stage {name}: {out} exists, skipped")
            continue
        log(f"=== stage {name}")
        fn(a)
    runs = []
    for kind, sh in RUNS:
        out = f(f"lm_{run_name(kind, sh)}.json")
        r = train.load_json(out)
        if r and not a.fresh and r["steps"] == a.lm_steps and r["batch"] == a.lm_batch and \
                r["shuffle_mode"] == (a.shuffle if sh else "none"):
            log(f"=== lm {r['name']}: exists, skipped")
        else:
            log(f"=== lm {run_name(kind, sh)}")
            r = stage_lm_run(a, kind, sh)
        runs.append(r)
    res = stage_report(a, runs)
    log(f"ablation done in {(time.time() - t0) / 60:.1f} min")
    return res


if __name__ == "__main__":
    main()
