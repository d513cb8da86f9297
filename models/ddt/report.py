"""Held-out evaluation and report grids.

A small pixel-based detector (connected components on the known dark background, colour
by nearest palette entry, shape by box fill ratio, size by box width) scores generated
images with GenEval-style clauses from the samples' metadata.  Its accuracy on the
ground-truth renders is reported as the ceiling.
"""
import json
import os

import numpy as np
import torch

from . import world
from .data import to_tensor, to_uint8
from .generate import Decoder

PALETTE = np.array([world.COLORS[c] for c in world.COLOR_NAMES], dtype=np.float32)


_W = {}


def classify(a, S):
    """Nearest rendered template (shape x size x sub-pixel offsets) to coverage map a."""
    w = _W.setdefault(S, world.World(S))
    A = a.sum()
    ys, xs = np.mgrid[0:S, 0:S] + 0.5
    cx, cy = (a * xs).sum() / A, (a * ys).sum() / A
    best = (1e9, None, None)
    for shape in world.SHAPES:
        for size, f in world.SIZES.items():
            h = f * S
            oy = h / 3 if shape == "triangle" else 0.0  # centroid lies below the box centre
            for dx in (-0.5, 0.0, 0.5):
                for dy in (-0.5, 0.0, 0.5):
                    bx, by = cx + dx, cy - oy + dy
                    t = w.alpha(shape, [bx - h, by - h, bx + h, by + h])
                    err = float(((t - a) ** 2).sum())
                    if err < best[0]:
                        best = (err, shape, size, bx, by)
    return best[1:]


def detect(img, S=None):
    """img uint8 (S,S,3) -> list of {shape,color,size,cx,cy,box}."""
    S = img.shape[0]
    diff = np.abs(img.astype(np.float32) - np.array(world.BACKGROUND, np.float32)).max(-1)
    fg = diff > 60
    seen = np.zeros_like(fg)
    objs = []
    min_px = max(4, int(0.006 * S * S))
    for y in range(S):
        for x in range(S):
            if fg[y, x] and not seen[y, x]:
                stack, pix = [(y, x)], []
                seen[y, x] = True
                while stack:
                    cy, cx = stack.pop()
                    pix.append((cy, cx))
                    for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                        if 0 <= ny < S and 0 <= nx < S and fg[ny, nx] and not seen[ny, nx]:
                            seen[ny, nx] = True
                            stack.append((ny, nx))
                if len(pix) < min_px:
                    continue
                p = np.array(pix)
                y0, x0 = p.min(0)
                y1, x1 = p.max(0)
                w, h = x1 - x0 + 1, y1 - y0 + 1
                cols = img[p[:, 0], p[:, 1]].astype(np.float32)
                strong = diff[p[:, 0], p[:, 1]] > 0.7 * diff[p[:, 0], p[:, 1]].max()
                col = cols[strong].mean(0)
                color = world.COLOR_NAMES[int(((PALETTE - col) ** 2).sum(1).argmin())]
                m = np.zeros((S, S), bool)
                m[p[:, 0], p[:, 1]] = True
                grown = m.copy()  # add the soft edge ring (1 px dilation)
                grown[1:] |= m[:-1]; grown[:-1] |= m[1:]; grown[:, 1:] |= m[:, :-1]; grown[:, :-1] |= m[:, 1:]
                ref = float(np.abs(PALETTE[world.COLOR_NAMES.index(color)] - np.array(world.BACKGROUND)).max())
                a = np.where(grown, np.clip(diff / max(1.0, ref), 0, 1), 0).astype(np.float32)
                shape, size, bx, by = classify(a, S)
                objs.append({"shape": shape, "color": color, "size": size, "cx": float(bx), "cy": float(by),
                             "box": [int(x0), int(y0), int(x1 + 1), int(y1 + 1)]})
    return objs


def match(o, clause):
    return all(o[k] == clause[k] for k in ("shape", "color", "size") if k in clause)


def check_t2i(sample, objs, S):
    """GenEval-style: every clause must hold."""
    ok = True
    found = []
    for c in sample["checks"]:
        if "relation" in c:
            continue
        m = [o for o in objs if match(o, c)]
        ok &= len(m) == c["count"]
        found.append(m)
    for c in sample["checks"]:
        if "relation" in c and ok:
            a, b = found[c["a"]][0], found[c["b"]][0]
            dx, dy = a["cx"] - b["cx"], a["cy"] - b["cy"]
            rel = {"left of": dx < 0 and abs(dx) >= abs(dy), "right of": dx > 0 and abs(dx) >= abs(dy),
                   "above": dy < 0 and abs(dy) > abs(dx), "below": dy > 0 and abs(dy) > abs(dx)}[c["relation"]]
            ok &= rel
    if sample["kind"] == "single_object" or sample["kind"] == "colors":
        ok &= len(objs) == 1
    if sample["kind"] in ("two_object", "color_attr", "position"):
        ok &= len(objs) == 2
    return bool(ok)


def same_objects(a, b):
    key = lambda o: (o["shape"], o["color"])
    return sorted(map(key, a)) == sorted(map(key, b))


def sample_images(tok, codes, seed):
    g = torch.Generator().manual_seed(seed)
    S = tok.cfg.image_size
    ids = torch.tensor(codes)
    noise = torch.randn(len(codes), 3, S, S, generator=g)
    out = []
    for i in range(0, len(codes), 256):
        out.append(tok.sample(ids[i:i + 256], noise[i:i + 256]))
    return to_uint8(torch.cat(out))


def per_kind(flags, kinds):
    res = {}
    for f, k in zip(flags, kinds):
        res.setdefault(k, []).append(f)
    out = {k: round(float(np.mean(v)), 3) for k, v in sorted(res.items())}
    out["overall_mean_of_kinds"] = round(float(np.mean([out[k] for k in res])), 3)
    return out


GRID_PROMPTS = ["a large circle", "a small triangle", "a red square", "a blue circle",
                "a circle and a triangle", "a square and a circle",
                "two red circles", "three blue squares", "four yellow triangles",
                "a green circle left of a purple square", "a orange triangle above a blue circle",
                "a yellow square and a red triangle", "a purple circle and a green square"]


def make_report(tok, llama, tt, val, run_dir, out_dir, n_samples=4, seed=7, n_t2i=300, n_edit=200):
    torch.manual_seed(seed)
    S, T = tok.cfg.image_size, tok.cfg.T
    vo = len(tt)
    dec = Decoder(llama, tt, vo, tok.cfg.codebook_size)
    samples, index, images = val["samples"], val["index"], val["images"].numpy()
    codes = torch.load(os.path.join(run_dir, "codes.pt"))["val"].numpy()
    from .export_lib import CFG_EDIT, CFG_GENERATE
    rep = {}
    g = torch.Generator().manual_seed(seed)
    # ---- text-to-image on held-out prompts
    t2i = [i for i, s in enumerate(samples) if s["task"] == "t2i"][:n_t2i]
    caps = [samples[i]["caption"] for i in t2i]
    kinds = [samples[i]["kind"] for i in t2i]
    gt = [detect(images[index[i]["img"]]) for i in t2i]
    rep["t2i_detector_on_ground_truth"] = per_kind([check_t2i(samples[i], o, S) for i, o in zip(t2i, gt)], kinds)
    rec = sample_images(tok, [codes[index[i]["img"]].tolist() for i in t2i], seed)
    from .export_lib import save_grid
    rows = [[im for j in range(r * 6, r * 6 + 6) for im in (images[index[t2i[j]]["img"]], rec[j])] for r in range(4)]
    save_grid(os.path.join(out_dir, "grid_reconstruction.png"), rows,
              ["ground truth | T-step reconstruction"] * 4)
    rep["t2i_detector_on_tokenizer_reconstructions"] = per_kind(
        [check_t2i(samples[i], detect(im), S) for i, im in zip(t2i, rec)], kinds)
    for mode, scale, kw in (("greedy", CFG_GENERATE, dict(greedy=True)),
                            ("greedy", 1.0, dict(greedy=True)),
                            ("sampled_top64", CFG_GENERATE, dict(greedy=False, top_k=64, generator=g))):
        toks = []
        for i in range(0, len(caps), 200):
            toks += dec.generate(caps[i:i + 200], T, cfg_scale=scale, **kw)
        gen = sample_images(tok, toks, seed + 1)
        rep[f"t2i_accuracy_{mode}_cfg{scale}"] = per_kind(
            [check_t2i(samples[i], detect(im), S) for i, im in zip(t2i, gen)], kinds)
    # ---- grid of prompts
    rows, labels = [], []
    for p in GRID_PROMPTS:
        p = world.fix_articles(p)
        toks = dec.generate([p] * n_samples, T, cfg_scale=CFG_GENERATE, greedy=False, top_k=64, generator=g)
        rows.append(list(sample_images(tok, toks, seed + 2)))
        labels.append(p)
    from .export_lib import save_grid
    save_grid(os.path.join(out_dir, "grid_generate.png"), rows, labels)
    # ---- editing
    ed = [i for i, s in enumerate(samples) if s["task"] == "edit"][:n_edit]
    src = [codes[index[i]["img"]].tolist() for i in ed]
    instr = [samples[i]["instruction"] for i in ed]
    toks = []
    for i in range(0, len(ed), 200):
        toks += dec.edit(src[i:i + 200], instr[i:i + 200], T, cfg_scale=CFG_EDIT)
    gen = sample_images(tok, toks, seed + 3)
    tgt = np.stack([images[index[i]["tgt"]] for i in ed]).astype(np.float32) / 255
    l1 = np.abs(gen.astype(np.float32) / 255 - tgt).reshape(len(ed), -1).mean(1)
    ekinds = [samples[i]["kind"] for i in ed]
    rep["edit_L1x100_greedy"] = {k: round(float(100 * np.mean([l for l, kk in zip(l1, ekinds) if kk == k])), 3)
                                 for k in sorted(set(ekinds))}
    rep["edit_L1x100_greedy"]["all"] = round(float(100 * l1.mean()), 3)
    rep["edit_object_set_correct_greedy"] = per_kind(
        [same_objects(detect(im), samples[i]["target_objects"]) for i, im in zip(ed, gen)], ekinds)
    rows, labels = [], []
    for j in range(12):
        i = ed[j]
        rows.append([images[index[i]["img"]], images[index[i]["tgt"]], gen[j]])
        labels.append(samples[i]["instruction"])
    save_grid(os.path.join(out_dir, "grid_edit.png"), rows, labels)
    # ---- captioning
    cp = [i for i, s in enumerate(samples) if s["task"] == "caption"]
    out = []
    for i in range(0, len(cp), 200):
        sl = cp[i:i + 200]
        out += dec.caption([codes[index[j]["img"]].tolist() for j in sl], [samples[j]["question"] for j in sl])
    ok = [o == samples[i]["answer"] for o, i in zip(out, cp)]
    rep["caption_exact_match_greedy"] = per_kind(ok, [samples[i]["kind"] for i in cp])
    rep["caption_examples"] = [{"question": samples[i]["question"], "answer": samples[i]["answer"], "output": o}
                               for o, i in list(zip(out, cp))[:8]]
    with open(os.path.join(out_dir, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    return rep
