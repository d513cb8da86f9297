"""LLaMA-style decoder: RMSNorm, RoPE (rotate-half), SwiGLU, grouped-query attention.

One forward serves training, prefill and cached decode:
  input_ids      (B,S) int64
  attention_mask (B,P+S) int64/float, 1 = real token, 0 = padding (past and new)
  position_ids   (B,S) int64
  past_key/value (B,L,Hkv,P,Dh) float32, P may be 0 (prefill)
-> logits (B,S,V), new_key/value (B,L,Hkv,S,Dh): this call's keys and values only
Query i (absolute slot P+i) attends key slot j iff j <= P+i and attention_mask[b,j] == 1.

The cache is the caller's: serving keeps a fixed-capacity slot per row (batch-major, so the
first n rows of it are one contiguous block) and writes each call's new keys and values into
it, instead of a graph that concatenates and returns the whole cache every step. Attention
reads the past and the new keys as two parts, and grouped-query heads are never expanded to
the query heads' width: queries are grouped onto their KV head instead.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    vocab_size: int = 1073
    dim: int = 256
    n_layers: int = 4
    n_heads: int = 4
    n_kv_heads: int = 2
    hidden: int = 704
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5

    @property
    def head_dim(self):
        return self.dim // self.n_heads


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.wq = nn.Linear(cfg.dim, cfg.n_heads * hd, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wo = nn.Linear(cfg.n_heads * hd, cfg.dim, bias=False)

    def forward(self, x, cos, sin, bias, pk, pv):
        cfg = self.cfg
        B, S, _ = x.shape
        hd, H, Hk = cfg.head_dim, cfg.n_heads, cfg.n_kv_heads
        q = self.wq(x).reshape(B, S, H, hd).transpose(1, 2)
        k = self.wk(x).reshape(B, S, Hk, hd).transpose(1, 2)
        v = self.wv(x).reshape(B, S, Hk, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = H // Hk
        # query head h = j*rep + r reads KV head j: group the queries, not the keys
        qg = q.reshape(B, Hk, rep * S, hd) * (1.0 / math.sqrt(hd))
        # Scores stay (B,Hk,rep*S,keys): no reshape names the past length, which is 0 at prefill
        # and which ONNX's Reshape would read as "copy this dimension".
        past = qg @ pk.transpose(-1, -2)
        new = qg @ k.transpose(-1, -2)
        rows = bias.repeat(1, 1, rep, 1)  # (B,1,rep*S,P+S): each query group sees the row's mask
        a = torch.softmax(torch.cat([past, new], dim=-1) + rows, dim=-1)
        P = pk.shape[2]
        a_past, a_new = a[..., :P], a[..., P:]
        o = (a_past @ pv + a_new @ v).reshape(B, H, S, hd).transpose(1, 2).reshape(B, S, H * hd)
        return self.wo(o), k, v


class Block(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.w1 = nn.Linear(cfg.dim, cfg.hidden, bias=False)
        self.w3 = nn.Linear(cfg.dim, cfg.hidden, bias=False)
        self.w2 = nn.Linear(cfg.hidden, cfg.dim, bias=False)

    def forward(self, x, cos, sin, bias, pk, pv):
        h, k, v = self.attn(self.attn_norm(x), cos, sin, bias, pk, pv)
        x = x + h
        y = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(y)) * self.w3(y)), k, v


class Llama(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.lm_head = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        hd = cfg.head_dim
        inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        self.register_buffer("inv_freq", inv, persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("wo.weight") or n.endswith("w2.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def empty_past(self, B, device=None):
        c = self.cfg
        z = torch.zeros(B, c.n_layers, c.n_kv_heads, 0, c.head_dim, device=device)
        return z, z.clone()

    def forward(self, input_ids, attention_mask, position_ids, past_key, past_value, last_only=False):
        """last_only: the LM head on each row's last position alone, logits (B,1,V); left padding
        makes it every row's newest token. Serving samples nothing else, and at a real vocabulary
        the head over every prompt position is most of a prefill's cost and memory."""
        S = input_ids.shape[1]
        P = past_key.shape[3]  # (B,L,Hkv,P,Dh)
        x = self.tok_emb(input_ids)
        f = position_ids.to(torch.float32)[:, :, None] * self.inv_freq[None, None, :]
        emb = torch.cat([f, f], dim=-1)[:, None]  # (B,1,S,hd)
        cos, sin = torch.cos(emb), torch.sin(emb)
        qi = torch.arange(S, device=input_ids.device).to(torch.float32)
        kj = torch.arange(P + S, device=input_ids.device).to(torch.float32)
        causal = (kj[None, :] <= qi[:, None] + P).to(torch.float32)  # (S,P+S)
        allowed = causal[None, None] * attention_mask.to(torch.float32)[:, None, None, :]
        bias = (allowed - 1.0) * 1e9
        ks, vs = [], []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, cos, sin, bias, past_key[:, i], past_value[:, i])
            ks.append(k)
            vs.append(v)
        if last_only:
            x = x[:, -1:]
        logits = self.lm_head(self.norm(x))
        return logits, torch.stack(ks, dim=1), torch.stack(vs, dim=1)


def config_dict(cfg):
    return asdict(cfg)
