"""Reference inference (the contract the Java engines reproduce).

LLaMA decoding with KV cache and classifier-free guidance:
  * rows of a batch are LEFT-padded to a common length; attention_mask is 0 on pads;
    position_ids = max(cumsum(attention_mask) - 1, 0) (pads get 0, real tokens 0,1,2,..);
  * prefill with an empty past (past length 0), then one token per step, appending 1 to
    the attention mask and position = last position + 1; the graph returns only each call's
    keys and values, which the caller appends to its cache (here by concatenation);
  * CFG: each request runs two rows, conditional and unconditional (caption / instruction
    removed); guided = uncond + scale * (cond - uncond) on the logits of the last position;
    the chosen token is fed to both rows;
  * image spans: exactly T tokens, each restricted to the visual range (other logits set to
    -inf); <eoi> is then appended by the caller (not sampled);
  * text answers: restricted to word ids + <eos>; stop at <eos> or max_new tokens;
  * greedy = argmax (first index of the maximum); sampling = softmax(guided / temperature)
    restricted to the top_k logits, drawn with the caller's RNG.
"""
import torch

from .data import caption_prompt, edit_prompt, generate_prompt
from .text_tokenizer import SPECIALS


def left_pad(prompts, pad_id):
    L = max(len(p) for p in prompts)
    B = len(prompts)
    ids = torch.full((B, L), pad_id, dtype=torch.long)
    am = torch.zeros((B, L), dtype=torch.long)
    for b, p in enumerate(prompts):
        ids[b, L - len(p):] = torch.tensor(p)
        am[b, L - len(p):] = 1
    pos = (am.cumsum(1) - 1).clamp(min=0)
    return ids, am, pos


class Decoder:
    def __init__(self, model, tt, visual_offset, codebook_size):
        self.m, self.tt, self.vo, self.K = model, tt, visual_offset, codebook_size
        V = model.cfg.vocab_size
        self.visual_allowed = torch.zeros(V, dtype=torch.bool)
        self.visual_allowed[visual_offset:visual_offset + codebook_size] = True
        self.text_allowed = torch.zeros(V, dtype=torch.bool)
        self.text_allowed[len(SPECIALS):visual_offset] = True
        self.text_allowed[tt.eos] = True

    @torch.no_grad()
    def run(self, cond, uncond, n_new, allowed, cfg_scale=1.0, greedy=True, temperature=1.0, top_k=0,
            generator=None, stop_id=None, trace=None):
        """cond: list of prompts; uncond: list (same length) or None. Returns list of new-token lists."""
        n = len(cond)
        use_cfg = uncond is not None and cfg_scale != 1.0
        prompts = list(cond) + (list(uncond) if use_cfg else [])
        ids, am, pos = left_pad(prompts, self.tt.pad)
        pk, pv = self.m.empty_past(ids.shape[0])
        self.m.eval()
        logits, pk, pv = self.m(ids, am, pos, pk, pv)  # prefill: the new keys are the whole cache
        out = [[] for _ in range(n)]
        done = torch.zeros(n, dtype=torch.bool)
        last_pos = pos[:, -1]
        for step in range(n_new):
            lg = logits[:, -1, :]
            g = lg[n:] + cfg_scale * (lg[:n] - lg[n:]) if use_cfg else lg[:n]
            g = g.masked_fill(~allowed, float("-inf"))
            if greedy:
                nxt = torch.argmax(g, dim=-1)
            else:
                g = g / temperature
                if top_k:
                    kth = torch.topk(g, top_k, dim=-1).values[:, -1:]
                    g = g.masked_fill(g < kth, float("-inf"))
                nxt = torch.multinomial(torch.softmax(g, dim=-1), 1, generator=generator)[:, 0]
            if trace is not None:
                trace.append({"step": step, "guided_logits_max": float(g.max()), "token": nxt.tolist()})
            for b in range(n):
                if not done[b]:
                    out[b].append(int(nxt[b]))
                    if stop_id is not None and int(nxt[b]) == stop_id:
                        done[b] = True
            if bool(done.all()) or step == n_new - 1:
                break
            feed = torch.cat([nxt, nxt]) if use_cfg else nxt
            am = torch.cat([am, torch.ones(am.shape[0], 1, dtype=torch.long)], dim=1)
            last_pos = last_pos + 1
            logits, nk, nv = self.m(feed[:, None], am, last_pos[:, None], pk, pv)
            pk, pv = torch.cat([pk, nk], dim=3), torch.cat([pv, nv], dim=3)
        return out

    def visual_to_codes(self, toks):
        """LLM order V_T..V_1 (ids) -> denoiser order V_1..V_T (codes)."""
        return [t - self.vo for t in toks][::-1]

    def generate(self, captions, T, **kw):
        cond = [generate_prompt(self.tt, c) for c in captions]
        unc = [generate_prompt(self.tt, "") for _ in captions]
        res = self.run(cond, unc, T, self.visual_allowed, **kw)
        return [self.visual_to_codes(r) for r in res]

    def edit(self, src_codes, instructions, T, **kw):
        cond = [edit_prompt(self.tt, s, i, self.vo) for s, i in zip(src_codes, instructions)]
        unc = [edit_prompt(self.tt, s, "", self.vo) for s in src_codes]
        res = self.run(cond, unc, T, self.visual_allowed, **kw)
        return [self.visual_to_codes(r) for r in res]

    def caption(self, codes, questions, max_new=32, **kw):
        kw = dict(kw)
        kw.pop("cfg_scale", None)
        cond = [caption_prompt(self.tt, c, q, self.vo) for c, q in zip(codes, questions)]
        res = self.run(cond, None, max_new, self.text_allowed, stop_id=self.tt.eos, **kw)
        return [self.tt.decode([t for t in r if t != self.tt.eos]) for r in res]
