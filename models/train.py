#!/usr/bin/env python3
"""Train everything from scratch on CPU and export the bundle.

    /usr/bin/python3 models/train.py                    # full run (~150 min on 2 cores)
    /usr/bin/python3 models/train.py --quick            # minutes-long smoke run

Stages (each runs in its own subprocess and leaves a checkpoint in --run-dir):
  data       synthetic scenes (train + held-out), rendered           -> data_*.pt
  tokenizer  DDT tokenizer (encoder, VQ, diffusion decoder)          -> tokenizer.pt
  codes      token ids of every training / held-out image            -> codes.pt
  llama      DDT-LLaMA on the three task streams                     -> llama.pt
  export     ONNX graphs, manifest, golden files, grid, metrics      -> --bundle
`--from-stage X` restarts at stage X, reusing the earlier checkpoints.
Step budgets: --tok-steps/--llama-steps cap the steps; with --tok-minutes/--llama-minutes
> 0 the learning-rate schedule (warm-up, cosine to 10%) runs on training progress =
max(step/steps, elapsed/budget), so a stage always finishes its schedule inside its wall
time however busy the machine is. The steps actually run are recorded in the manifest's
provenance; re-running with those step counts and minutes 0 gives the same number of
steps on a step-based schedule (same seed, same data).
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

STAGES = ["data", "tokenizer", "codes", "llama", "export"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def cosine_lr(step, total, base, warmup, floor=0.1):
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def progress(step, total, t0, minutes):
    """Training progress in [0,1]: by steps, or by wall time when a minutes budget is set
    (whichever is further), so the schedule always completes inside the budget."""
    p = step / total
    if minutes > 0:
        p = max(p, (time.time() - t0) / (minutes * 60))
    return p


def schedule(p, base, warm, floor=0.1):
    """Linear warm-up over the first `warm` fraction, then cosine to floor*base."""
    if p < warm:
        return base * max(p / warm, 0.01)
    q = (p - warm) / (1 - warm)
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, q))))


def save_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)


def load_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


# ----------------------------------------------------------------------------- stages
def stage_data(a):
    import torch
    from ddt.data import SceneSet
    t0 = time.time()
    n = a.n_train
    tr = SceneSet(a.image_size, a.seed + 1, n, n // 2, n // 2)
    va = SceneSet(a.image_size, a.seed + 2, a.n_val, a.n_val * 2 // 3, a.n_val // 2)
    for name, s in (("train", tr), ("val", va)):
        torch.save({"samples": s.samples, "index": s.index, "images": torch.from_numpy(s.images)},
                   os.path.join(a.run_dir, f"data_{name}.pt"))
    log(f"data: {len(tr.samples)} train samples / {len(tr.images)} images, "
        f"{len(va.samples)} val samples, {time.time() - t0:.0f}s")


def tokenizer_config(a):
    from ddt.tokenizer_model import TokConfig
    return TokConfig(image_size=a.image_size, patch=a.patch, T=a.T, codebook_size=a.codebook,
                     enc_width=a.tok_width, dec_width=a.tok_width, enc_layers=a.enc_layers,
                     dec_layers=a.dec_layers, mlp_ratio=a.mlp_ratio, noise_shift=a.noise_shift,
                     refine_channels=a.refine_channels, refine_feats=a.refine_feats,
                     shape_weight=a.shape_weight, fg_weight=a.fg_weight,
                     enc_stem=a.enc_stem)


def shape_maps(run_dir, image_size):
    """The world's per-pixel shape classes of every training image (the shape head's target), made
    once from the samples' metadata and kept beside the data."""
    import torch
    from ddt.world import World
    path = os.path.join(run_dir, "shape_maps_train.pt")
    if os.path.exists(path):
        return torch.load(path)
    t0 = time.time()
    data, w = torch.load(os.path.join(run_dir, "data_train.pt")), World(image_size)
    maps = torch.zeros(len(data["images"]), image_size, image_size, dtype=torch.uint8)
    for s, ix in zip(data["samples"], data["index"]):
        maps[ix["img"]] = torch.from_numpy(w.shape_map(s["objects"]))
        if "tgt" in ix:
            maps[ix["tgt"]] = torch.from_numpy(w.shape_map(s["target_objects"]))
    torch.save(maps, path)
    log(f"shape maps of {len(maps)} training images, {time.time() - t0:.0f}s")
    return maps


def tokenizer_phases(a):
    """The tokenizer stage's phases, each a subprocess with its own schedule: (name, extra args).
    From scratch: the tokens (--tok-minutes), a second token phase at a lower rate (--tok2-minutes),
    a decoder phase (--dec-minutes: encoder and codebook frozen, so every token id stays). From a
    bundle (--init-bundle): its tokenizer read back, then the same token and decoder phases, each
    only where its minutes are above 0. The bundle's noise shift is trained in the last phase only;
    earlier ones train on shift 1 (with most timesteps nearly clean the decoder has little reason to
    read the tokens, and they learn slowly)."""
    resume = ["--tok-resume"]
    if a.init_bundle:
        phases = [("from-bundle", [])]
        if a.tok_minutes > 0:
            phases.append(("tokens", resume))
    else:
        phases = [("tokens", [])]
        if a.tok2_minutes > 0:
            phases.append(("tokens-2", resume + ["--tok-minutes", str(a.tok2_minutes), "--tok-lr", str(a.tok2_lr)]))
    if a.dec_minutes > 0:
        phases.append(("decoder", resume + ["--freeze-encoder", "--tok-minutes", str(a.dec_minutes),
                                            "--tok-lr", str(a.dec_lr)]))
    last = len(phases) - 1
    return [(n, x + ([] if i == last else ["--noise-shift", "1"])) for i, (n, x) in enumerate(phases)]


def after_phases(prev, metrics):
    """A stage's metrics after earlier phases (a checkpoint's or a bundle's): this phase listed after
    theirs, steps and minutes summed."""
    return {**metrics, "phases": (prev.get("phases") or [prev]) + [dict(metrics)],
            "steps": metrics["steps"] + int(prev.get("steps", 0)),
            "minutes": round(metrics["minutes"] + float(prev.get("minutes", 0)), 2)}


def bundle_manifest(bundle):
    return load_json(os.path.join(bundle, "manifest.json"))


def psnr_eval(tok, images_u8, n, seed):
    import torch
    from ddt.data import to_tensor
    x = to_tensor(images_u8[:n])
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(x.shape, generator=g)
    rec, ids = [], []
    tok.eval()
    with torch.no_grad():
        for i in range(0, n, 128):
            idb = tok.encode_ids(x[i:i + 128])
            ids.append(idb)
            rec.append(tok.sample(idb, noise[i:i + 128]))
    rec, ids = torch.cat(rec), torch.cat(ids)
    # PSNR on [0,1] pixels, per image then averaged
    mse = (((rec + 1) / 2 - (x + 1) / 2) ** 2).flatten(1).mean(1)
    return float((10 * torch.log10(1.0 / mse.clamp(min=1e-10))).mean()), ids


def token_probe(tok, images_u8):
    """PSNR of the one-step x0 prediction at t=1 with the true vs random tokens (are tokens used?)."""
    import torch
    from ddt.data import to_tensor
    x = to_tensor(images_u8)
    g = torch.Generator().manual_seed(0)
    n = torch.randn(x.shape, generator=g)
    tok.eval()
    with torch.no_grad():
        ids = tok.encode_ids(x)
        t = torch.ones(x.shape[0])
        res = []
        for i in (ids, torch.randint(0, tok.cfg.codebook_size, ids.shape, generator=g)):
            x0 = tok.decoder(n, t, tok.vq.lookup(i)).clamp(-1, 1)
            mse = (((x0 - x) / 2) ** 2).flatten(1).mean(1)
            res.append(float((10 * torch.log10(1 / mse)).mean()))
        z = tok.encoder(x)
        cos = float((z[:, :, None] * z[:, None]).sum(-1).mean())
    tok.train()
    return f"psnr_t1 tokens {res[0]:.2f} random {res[1]:.2f} intra-image cos {cos:.3f}"


def tokenizer_step(tok, opt, imgs, batch, g, freeze_encoder=False, maps=None):
    """One optimiser step of the tokenizer on a random batch, half of it mirrored (with its shape
    maps, where the shape head is on)."""
    import torch
    from ddt.data import to_tensor
    idx = torch.randint(0, len(imgs), (batch,), generator=g)
    x = to_tensor(imgs[idx].numpy())
    flip = torch.rand(batch, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    m = None
    if maps is not None:
        m = maps[idx].long()
        m = torch.where(flip[:, None, None], m.flip(-1), m)
    tok.train()
    terms = {}
    loss, rec, commit, _ = tok.loss(x, freeze_encoder=freeze_encoder, shape_map=m, terms=terms)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(tok.parameters(), 1.0)
    opt.step()
    return loss, rec, commit, terms


def stage_tokenizer(a):
    import torch
    from ddt.tokenizer_model import DDTTokenizer, TokConfig, config_dict
    torch.manual_seed(a.seed)
    cfg = tokenizer_config(a)
    prev = None
    if a.init_bundle and not a.tok_resume:
        # the tokenizer read back from a bundle's graphs, proven on its golden files
        from ddt import export_lib
        from ddt.llama import LlamaConfig
        man = bundle_manifest(a.init_bundle)
        tok = export_lib.tokenizer_from_bundle(a.init_bundle, LlamaConfig(**man["llama"]["config"]))
        metrics = {**man["provenance"]["tokenizer"], "read_back_from": os.path.abspath(a.init_bundle)}
        torch.save({"config": config_dict(tok.cfg), "state": tok.state_dict(), "step": 0, "metrics": metrics},
                   os.path.join(a.run_dir, "tokenizer.pt"))
        save_json(os.path.join(a.run_dir, "tokenizer_metrics.json"), metrics)
        log(f"tokenizer read back from {a.init_bundle} (its golden files reproduced)")
        return
    if a.tok_resume:  # continue from the stage's checkpoint (a later phase, new schedule)
        ck = torch.load(os.path.join(a.run_dir, "tokenizer.pt"))
        cfg = TokConfig(**ck["config"])
        if a.refine_channels > 0 and cfg.refine_channels == 0:  # a refiner added to a trained decoder
            cfg.refine_channels, cfg.refine_feats = a.refine_channels, a.refine_feats
        cfg.noise_shift, cfg.shape_weight, cfg.fg_weight = a.noise_shift, a.shape_weight, a.fg_weight
        tok = DDTTokenizer(cfg)
        missing, unexpected = tok.load_state_dict(ck["state"], strict=False)
        # a refiner or a shape head may be added to a trained tokenizer; a shape head dropped with it
        if (any(not k.startswith("shape_head.") for k in unexpected)
                or any(not k.startswith(("decoder.refine.", "decoder.feat.", "shape_head.")) for k in missing)):
            raise SystemExit(f"tokenizer checkpoint does not fit: missing {missing}, unexpected {unexpected}")
        prev = ck.get("metrics", {"steps": ck.get("step")})
        torch.manual_seed(a.seed + 100)
        log(f"tokenizer: resuming after {prev.get('steps')} steps" + (" (decoder only)" if a.freeze_encoder else ""))
    else:
        tok = DDTTokenizer(cfg)
    imgs = torch.load(os.path.join(a.run_dir, "data_train.pt"))["images"]
    maps = shape_maps(a.run_dir, cfg.image_size) if cfg.shape_weight > 0 and not a.freeze_encoder else None
    val = torch.load(os.path.join(a.run_dir, "data_val.pt"))["images"].numpy()
    trained = tok.decoder.parameters() if a.freeze_encoder else tok.parameters()
    opt = torch.optim.AdamW(trained, lr=a.tok_lr, weight_decay=0.0, betas=(0.9, 0.99))
    total, t0, hist = a.tok_steps, time.time(), []
    g = torch.Generator().manual_seed(a.seed + (100 if prev else 0))
    step = 0
    while True:
        prog = progress(step, total, t0, a.tok_minutes)
        if prog >= 1.0:
            break
        lr = schedule(prog, a.tok_lr, 0.02 if prev else 0.05)
        for pg in opt.param_groups:
            pg["lr"] = lr
        loss, rec, commit, terms = tokenizer_step(tok, opt, imgs, a.tok_batch, g, a.freeze_encoder, maps)
        step += 1
        if step % 50 == 0 or step == 1:
            used = int((tok.vq.step - tok.vq.last_used < 20).sum())
            log(f"tok step {step} prog {prog:.3f} loss {loss.item():.4f} rec {rec.item():.4f} "
                f"commit {commit.item():.4f} lr {lr:.2e} codes_used20 {used} "
                + "".join(f"{k} {v:.4f} " for k, v in terms.items()) +
                f"{(time.time() - t0) / step:.3f}s/step")
        if step % 250 == 0:
            log(f"tok step {step} probe: " + token_probe(tok, val[:64]))
        if step % 1000 == 0:
            torch.save({"config": config_dict(cfg), "state": tok.state_dict(), "step": step},
                       os.path.join(a.run_dir, "tokenizer.pt"))
    minutes = (time.time() - t0) / 60
    psnr, ids = psnr_eval(tok, val, a.n_psnr, a.seed + 7)
    metrics = {"steps": step, "minutes": round(minutes, 2), "batch": a.tok_batch, "lr": a.tok_lr,
               "noise_shift": cfg.noise_shift, "encoder_frozen": a.freeze_encoder,
               "refine_channels": cfg.refine_channels, "shape_weight": cfg.shape_weight,
               "fg_weight": cfg.fg_weight,
               "val_psnr_db_T_step_sampler": round(psnr, 3), "val_images": a.n_psnr,
               "val_distinct_codes": int(torch.unique(ids).numel())}
    if prev:
        metrics = after_phases(prev, metrics)
    torch.save({"config": config_dict(cfg), "state": tok.state_dict(), "step": step, "metrics": metrics},
               os.path.join(a.run_dir, "tokenizer.pt"))
    save_json(os.path.join(a.run_dir, "tokenizer_metrics.json"), metrics)
    log("tokenizer done", metrics)


def load_tokenizer(run_dir):
    import torch
    from ddt.tokenizer_model import DDTTokenizer, TokConfig
    ck = torch.load(os.path.join(run_dir, "tokenizer.pt"))
    tok = DDTTokenizer(TokConfig(**ck["config"]))
    tok.load_state_dict(ck["state"])
    tok.eval()
    return tok, ck


def stage_codes(a):
    import torch
    from ddt.data import to_tensor
    tok, _ = load_tokenizer(a.run_dir)
    out = {}
    t0 = time.time()
    for name in ("train", "val"):
        imgs = torch.load(os.path.join(a.run_dir, f"data_{name}.pt"))["images"].numpy()
        ids = []
        with torch.no_grad():
            for i in range(0, len(imgs), 512):
                ids.append(tok.encode_ids(to_tensor(imgs[i:i + 512])))
        out[name] = torch.cat(ids).to(torch.int32)
    usage = int(torch.unique(out["train"]).numel())
    torch.save(out, os.path.join(a.run_dir, "codes.pt"))
    m = load_json(os.path.join(a.run_dir, "tokenizer_metrics.json"), {})
    m["train_distinct_codes"] = usage
    m["train_images_encoded"] = int(out["train"].shape[0])
    save_json(os.path.join(a.run_dir, "tokenizer_metrics.json"), m)
    log(f"codes: {usage} distinct codes over {out['train'].shape[0]} train images, {time.time() - t0:.0f}s")


def llama_config(a, tt):
    from ddt.llama import LlamaConfig
    return LlamaConfig(vocab_size=len(tt) + a.codebook, dim=a.llama_dim, n_layers=a.llama_layers,
                       n_heads=a.llama_heads, n_kv_heads=a.llama_kv_heads, hidden=a.llama_hidden)


def llama_eval(model, samples, index, codes, tt, vo, batch=128):
    """Mean target-token loss per task and per kind (no prompt dropping)."""
    import torch
    import torch.nn.functional as F
    from ddt.data import build_sequence, collate
    sums, counts = {}, {}
    model.eval()
    with torch.no_grad():
        for i in range(0, len(samples), batch):
            seqs, keys = [], []
            for j in range(i, min(len(samples), i + batch)):
                c = {k: codes[v].tolist() for k, v in index[j].items()}
                seqs.append(build_sequence(tt, samples[j], c, vo))
                keys.append((samples[j]["task"], samples[j]["kind"]))
            ids, am, pos, tgt = collate(seqs, tt.pad)
            pk, pv = model.empty_past(ids.shape[0])
            logits, _, _ = model(ids, am, pos, pk, pv)
            l = F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=-100, reduction="none")
            msk = (tgt != -100).float()
            for b, (task, kind) in enumerate(keys):
                for k in (task, task + "/" + kind):
                    sums[k] = sums.get(k, 0.0) + float((l[b] * msk[b]).sum())
                    counts[k] = counts.get(k, 0) + float(msk[b].sum())
    return {k: round(sums[k] / counts[k], 4) for k in sorted(sums)}


def llama_optimizer(model, lr):
    """AdamW with weight decay on the matrices only."""
    import torch
    decay = [p for p in model.parameters() if p.dim() >= 2]
    nodecay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95))


def llama_step(model, opt, batch):
    """One optimiser step of the LLaMA on a collated batch (ids, mask, positions, targets with -100
    where no loss is taken), or on a list of them: one batch cut by length (`by_length`), its loss
    the mean over all their target tokens as for the uncut batch. Returns the loss and the logits
    (of the last piece), for callers that measure more."""
    import torch
    import torch.nn.functional as F
    pieces = batch if isinstance(batch, list) else [batch]
    n_tgt = sum(int((p[3] != -100).sum()) for p in pieces)
    model.train()
    opt.zero_grad(set_to_none=True)
    total = 0.0
    for ids, am, pos, tgt in pieces:
        pk, pv = model.empty_past(ids.shape[0])
        logits, _, _ = model(ids, am, pos, pk, pv)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=-100,
                               reduction="sum") / n_tgt
        loss.backward()
        total += loss.detach()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return total, logits


def by_length(seqs, pad_id, pieces):
    """A batch cut into `pieces` collated batches of similar lengths: the forward pass is paid per
    padded position, and the tasks' sequences differ by half (an edit carries its source image)."""
    from ddt.data import collate
    seqs = sorted(seqs, key=lambda s: len(s[0]))
    n = len(seqs)
    cuts = [round(i * n / pieces) for i in range(pieces + 1)]
    return [collate(seqs[cuts[i]:cuts[i + 1]], pad_id) for i in range(pieces) if cuts[i + 1] > cuts[i]]


def stage_llama(a):
    import torch
    from ddt.llama import Llama, config_dict
    from ddt.text_tokenizer import TextTokenizer
    from ddt.data import build_sequence
    torch.manual_seed(a.seed)
    tt = TextTokenizer()
    vo = len(tt)
    cfg = llama_config(a, tt)
    model = Llama(cfg)
    prev = None
    if a.init_bundle:  # continue the bundle's LLaMA: on the same tokens when no token phase ran (--tok-minutes 0)
        from ddt import export_lib
        man = bundle_manifest(a.init_bundle)
        if man["llama"]["config"] != config_dict(cfg):
            raise SystemExit(f"--init-bundle: its LLaMA config {man['llama']['config']} is not {config_dict(cfg)}")
        model.load_state_dict(export_lib.llama_state_from_onnx(os.path.join(a.init_bundle, "llama.onnx")))
        prev = man["provenance"]["llama"]
        log(f"llama: continuing {a.init_bundle}'s after {prev['steps']} steps")
    tr = torch.load(os.path.join(a.run_dir, "data_train.pt"))
    va = torch.load(os.path.join(a.run_dir, "data_val.pt"))
    codes = torch.load(os.path.join(a.run_dir, "codes.pt"))
    ctr, cva = codes["train"].numpy(), codes["val"].numpy()
    samples, index = tr["samples"], tr["index"]
    opt = llama_optimizer(model, a.llama_lr)
    rng = random.Random(a.seed)
    total, t0, step = a.llama_steps, time.time(), 0
    nparams = sum(p.numel() for p in model.parameters())
    log(f"llama: {nparams / 1e6:.2f}M params, vocab {cfg.vocab_size}")
    while True:
        prog = progress(step, total, t0, a.llama_minutes)
        if prog >= 1.0:
            break
        lr = schedule(prog, a.llama_lr, 0.04)
        for pg in opt.param_groups:
            pg["lr"] = lr
        seqs = []
        for _ in range(a.llama_batch):
            j = rng.randrange(len(samples))
            c = {k: ctr[v].tolist() for k, v in index[j].items()}
            seqs.append(build_sequence(tt, samples[j], c, vo, drop=rng.random() < a.drop_prob))
        loss, _ = llama_step(model, opt, by_length(seqs, tt.pad, a.llama_pieces))
        step += 1
        if step % 50 == 0 or step == 1:
            log(f"llama step {step} prog {prog:.3f} loss {loss.item():.4f} lr {lr:.2e} "
                f"{(time.time() - t0) / step:.3f}s/step")
        if step % 500 == 0:
            torch.save({"config": config_dict(cfg), "state": model.state_dict(), "step": step},
                       os.path.join(a.run_dir, "llama.pt"))
    minutes = (time.time() - t0) / 60
    val = llama_eval(model, va["samples"], va["index"], cva, tt, vo)
    metrics = {"steps": step, "minutes": round(minutes, 2), "batch": a.llama_batch, "lr": a.llama_lr,
               "pieces": a.llama_pieces, "params": nparams, "prompt_drop_prob": a.drop_prob, "val_loss": val,
               "last_train_loss": round(loss.item(), 4)}
    if prev:
        metrics = after_phases(prev, metrics)
    torch.save({"config": config_dict(cfg), "state": model.state_dict(), "step": step, "metrics": metrics},
               os.path.join(a.run_dir, "llama.pt"))
    save_json(os.path.join(a.run_dir, "llama_metrics.json"), metrics)
    log("llama done", json.dumps(metrics))


def stage_export(a):
    from ddt import export_lib
    export_lib.export_run(a.run_dir, a.bundle, provenance_extra={"command": a.command, "args": vars(a)})


# ----------------------------------------------------------------------------- main
def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run-dir", default=os.path.join(HERE, "runs", "ddt-tiny-32"))
    p.add_argument("--bundle", default=os.path.join(HERE, "bundles", "ddt-tiny-32"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="tiny smoke run (minutes)")
    p.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    p.add_argument("--from-stage", choices=STAGES, default="data")
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--patch", type=int, default=4)
    p.add_argument("--T", type=int, default=16)
    p.add_argument("--codebook", type=int, default=1024)
    p.add_argument("--tok-width", type=int, default=128)
    p.add_argument("--enc-layers", type=int, default=2)
    p.add_argument("--dec-layers", type=int, default=4)
    p.add_argument("--mlp-ratio", type=int, default=2)
    p.add_argument("--n-train", type=int, default=40000, help="t2i samples; edit and caption get half each")
    p.add_argument("--n-val", type=int, default=600)
    p.add_argument("--n-psnr", type=int, default=512)
    p.add_argument("--noise-shift", type=float, default=0.12,
                   help="the bundle's noise level s(t) = shift*t/(1+(shift-1)*t), below 1 keeping more of the "
                        "image at mid t (1 = the plain s(t) = t); with a second tokenizer phase, the first "
                        "trains on shift 1 and the second on this")
    p.add_argument("--tok-steps", type=int, default=30000)
    p.add_argument("--tok-minutes", type=float, default=40.0)
    p.add_argument("--tok-batch", type=int, default=64)
    p.add_argument("--tok-lr", type=float, default=1e-3)
    p.add_argument("--tok2-minutes", type=float, default=72.0,
                   help="wall time of the second tokenizer phase (0 = none)")
    p.add_argument("--tok2-lr", type=float, default=4e-4)
    p.add_argument("--tok-resume", action="store_true", help=argparse.SUPPRESS)  # a later tokenizer phase
    p.add_argument("--freeze-encoder", action="store_true", help=argparse.SUPPRESS)  # the decoder phase
    p.add_argument("--dec-minutes", type=float, default=0.0,
                   help="wall time of a last tokenizer phase that trains the decoder alone "
                        "(0 = none); the encoder, codebook and so every token id stay as they were")
    p.add_argument("--dec-lr", type=float, default=4e-4)
    p.add_argument("--refine-channels", type=int, default=32,
                   help="width of the decoder's pixel refiner (0 = none); added to a decoder that has none")
    p.add_argument("--refine-feats", type=int, default=8, help="feature maps the patch head writes for the refiner")
    p.add_argument("--shape-weight", type=float, default=0.01,
                   help="weight of the training-only shape head (codes -> the shape of each object pixel); 0 = off "
                        "(models/README.md: what it does to the reconstruction ceiling)")
    p.add_argument("--fg-weight", type=float, default=0.0,
                   help="extra reconstruction-loss weight of object pixels and their 1-px ring (0 = plain MSE)")
    p.add_argument("--enc-stem", type=int, default=0,
                   help="width of the encoder's convolutional stem (0 = the linear patch embedding alone)")
    p.add_argument("--init-bundle", metavar="DIR",
                   help="start from a bundle's weights (read back from its graphs, checked on its golden files) "
                        "instead of random ones: the tokenizer phases continue its tokenizer, the LLaMA its LLaMA")
    p.add_argument("--llama-dim", type=int, default=256)
    p.add_argument("--llama-layers", type=int, default=4)
    p.add_argument("--llama-heads", type=int, default=4)
    p.add_argument("--llama-kv-heads", type=int, default=2)
    p.add_argument("--llama-hidden", type=int, default=704)
    p.add_argument("--llama-steps", type=int, default=9400)
    p.add_argument("--llama-minutes", type=float, default=35.0)
    p.add_argument("--llama-batch", type=int, default=48)
    p.add_argument("--llama-lr", type=float, default=1.5e-3)
    p.add_argument("--llama-pieces", type=int, default=3,
                   help="each batch cut by length into this many forward passes (less padding)")
    p.add_argument("--drop-prob", type=float, default=0.1)
    a = p.parse_args(argv)
    if a.quick:
        a.n_train, a.n_val, a.n_psnr = 600, 120, 64
        a.tok_steps, a.llama_steps, a.tok_minutes, a.llama_minutes, a.tok2_minutes = 40, 40, 0, 0, 0
        a.dec_minutes = 0
        a.tok_batch = a.llama_batch = 16
        if a.run_dir == p.get_default("run_dir"):
            a.run_dir = os.path.join(HERE, "runs", "quick")
        if a.bundle == p.get_default("bundle"):
            a.bundle = os.path.join(HERE, "runs", "quick", "bundle")
    return a


def main():
    a = parse()
    os.makedirs(a.run_dir, exist_ok=True)
    if a.stage:
        import torch
        torch.set_num_threads(a.threads)
        a.command = os.environ.get("DDT_TRAIN_COMMAND", "")
        globals()["stage_" + a.stage](a)
        return
    cmd = " ".join(["python3", "models/train.py"] + sys.argv[1:])
    env = dict(os.environ, DDT_TRAIN_COMMAND=cmd)
    t0 = time.time()
    for st in STAGES[STAGES.index(a.from_stage):]:
        runs = [x for _, x in tokenizer_phases(a)] if st == "tokenizer" else [[]]
        for extra in runs:
            log(f"=== stage {st} {' '.join(extra)}")
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--stage", st] + sys.argv[1:] + extra,
                               env=env)
            if r.returncode != 0:
                log(f"stage {st} failed with {r.returncode}")
                sys.exit(r.returncode)
    log(f"all stages done in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
