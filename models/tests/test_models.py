import math
import unittest

from _util import *  # noqa: F401,F403
from ddt.llama import Llama, LlamaConfig, rotate_half
from ddt.tokenizer_model import DDTTokenizer, DenoiserGraph, TokConfig, noise_level, token_mask, visible_count, weighted_mse
from ddt.world import BACKGROUND

BG = BACKGROUND[0] / 127.5 - 1  # the world's grey in the [-1, 1] pixel scale
SMALL = TokConfig(image_size=16, patch=4, T=8, codebook_size=64, enc_width=32, dec_width=32,
                  enc_layers=1, dec_layers=2, enc_heads=2, dec_heads=2, mlp_ratio=2)


class TokenMaskTest(unittest.TestCase):
    def test_visible_count_rule(self):
        T = 16
        for k in range(1, T + 1):  # exact grid points t = k/T show exactly k tokens
            self.assertEqual(int(visible_count(torch.tensor([k / T]), T)), k)
        self.assertEqual(int(visible_count(torch.tensor([0.5 + 0.01]), T)), 9)
        m = token_mask(torch.tensor([1.0, 0.25]), T)
        self.assertEqual(m.sum(1).tolist(), [16.0, 4.0])
        self.assertEqual(m[1, :4].tolist(), [1.0] * 4)

    def test_denoiser_ignores_hidden_tokens(self):
        torch.manual_seed(0)
        tok = randomize_(DDTTokenizer(SMALL)).eval()
        den = DenoiserGraph(tok)
        T = SMALL.T
        x = torch.randn(1, 3, 16, 16)
        ids = torch.randint(0, 64, (1, T))
        for t in (0.3, 0.5, 0.9):
            n = math.ceil(t * T - 1e-4)
            base = den(x, torch.tensor([t]), ids)
            hidden = ids.clone()
            hidden[0, n:] = (hidden[0, n:] + 1) % 64
            self.assertLess(float((den(x, torch.tensor([t]), hidden) - base).abs().max()), 1e-6)
            inside = ids.clone()
            inside[0, n - 1] = (inside[0, n - 1] + 1) % 64
            self.assertGreater(float((den(x, torch.tensor([t]), inside) - base).abs().max()), 1e-4)

    def test_vq_reseeds_dead_codes_and_sampler_runs(self):
        torch.manual_seed(0)
        tok = DDTTokenizer(SMALL)
        tok.train()
        x = torch.rand(8, 3, 16, 16) * 2 - 1
        for _ in range(SMALL.dead_after + 1):
            loss, rec, commit, ids = tok.loss(x)
        self.assertTrue(torch.allclose(tok.vq.codebook.norm(dim=1), torch.ones(64), atol=1e-5))
        self.assertTrue(((tok.vq.step - tok.vq.last_used) < SMALL.dead_after).all())
        tok.eval()
        out = tok.sample(tok.encode_ids(x[:2]), torch.randn(2, 3, 16, 16))
        self.assertEqual(out.shape, (2, 3, 16, 16))
        self.assertLessEqual(float(out.abs().max()), 1.0)


class NoiseScheduleTest(unittest.TestCase):
    def test_noise_level_endpoints_and_shift(self):
        t = torch.tensor([0.0, 0.5, 1.0])
        self.assertEqual(noise_level(t, 1.0).tolist(), [0.0, 0.5, 1.0])
        self.assertTrue(torch.allclose(noise_level(t, 0.25), torch.tensor([0.0, 0.2, 1.0])))

    def test_sampler_with_an_oracle_decoder_stays_on_the_forward_process(self):
        """A fake decoder that returns the true x0: after each step x must be s(t)*eps + (1-s(t))*x0
        at the step's next timestep, for the shifted schedule as for the plain one."""
        for shift in (1.0, 0.3):
            tok = DDTTokenizer(TokConfig(**{**SMALL.__dict__, "noise_shift": shift})).eval()
            x0, eps = torch.rand(2, 3, 16, 16) * 2 - 1, torch.randn(2, 3, 16, 16)
            seen = []

            def oracle(x, t, codes):
                s = noise_level(t[0], shift)
                self.assertTrue(torch.allclose(x, s * eps + (1 - s) * x0, atol=1e-5), f"shift {shift} t {float(t[0])}")
                seen.append(float(t[0]))
                return x0
            tok.decoder.forward = oracle
            out = tok.sample(torch.zeros(2, SMALL.T, dtype=torch.long), eps, steps=4)
            self.assertEqual(seen, [1.0, 0.75, 0.5, 0.25])
            self.assertTrue(torch.allclose(out, x0.clamp(-1, 1), atol=1e-5))


class ForegroundWeightTest(unittest.TestCase):
    """--fg-weight: object pixels and their 1-px ring weigh more, normalised by the mean weight."""
    def test_an_error_on_an_object_costs_more_than_the_same_error_on_the_background(self):
        x0 = torch.full((1, 3, 16, 16), BG)
        x0[:, 0, 4:8, 4:8] = 0.9  # a red square; its 1-px ring spans rows and columns 3..8
        on_obj, off_obj = x0.clone(), x0.clone()
        on_obj[:, 1, 5, 5] += 0.5
        off_obj[:, 1, 13, 13] += 0.5
        self.assertAlmostEqual(float(weighted_mse(off_obj, x0, 0.0)), float(weighted_mse(on_obj, x0, 0.0)), 7)
        self.assertGreater(float(weighted_mse(on_obj, x0, 4.0)), 4 * float(weighted_mse(off_obj, x0, 4.0)))
        ring = x0.clone()
        ring[:, 1, 3, 3] += 0.5  # diagonal neighbour of the corner: background, but inside the ring
        self.assertAlmostEqual(float(weighted_mse(ring, x0, 4.0)), float(weighted_mse(on_obj, x0, 4.0)), 6)

    def test_an_image_of_one_weight_counts_like_plain_mse(self):
        for x0 in (torch.full((2, 3, 8, 8), BG), torch.full((2, 3, 8, 8), 0.9)):  # blank; object everywhere
            x = x0 + 0.1 * torch.randn_like(x0)
            self.assertAlmostEqual(float(weighted_mse(x, x0, 9.0)), float(torch.nn.functional.mse_loss(x, x0)), 6)


class DecoderPhaseTest(unittest.TestCase):
    """The decoder phase (train.py --dec-minutes): a pixel refiner added to a trained decoder, the
    encoder and codebook frozen so that every token id, and a LLaMA trained on them, stay valid."""

    def small(self, **kw):
        return TokConfig(image_size=16, patch=4, T=8, codebook_size=32, enc_width=32, dec_width=32,
                         enc_layers=1, dec_layers=1, enc_heads=2, dec_heads=2, mlp_ratio=2, **kw)

    def test_a_refiner_added_to_a_trained_decoder_starts_as_the_identity(self):
        torch.manual_seed(0)
        plain = randomize_(DDTTokenizer(self.small())).eval()
        refined = DDTTokenizer(self.small(refine_channels=8, refine_feats=4)).eval()
        missing, unexpected = refined.load_state_dict(plain.state_dict(), strict=False)
        self.assertEqual(unexpected, [])
        self.assertTrue(missing and all(k.startswith(("decoder.refine.", "decoder.feat.")) for k in missing))
        x, t, ids = torch.randn(3, 3, 16, 16), torch.tensor([0.2, 0.7, 1.0]), torch.randint(0, 32, (3, 8))
        with torch.no_grad():
            a = plain.decoder(x, t, plain.vq.lookup(ids))
            b = refined.decoder(x, t, refined.vq.lookup(ids))
            self.assertTrue(torch.equal(a, b))
            refined.decoder.refine.out.bias.add_(0.1)  # once trained, it does change the output
            self.assertFalse(torch.equal(a, refined.decoder(x, t, refined.vq.lookup(ids))))

    def test_a_frozen_encoder_step_keeps_every_token_id(self):
        torch.manual_seed(0)
        tok = randomize_(DDTTokenizer(self.small(refine_channels=8)))
        x = torch.rand(16, 3, 16, 16) * 2 - 1
        before = tok.encode_ids(x)
        enc = {k: v.clone() for k, v in tok.encoder.state_dict().items()}
        vq = {k: v.clone() for k, v in tok.vq.state_dict().items()}
        dec = {k: v.clone() for k, v in tok.decoder.state_dict().items()}
        opt = torch.optim.AdamW(tok.decoder.parameters(), lr=1e-2)
        tok.train()
        for _ in range(3):
            loss, rec, commit, _ = tok.loss(x, freeze_encoder=True)
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertTrue(all(torch.equal(v, tok.encoder.state_dict()[k]) for k, v in enc.items()))
        self.assertTrue(all(torch.equal(v, tok.vq.state_dict()[k]) for k, v in vq.items()), "codebook or EMA moved")
        self.assertTrue(torch.equal(before, tok.encode_ids(x)))
        self.assertFalse(all(torch.equal(v, tok.decoder.state_dict()[k]) for k, v in dec.items()))
        # the unfrozen loss does move the codebook (the EMA update): the check above can fail
        tok.loss(x)
        self.assertFalse(all(torch.equal(v, tok.vq.state_dict()[k]) for k, v in vq.items()))

    def test_the_shape_head_sends_the_shape_map_into_the_encoder(self):
        torch.manual_seed(0)
        x = torch.rand(4, 3, 16, 16) * 2 - 1
        shape_map = torch.randint(0, 4, (4, 16, 16))  # 0 background, 1-3 the world's shapes
        grads = {}
        for w in (0.0, 1.0):
            torch.manual_seed(1)
            tok = randomize_(DDTTokenizer(self.small(shape_weight=w))).train()
            self.assertEqual(hasattr(tok, "shape_head"), w > 0)
            torch.manual_seed(2)  # same timesteps and noise for both
            loss, rec, _, _ = tok.loss(x, shape_map=shape_map)
            if w > 0:
                self.assertGreater(float(loss - rec), 1.0)  # the CE over 3 shapes, about ln 3
            loss.backward()
            grads[w] = torch.cat([p.grad.flatten() for p in tok.encoder.parameters() if p.grad is not None])
        self.assertFalse(torch.allclose(grads[0.0], grads[1.0]))

    def test_the_shape_ce_scores_object_pixels_only(self):
        from ddt.tokenizer_model import shape_ce, SHAPE_CLASSES
        g = torch.Generator().manual_seed(4)
        logits = torch.randn(2, SHAPE_CLASSES, 8, 8, generator=g)
        m = torch.zeros(2, 8, 8, dtype=torch.long)
        m[0, 2:5, 2:5], m[1, 6, 1] = 2, 3  # a square and one triangle pixel
        obj = m > 0
        want = -torch.log_softmax(logits, 1).permute(0, 2, 3, 1)[obj].gather(1, (m[obj] - 1)[:, None]).mean()
        self.assertAlmostEqual(float(shape_ce(logits, m)), float(want), places=5)
        # whatever the head says about the background costs nothing ...
        bg = logits.clone()
        bg[:, :, 0, 0] += 5 * torch.randn(2, SHAPE_CLASSES, generator=g)
        self.assertAlmostEqual(float(shape_ce(bg, m)), float(want), places=5)
        # ... while a change at an object pixel does
        ob = logits.clone()
        ob[0, :, 3, 3] += torch.tensor([5.0, -5.0, 0.0])
        self.assertNotAlmostEqual(float(shape_ce(ob, m)), float(want), places=3)
        self.assertEqual(float(shape_ce(logits, torch.zeros_like(m))), 0.0)


class NearestCodeTest(unittest.TestCase):
    def test_chunked_search_is_argmax_with_first_index_on_ties(self):
        from ddt.tokenizer_model import nearest_chunked
        g = torch.Generator().manual_seed(3)
        K = 10000  # not a multiple of the chunk
        cb = torch.nn.functional.normalize(torch.randn(K, 16, generator=g), dim=-1)
        cb[9000] = cb[17]  # a tie across chunks: the first code wins
        cb[300] = cb[299]  # a tie inside a chunk
        z = torch.randn(2, 7, 16, generator=g)
        z[0, 0] = cb[17] * 3
        z[0, 1] = cb[299] * 3
        full = torch.argmax(z @ cb.t(), dim=-1)
        for chunk in (1000, 4096, 10000, 20000):
            self.assertTrue(torch.equal(nearest_chunked(z, cb.t().contiguous(), chunk), full), chunk)
        self.assertEqual(int(full[0, 0]), 17)
        self.assertEqual(int(full[0, 1]), 299)


def expanded_attention_reference(m, ids):
    """The textbook form the graph must equal: K/V heads repeated to the query heads' width
    (query head h reads KV head h // rep), one causal softmax over the whole sequence."""
    c = m.cfg
    x = m.tok_emb(ids)
    B, S = ids.shape
    pos = torch.arange(S)[None]
    f = pos.to(torch.float32)[:, :, None] * m.inv_freq[None, None, :]
    emb = torch.cat([f, f], dim=-1)[:, None]
    cos, sin = torch.cos(emb), torch.sin(emb)
    rep = c.n_heads // c.n_kv_heads
    causal = torch.tril(torch.ones(S, S, dtype=torch.bool))
    for layer in m.layers:
        at, h = layer.attn, layer.attn_norm(x)
        q = at.wq(h).reshape(B, S, c.n_heads, c.head_dim).transpose(1, 2)
        k = at.wk(h).reshape(B, S, c.n_kv_heads, c.head_dim).transpose(1, 2)
        v = at.wv(h).reshape(B, S, c.n_kv_heads, c.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        a = (q @ k.transpose(-1, -2)) / c.head_dim ** 0.5
        a = torch.softmax(a.masked_fill(~causal, float("-inf")), dim=-1)
        x = x + at.wo((a @ v).transpose(1, 2).reshape(B, S, -1))
        y = layer.ffn_norm(x)
        x = x + layer.w2(torch.nn.functional.silu(layer.w1(y)) * layer.w3(y))
    return m.lm_head(m.norm(x))


class LlamaTest(unittest.TestCase):
    def test_grouped_query_attention_equals_expanded_heads(self):
        torch.manual_seed(1)
        m = Llama(LlamaConfig(vocab_size=40, dim=48, n_layers=2, n_heads=6, n_kv_heads=2, hidden=64)).eval()
        ids = torch.randint(0, 40, (2, 7))
        with torch.no_grad():
            got, _, _ = m(ids, torch.ones(2, 7, dtype=torch.long), torch.arange(7)[None].repeat(2, 1), *m.empty_past(2))
            want = expanded_attention_reference(m, ids)
        self.assertLess(float((got - want).abs().max()), 1e-5)

    def test_kv_cache_and_padding(self):
        torch.manual_seed(0)
        cfg = LlamaConfig(vocab_size=50, dim=32, n_layers=2, n_heads=4, n_kv_heads=2, hidden=64)
        m = Llama(cfg).eval()
        ids = torch.randint(0, 50, (1, 9))
        am = torch.ones(1, 9, dtype=torch.long)
        pos = torch.arange(9)[None]
        pk, pv = m.empty_past(1)
        full, _, _ = m(ids, am, pos, pk, pv)
        a, k, v = m(ids[:, :5], am[:, :5], pos[:, :5], pk, pv)
        b, k2, v2 = m(ids[:, 5:], am, pos[:, 5:], k, v)
        self.assertLess(float((full[:, 5:] - b).abs().max()), 1e-5)
        self.assertEqual(tuple(k2.shape), (1, 2, 2, 4, 8))  # this call's keys only: (B, L, Hkv, S, Dh)
        # a slot with spare capacity: slots the mask marks 0 hold junk and change nothing
        junk = torch.randn(1, 2, 2, 3, 8) * 50
        slot_k, slot_v = torch.cat([k, junk], 3), torch.cat([v, junk], 3)
        slot_am = torch.cat([am[:, :5], torch.zeros(1, 3, dtype=torch.long), am[:, 5:]], 1)
        c, _, _ = m(ids[:, 5:], slot_am, pos[:, 5:], slot_k, slot_v)
        self.assertLess(float((full[:, 5:] - c).abs().max()), 1e-5)
        # the same prompt left-padded by 3 in a batch gives the same logits
        pad = torch.cat([torch.zeros(1, 3, dtype=torch.long), ids], 1)
        pam = torch.cat([torch.zeros(1, 3, dtype=torch.long), am], 1)
        ppos = (pam.cumsum(1) - 1).clamp(min=0)
        pk, pv = m.empty_past(1)
        lp, _, _ = m(pad, pam, ppos, pk, pv)
        self.assertLess(float((lp[:, 3:] - full).abs().max()), 1e-5)
        # changing a later token does not change earlier logits (causality)
        ids2 = ids.clone()
        ids2[0, 6] = (ids2[0, 6] + 1) % 50
        f2, _, _ = m(ids2, am, pos, *m.empty_past(1))
        self.assertLess(float((f2[:, :6] - full[:, :6]).abs().max()), 1e-6)
        self.assertGreater(float((f2[:, 6:] - full[:, 6:]).abs().max()), 1e-4)


if __name__ == "__main__":
    unittest.main()
