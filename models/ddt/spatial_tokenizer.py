"""Spatial VQ tokenizer: the baseline of the language-validation ablation (models/ablation.py).

The kind of tokenizer the DDT paper contrasts with (VQ patches in raster order, as in
Emu3 / LlamaGen / Chameleon), with the DDT tokenizer's token count and codebook:

  encoder  image (B,3,S,S) in [-1,1] -> z (B,T,D), L2-normalised, T = (S/p)^2 tokens in
           raster order (row-major: token i is patch (i // g, i % g), g = S/p).
           Convolutions with kernel = stride, so token i depends on patch i ONLY (a pure
           spatial token; tests check this).
  vq       the DDT tokenizer's own `VQ` (unit-norm codes, EMA, re-seeding of codes unused
           for `dead_after` steps, commitment loss): the same codebook rules.
  decoder  codes (B,T,D) -> image (B,3,S,S): 3x3 convolutions on the g x g code grid (so
           neighbouring tokens give context), then transposed convolutions up to S.
Loss: ||dec(q) - x||^2 + beta * commitment (plain VQ-VAE, no adversarial or perceptual term).
At S = 32, p = 8: T = 16 tokens, the DDT tokenizer's T; codebook 1,024 x 16 as the DDT one.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tokenizer_model import VQ, TokConfig


@dataclass
class SpatialConfig:
    image_size: int = 32
    patch: int = 8  # pixels per token side: (32/8)^2 = 16 tokens
    codebook_size: int = 1024
    code_dim: int = 16
    width: int = 128
    commit_beta: float = 0.25
    ema_decay: float = 0.99
    dead_after: int = 20

    @property
    def grid(self):
        return self.image_size // self.patch

    @property
    def T(self):
        return self.grid ** 2

    def vq_config(self):
        """The DDT tokenizer's config class carries the VQ rules; only these fields are read."""
        return TokConfig(image_size=self.image_size, patch=self.patch, T=self.T,
                         codebook_size=self.codebook_size, code_dim=self.code_dim,
                         commit_beta=self.commit_beta, ema_decay=self.ema_decay,
                         dead_after=self.dead_after)


def _n_halvings(p):
    n = int(round(math.log2(p)))
    if 2 ** n != p:
        raise ValueError("patch must be a power of two")
    return n


class SpatialEncoder(nn.Module):
    def __init__(self, cfg: SpatialConfig):
        super().__init__()
        n = _n_halvings(cfg.patch)
        W = cfg.width
        chans = [3] + [max(32, W // 2 ** (n - 1 - i)) for i in range(n)]
        layers = []
        for i in range(n):  # kernel 2, stride 2: no overlap between patches
            layers += [nn.Conv2d(chans[i], chans[i + 1], 2, stride=2), nn.GELU()]
        layers += [nn.Conv2d(chans[-1], W, 1), nn.GELU(), nn.Conv2d(W, cfg.code_dim, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, img):
        z = self.net(img)  # (B,D,g,g)
        z = z.flatten(2).transpose(1, 2)  # (B,g*g,D), row-major = raster order
        return F.normalize(z, dim=-1)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.c2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.gelu(self.c1(F.gelu(x))))


class SpatialDecoder(nn.Module):
    def __init__(self, cfg: SpatialConfig):
        super().__init__()
        self.cfg = cfg
        n = _n_halvings(cfg.patch)
        W = cfg.width
        self.inp = nn.Conv2d(cfg.code_dim, W, 1)
        self.mid = nn.Sequential(ResBlock(W), ResBlock(W))
        ups, c = [], W
        for i in range(n):
            c2 = max(32, c // 2)
            ups += [nn.ConvTranspose2d(c, c2, 2, stride=2), nn.GELU(), nn.Conv2d(c2, c2, 3, padding=1), nn.GELU()]
            c = c2
        self.up = nn.Sequential(*ups)
        self.out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, codes):
        g = self.cfg.grid
        x = codes.transpose(1, 2).reshape(codes.shape[0], -1, g, g)
        return self.out(self.up(self.mid(self.inp(x))))


class SpatialTokenizer(nn.Module):
    def __init__(self, cfg: SpatialConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = SpatialEncoder(cfg)
        self.vq = VQ(cfg.vq_config())
        self.decoder = SpatialDecoder(cfg)

    @torch.no_grad()
    def encode_ids(self, img):
        """(B,3,S,S) -> (B,T) int64 code ids in raster order."""
        return self.vq.nearest(self.encoder(img))

    @torch.no_grad()
    def decode_ids(self, ids):
        return self.decoder(self.vq.lookup(ids)).clamp(-1, 1)

    def loss(self, x0, freeze_encoder=False, shape_map=None, terms=None):
        """Reconstruction + commitment. The other keywords are the DDT tokenizer's, passed by the
        training step both share (train.tokenizer_step); this one has no frozen phase and no shape head."""
        assert not freeze_encoder, "the spatial tokenizer has no decoder-only phase"
        z = self.encoder(x0)
        q, ids, commit = self.vq(z)
        rec = F.mse_loss(self.decoder(q), x0)
        return rec + self.cfg.commit_beta * commit, rec, commit, ids


def config_dict(cfg):
    return asdict(cfg)
