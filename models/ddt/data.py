"""Data sets and LLaMA sequence templates.

Sequence templates (ids; V = visual_offset + code, image spans coarse-first V_T..V_1):
  GENERATE  <bos> <gen> caption... <boi> | V_T .. V_1 <eoi>
  EDIT      <bos> <edit> <boi> src V_T..V_1 <eoi> instruction... <boi> | tgt V_T .. V_1 <eoi>
  CAPTION   <bos> <cap> <boi> V_T..V_1 <eoi> question... <sep> | answer... <eos>
Everything left of '|' is the prompt; the loss covers the tokens right of it.
Prompt dropping (classifier-free guidance): the caption / instruction is removed.
"""
import random

import numpy as np
import torch

from . import world
from .text_tokenizer import TextTokenizer


def image_span(tt, codes, visual_offset):
    """codes: token order V_1..V_T (encoder order); returns <boi> V_T..V_1 <eoi>."""
    return [tt.boi] + [visual_offset + int(c) for c in codes[::-1]] + [tt.eoi]


def generate_prompt(tt, caption):
    return [tt.bos, tt.gen] + (tt.encode(caption) if caption else []) + [tt.boi]


def edit_prompt(tt, src_codes, instruction, visual_offset):
    return ([tt.bos, tt.edit] + image_span(tt, src_codes, visual_offset)
            + (tt.encode(instruction) if instruction else []) + [tt.boi])


def caption_prompt(tt, codes, question, visual_offset):
    return [tt.bos, tt.cap] + image_span(tt, codes, visual_offset) + tt.encode(question) + [tt.sep]


def build_sequence(tt, sample, codes, visual_offset, drop=False):
    """Returns (ids, n_prompt). `codes` is a dict with 'img' (and 'tgt' for edits)."""
    if sample["task"] == "t2i":
        p = generate_prompt(tt, "" if drop else sample["caption"])
        tgt = [visual_offset + int(c) for c in codes["img"][::-1]] + [tt.eoi]
    elif sample["task"] == "edit":
        p = edit_prompt(tt, codes["img"], "" if drop else sample["instruction"], visual_offset)
        tgt = [visual_offset + int(c) for c in codes["tgt"][::-1]] + [tt.eoi]
    else:
        p = caption_prompt(tt, codes["img"], sample["question"], visual_offset)
        tgt = tt.encode(sample["answer"]) + [tt.eos]
    return p + tgt, len(p)


class SceneSet:
    """Samples + rendered images. Image index: per sample 'img' (and 'tgt' for edits)."""

    def __init__(self, image_size, seed, n_t2i, n_edit, n_cap):
        self.samples = world.make_samples(image_size, seed, n_t2i, n_edit, n_cap)
        w = world.World(image_size)
        imgs, self.index = [], []
        for s in self.samples:
            ix = {"img": len(imgs)}
            imgs.append(w.render(s["objects"]))
            if s["task"] == "edit":
                ix["tgt"] = len(imgs)
                imgs.append(w.render(s["target_objects"]))
            self.index.append(ix)
        self.images = np.stack(imgs)  # (N,S,S,3) uint8

    def codes_of(self, i, codes):
        return {k: codes[v] for k, v in self.index[i].items()}


def to_tensor(images_u8):
    """uint8 (N,S,S,3) RGB -> float32 (N,3,S,S) in [-1,1] (pixels/127.5 - 1)."""
    x = torch.from_numpy(np.ascontiguousarray(images_u8)).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


def to_uint8(x):
    """float (N,3,S,S) in [-1,1] -> uint8 (N,S,S,3): round((x+1)*127.5) clipped."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def collate(seqs, pad_id):
    """Right-padded batch: ids, attention_mask, position_ids, targets (-100 = no loss)."""
    L = max(len(s) for s, _ in seqs)
    B = len(seqs)
    ids = torch.full((B, L), pad_id, dtype=torch.long)
    am = torch.zeros((B, L), dtype=torch.long)
    tgt = torch.full((B, L), -100, dtype=torch.long)
    for b, (s, n_prompt) in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s)
        am[b, :len(s)] = 1
        # position j predicts token j+1; loss on target tokens (index >= n_prompt)
        tgt[b, n_prompt - 1:len(s) - 1] = torch.tensor(s[n_prompt:])
    pos = torch.arange(L)[None].repeat(B, 1)
    return ids, am, pos, tgt
