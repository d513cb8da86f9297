"""DDT tokenizer: MMDiT encoder -> VQ (EMA, dead-code re-seeding) -> MMDiT diffusion decoder.

Shapes (B batch, N = (S/p)^2 patches, T tokens, D code dim, W width):
  encoder  image (B,3,S,S) in [-1,1] -> z (B,T,D), L2-normalised
  vq       z -> ids (B,T) int64, nearest code by cosine (codes are unit vectors)
  decoder  (x_t (B,3,S,S), t (B,), codes (B,T,D)) -> x0_hat (B,3,S,S)
           at noise level t only tokens 1..ceil(t*T - 1e-4) are visible; the others are
           zeroed (their stream keeps only its position embedding).
Token 1 (index 0) carries the finest detail, token T (index T-1) the coarsest.
Rectified flow: x_t = s(t)*eps + (1-s(t))*x0, loss ||x0_hat - x0||^2 (+ beta * commitment), where
s(t) = shift*t / (1 + (shift-1)*t) is the noise level at timestep t (`noise_shift`; 1 = s(t) = t,
the method's plain schedule). Token visibility follows t, the noise level s(t).
Sampler: t_k = k/steps for k = steps..1; x <- x0_hat + (s(t_{k-1})/s(t_k)) (x - x0_hat).
Nothing here assumes the tiny sizes: image size, patch, T, K, widths are configuration.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .world import BACKGROUND, SHAPES

MASK_EPS = 1e-4
SHAPE_CLASSES = len(SHAPES)  # the shape head's classes; background pixels are not scored


@dataclass
class TokConfig:
    image_size: int = 32
    patch: int = 8
    T: int = 16
    codebook_size: int = 1024
    code_dim: int = 16
    enc_width: int = 128
    enc_layers: int = 3
    enc_heads: int = 4
    dec_width: int = 128
    dec_layers: int = 4
    dec_heads: int = 4
    mlp_ratio: int = 4
    commit_beta: float = 0.25
    ema_decay: float = 0.99
    dead_after: int = 20
    # noise level s(t) = shift*t / (1 + (shift-1)*t): below 1, an intermediate timestep keeps more
    # of the image, so x_t still carries the layout the coarse tokens held once they are hidden
    noise_shift: float = 1.0
    # pixel refinement after the patch head (0 = none): 3x3 convolutions over the unpatchified x0
    # estimate, x_t and `refine_feats` feature maps the patch head also writes; each patch is
    # otherwise predicted from its own token alone, and edges that cross patch borders come out jagged
    refine_channels: int = 0
    refine_feats: int = 8
    # training-only head reading the T quantised codes back into the shape of each object pixel (0 = off;
    # never exported): the reconstruction loss barely cares whether a 10-px blob has corners, so without
    # it the tokens name colours, sizes and places well and shapes poorly. Scored on object pixels only:
    # over all pixels the background (~90 % of them) let the CE fall to 0.2 while shapes stayed at chance
    shape_weight: float = 0.0
    # extra weight of object pixels and their 1-px ring in the reconstruction loss (0 = plain MSE):
    # a rounded corner costs a few pixels of a 32x32 image whose background is most of the loss
    fg_weight: float = 0.0
    # width of a convolutional stem in the encoder (0 = none): two 3x3 convolutions at pixel level whose
    # maps, patch by patch, add to the linear patch embedding; a linear map of 16 pixels sees a
    # corner only as a few values among many, a 3x3 filter sees it as an edge meeting an edge
    enc_stem: int = 0
    aux_weight: float = 0.0  # optional training-only reconstruction head on the tokens (0 = off; not exported)
    aux_hidden: int = 512

    @property
    def n_patches(self):
        return (self.image_size // self.patch) ** 2


def visible_count(t, T):
    """Number of visible tokens at noise level t: ceil(t*T - 1e-4) (float arithmetic)."""
    return torch.ceil(t * T - MASK_EPS)


def weighted_mse(x0_hat, x0, fg_weight):
    """MSE with the pixels of objects and their 1-px ring weighted 1 + fg_weight, normalised by the
    mean weight (a blank image counts like plain MSE)."""
    background = BACKGROUND[0] / 127.5 - 1  # the world's grey, in the [-1, 1] pixel scale
    fg = ((x0 - background).abs().amax(1, keepdim=True) > 0.1).float()
    w = 1 + fg_weight * F.max_pool2d(fg, 3, stride=1, padding=1)
    return ((x0_hat - x0) ** 2 * w).mean() / w.mean()


def noise_level(t, shift):
    """s(t) = shift*t / (1 + (shift-1)*t): the rectified-flow noise level at timestep t (s(0) = 0,
    s(1) = 1; shift 1 gives s(t) = t)."""
    return shift * t / (1 + (shift - 1) * t)


def token_mask(t, T):
    """(B,T) float mask, 1 for tokens 1..ceil(tT-1e-4). Built with float ops (ONNX-safe)."""
    idx = torch.arange(1, T + 1, dtype=torch.float32, device=t.device)
    return (idx[None, :] <= visible_count(t, T)[:, None]).to(torch.float32)


class LN(nn.Module):
    """LayerNorm without learned affine, with explicit ones/zeros (torch 1.13 ONNX pitfall)."""

    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.register_buffer("one", torch.ones(dim), persistent=False)
        self.register_buffer("zero", torch.zeros(dim), persistent=False)

    def forward(self, x):
        return F.layer_norm(x, self.one.shape, self.one, self.zero, self.eps)


def patchify(x, p):
    B, C, H, W = x.shape
    x = x.reshape(-1, C, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(-1, (H // p) * (W // p), C * p * p)


def unpatchify(x, p, S, channels=3):
    g = S // p
    x = x.reshape(-1, g, g, channels, p, p).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(-1, channels, S, S)


def attention(q, k, v, heads):
    B, L, W = q.shape
    dh = W // heads
    q = q.reshape(B, -1, heads, dh).transpose(1, 2)
    k = k.reshape(B, -1, heads, dh).transpose(1, 2)
    v = v.reshape(B, -1, heads, dh).transpose(1, 2)
    a = torch.softmax((q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(dh)), dim=-1)
    return (a @ v).transpose(1, 2).reshape(B, -1, W)


class Stream(nn.Module):
    """Per-stream weights of an MMDiT block."""

    def __init__(self, width, mlp_ratio, adaln):
        super().__init__()
        self.adaln = adaln
        self.ln1 = LN(width) if adaln else nn.LayerNorm(width)
        self.ln2 = LN(width) if adaln else nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(approximate="tanh"),
                                 nn.Linear(mlp_ratio * width, width))
        if adaln:
            self.mod = nn.Linear(width, 6 * width)
            nn.init.zeros_(self.mod.weight)
            nn.init.zeros_(self.mod.bias)


class JointBlock(nn.Module):
    """Two streams (own weights) sharing one joint attention; optional adaLN-Zero."""

    def __init__(self, width, heads, mlp_ratio=4, adaln=False):
        super().__init__()
        self.heads = heads
        self.a = Stream(width, mlp_ratio, adaln)
        self.b = Stream(width, mlp_ratio, adaln)
        self.adaln = adaln

    def forward(self, x, y, c=None):
        n = x.shape[1]
        mods = []
        hs = []
        for s, h in ((self.a, x), (self.b, y)):
            if self.adaln:
                m = s.mod(F.silu(c))[:, None, :].chunk(6, dim=-1)
                mods.append(m)
                hs.append(s.ln1(h) * (1 + m[1]) + m[0])
            else:
                hs.append(s.ln1(h))
        qkv = torch.cat([self.a.qkv(hs[0]), self.b.qkv(hs[1])], dim=1)
        q, k, v = qkv.chunk(3, dim=-1)
        o = attention(q, k, v, self.heads)
        out = []
        for i, (s, h) in enumerate(((self.a, x), (self.b, y))):
            oi = s.proj(o[:, :n] if i == 0 else o[:, n:])
            if self.adaln:
                m = mods[i]
                h = h + m[2] * oi
                h = h + m[5] * s.mlp(s.ln2(h) * (1 + m[4]) + m[3])
            else:
                h = h + oi
                h = h + s.mlp(s.ln2(h))
            out.append(h)
        return out[0], out[1]


class Encoder(nn.Module):
    def __init__(self, cfg: TokConfig):
        super().__init__()
        self.cfg = cfg
        W = cfg.enc_width
        self.patch_embed = nn.Linear(3 * cfg.patch ** 2, W)
        if cfg.enc_stem > 0:
            C = cfg.enc_stem
            self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1), nn.GELU(approximate="tanh"),
                                      nn.Conv2d(C, C, 3, padding=1), nn.GELU(approximate="tanh"))
            self.stem_embed = nn.Linear(C * cfg.patch ** 2, W)
        self.pos = nn.Parameter(torch.randn(cfg.n_patches, W) * 0.1)
        # large query init: with tiny queries all T outputs collapse to one vector per image
        self.queries = nn.Parameter(torch.randn(cfg.T, W))
        self.blocks = nn.ModuleList([JointBlock(W, cfg.enc_heads, cfg.mlp_ratio) for _ in range(cfg.enc_layers)])
        self.norm = nn.LayerNorm(W)
        self.out = nn.Linear(W, cfg.code_dim)

    def forward(self, img):
        x = self.patch_embed(patchify(img, self.cfg.patch)) + self.pos
        if self.cfg.enc_stem > 0:
            x = x + self.stem_embed(patchify(self.stem(img), self.cfg.patch))
        y = self.queries[None].expand(x.shape[0], -1, -1)
        for b in self.blocks:
            x, y = b(x, y)
        return F.normalize(self.out(self.norm(y)), dim=-1)


class VQ(nn.Module):
    """Unit-norm codebook, EMA updates, re-seeding of codes unused for `dead_after` steps."""

    def __init__(self, cfg: TokConfig):
        super().__init__()
        self.cfg = cfg
        cb = F.normalize(torch.randn(cfg.codebook_size, cfg.code_dim), dim=-1)
        self.register_buffer("codebook", cb)
        self.register_buffer("ema_sum", cb.clone())
        self.register_buffer("ema_count", torch.ones(cfg.codebook_size))
        self.register_buffer("last_used", torch.zeros(cfg.codebook_size, dtype=torch.long))
        self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def nearest(self, z):
        return torch.argmax(z @ self.codebook.t(), dim=-1)

    def lookup(self, ids):
        return F.embedding(ids, self.codebook)

    def forward(self, z):
        ids = self.nearest(z.detach())
        q = self.lookup(ids)
        commit = F.mse_loss(z, q.detach())
        if self.training:
            self._update(z.detach().reshape(-1, z.shape[-1]), ids.reshape(-1))
        return z + (q - z).detach(), ids, commit

    @torch.no_grad()
    def _update(self, z, ids):
        K, d = self.cfg.codebook_size, self.cfg.ema_decay
        self.step += 1
        counts = torch.bincount(ids, minlength=K).float()
        sums = torch.zeros_like(self.ema_sum).index_add_(0, ids, z)
        self.ema_count.mul_(d).add_(counts, alpha=1 - d)
        self.ema_sum.mul_(d).add_(sums, alpha=1 - d)
        used = counts > 0
        self.last_used[used] = self.step
        self.codebook.copy_(F.normalize(self.ema_sum, dim=-1))
        dead = (self.step - self.last_used) >= self.cfg.dead_after
        nd = int(dead.sum())
        if nd > 0:
            pick = z[torch.randint(0, z.shape[0], (nd,), device=z.device)]
            self.codebook[dead] = pick
            self.ema_sum[dead] = pick
            self.ema_count[dead] = 1.0
            self.last_used[dead] = self.step


def timestep_embedding(t, dim, scale=1000.0):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = (t * scale)[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


class PixelRefiner(nn.Module):
    """Residual 3x3 convolutions at pixel level over (x0 estimate, feature maps, x_t), modulated by
    the timestep; the last convolution starts at zero, so a refiner added to a trained decoder
    starts as the identity."""

    def __init__(self, width, feats, channels):
        super().__init__()
        self.inp = nn.Conv2d(3 + feats + 3, channels, 3, padding=1)
        self.mod = nn.Linear(width, 2 * channels)
        self.mid = nn.Conv2d(channels, channels, 3, padding=1)
        self.out = nn.Conv2d(channels, 3, 3, padding=1)
        for m in (self.mod, self.out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x0, feats, x_t, c):
        h = F.gelu(self.inp(torch.cat([x0, feats, x_t], dim=1)), approximate="tanh")
        scale, shift = self.mod(F.silu(c))[:, :, None, None].chunk(2, dim=1)
        h = F.gelu(self.mid(h * (1 + scale) + shift), approximate="tanh")
        return x0 + self.out(h)


class Decoder(nn.Module):
    def __init__(self, cfg: TokConfig):
        super().__init__()
        self.cfg = cfg
        W = cfg.dec_width
        self.patch_embed = nn.Linear(3 * cfg.patch ** 2, W)
        self.pos = nn.Parameter(torch.randn(cfg.n_patches, W) * 0.1)
        self.tok_proj = nn.Linear(cfg.code_dim, W)
        self.tok_pos = nn.Parameter(torch.randn(cfg.T, W) * 0.5)
        self.t_mlp = nn.Sequential(nn.Linear(256, W), nn.SiLU(), nn.Linear(W, W))
        self.blocks = nn.ModuleList([JointBlock(W, cfg.dec_heads, cfg.mlp_ratio, adaln=True)
                                     for _ in range(cfg.dec_layers)])
        self.final_norm = LN(W)
        self.final_mod = nn.Linear(W, 2 * W)
        self.final = nn.Linear(W, 3 * cfg.patch ** 2)
        for m in (self.final_mod, self.final):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
        if cfg.refine_channels > 0:
            self.feat = nn.Linear(W, cfg.refine_feats * cfg.patch ** 2)
            self.refine = PixelRefiner(W, cfg.refine_feats, cfg.refine_channels)

    def forward(self, x_t, t, codes):
        cfg = self.cfg
        mask = token_mask(t, cfg.T)
        y = self.tok_proj(codes) * mask[:, :, None] + self.tok_pos
        x = self.patch_embed(patchify(x_t, cfg.patch)) + self.pos
        c = self.t_mlp(timestep_embedding(t, 256))
        for b in self.blocks:
            x, y = b(x, y, c)
        shift, scale = self.final_mod(F.silu(c))[:, None, :].chunk(2, dim=-1)
        h = self.final_norm(x) * (1 + scale) + shift
        x0 = unpatchify(self.final(h), cfg.patch, cfg.image_size)
        if cfg.refine_channels > 0:
            feats = unpatchify(self.feat(h), cfg.patch, cfg.image_size, cfg.refine_feats)
            x0 = self.refine(x0, feats, x_t, c)
        return x0


def shape_ce(logits, shape_map):
    """Cross-entropy of the shape head's (B, len(SHAPES), S, S) logits on the object pixels of
    shape_map (0 = background, 1 + index in SHAPES otherwise); ln 3 is chance. An image without
    objects adds nothing (the CE of a batch without any object pixel is 0)."""
    target = shape_map.long() - 1  # background -> -1, ignored
    if not (target >= 0).any():
        return logits.sum() * 0
    return F.cross_entropy(logits, target, ignore_index=-1)


class DDTTokenizer(nn.Module):
    def __init__(self, cfg: TokConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.vq = VQ(cfg)
        self.decoder = Decoder(cfg)
        if cfg.aux_weight > 0:
            # Optional training aid (off by default, not used for the committed bundle, never
            # exported): an MLP that reconstructs the image from the T quantised codes, giving
            # the encoder a direct gradient while the diffusion decoder still ignores tokens.
            self.aux = nn.Sequential(nn.Linear(cfg.T * cfg.code_dim, cfg.aux_hidden), nn.GELU(),
                                     nn.Linear(cfg.aux_hidden, 3 * cfg.image_size ** 2))
        if cfg.shape_weight > 0:
            self.shape_head = nn.Sequential(nn.Linear(cfg.T * cfg.code_dim, cfg.aux_hidden), nn.GELU(),
                                            nn.Linear(cfg.aux_hidden, SHAPE_CLASSES * cfg.image_size ** 2))

    @torch.no_grad()
    def encode_ids(self, img):
        return self.vq.nearest(self.encoder(img))

    def loss(self, x0, t_hi_frac=0.1, freeze_encoder=False, shape_map=None, terms=None):
        """Training loss; with freeze_encoder the encoder and codebook stay as they are (the decoder
        alone learns, and the token ids of every image, hence a LLaMA trained on them, stay valid).
        shape_map (B,S,S) long, the world's per-pixel shape classes, feeds the shape head where on;
        a dict passed as terms receives the shape head's CE for the log."""
        B = x0.shape[0]
        if freeze_encoder:
            ids = self.encode_ids(x0)
            q, commit = self.vq.lookup(ids), torch.zeros(())
        else:
            q, ids, commit = self.vq(self.encoder(x0))
        u = torch.rand(B, device=x0.device)
        t = torch.sqrt(u)
        t = torch.where(torch.rand(B, device=x0.device) < t_hi_frac, torch.ones_like(t), t)
        t = t.clamp(min=1e-3)
        eps = torch.randn_like(x0)
        s = noise_level(t, self.cfg.noise_shift)[:, None, None, None]
        xt = s * eps + (1 - s) * x0
        x0_hat = self.decoder(xt, t, q)
        rec = F.mse_loss(x0_hat, x0)
        loss = rec if self.cfg.fg_weight <= 0 else weighted_mse(x0_hat, x0, self.cfg.fg_weight)
        loss = loss + self.cfg.commit_beta * commit
        if self.cfg.aux_weight > 0:
            aux = self.aux(q.reshape(B, -1)).reshape(x0.shape)
            loss = loss + self.cfg.aux_weight * F.mse_loss(aux, x0)
        if self.cfg.shape_weight > 0 and not freeze_encoder:
            S = self.cfg.image_size
            ce = shape_ce(self.shape_head(q.reshape(B, -1)).reshape(B, SHAPE_CLASSES, S, S), shape_map)
            loss = loss + self.cfg.shape_weight * ce
            if terms is not None:
                terms["shape_ce"] = float(ce)
        return loss, rec, commit, ids

    def step_ratio(self, k, steps):
        """s(t_{k-1}) / s(t_k): how much of x - x0_hat the Euler step from t_k keeps."""
        shift = self.cfg.noise_shift
        return noise_level((k - 1) / steps, shift) / noise_level(k / steps, shift)

    @torch.no_grad()
    def sample(self, ids, noise, steps=None):
        """T-step (or `steps`) Euler sampler from pure noise given token ids (B,T)."""
        steps = steps or self.cfg.T
        codes = self.vq.lookup(ids)
        x = noise
        B = ids.shape[0]
        for k in range(steps, 0, -1):
            t = torch.full((B,), k / steps, dtype=torch.float32)
            x0 = self.decoder(x, t, codes)
            x = x0 + self.step_ratio(k, steps) * (x - x0)
        return x.clamp(-1, 1)


class DenoiserGraph(nn.Module):
    """Exported denoiser: (x_t, t, tokens int64) -> x0_hat, token lookup inside."""

    def __init__(self, tok: DDTTokenizer):
        super().__init__()
        self.decoder = tok.decoder
        self.register_buffer("codebook", tok.vq.codebook.clone())

    def forward(self, x_t, t, tokens):
        return self.decoder(x_t, t, F.embedding(tokens, self.codebook))


CODE_CHUNK = 4096  # codes compared at once by the exported encoder


def nearest_chunked(z, codebook_t, chunk=CODE_CHUNK):
    """argmax(z @ codebook_t) over the codes, `chunk` codes at a time, so the similarities held
    are (B, T, chunk) whatever the codebook size (65,536 codes x T = 512 would otherwise be 134 MB
    per image). Ties go to the first code, as argmax."""
    best_val, best_id = None, None
    for start in range(0, codebook_t.shape[1], chunk):
        val, idx = (z @ codebook_t[:, start:start + chunk]).max(dim=-1)
        idx = idx + start
        if best_val is None:
            best_val, best_id = val, idx
        else:
            better = val > best_val
            best_val = torch.where(better, val, best_val)
            best_id = torch.where(better, idx, best_id)
    return best_id


class EncoderGraph(nn.Module):
    """Exported encoder: image (B,3,S,S) in [-1,1] -> token ids (B,T) int64."""

    def __init__(self, tok: DDTTokenizer):
        super().__init__()
        self.encoder = tok.encoder
        self.register_buffer("codebook_t", tok.vq.codebook.t().contiguous().clone())

    def forward(self, image):
        return nearest_chunked(self.encoder(image), self.codebook_t)


def config_dict(cfg):
    return asdict(cfg)
