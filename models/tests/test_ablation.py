"""Language-validation ablation: spatial tokenizer, token order, permutations (cheap)."""
import unittest

from _util import *  # noqa: F401,F403
import ablation
from ddt.data import build_sequence
from ddt.spatial_tokenizer import SpatialConfig, SpatialTokenizer
from ddt.text_tokenizer import TextTokenizer


class SpatialTokenizerTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.cfg = SpatialConfig(width=32, codebook_size=64)
        self.tok = SpatialTokenizer(self.cfg).eval()

    def test_shapes_and_range(self):
        self.assertEqual(self.cfg.T, 16)  # the DDT tokenizer's T at 32x32
        x = torch.rand(3, 3, 32, 32) * 2 - 1
        ids = self.tok.encode_ids(x)
        self.assertEqual(tuple(ids.shape), (3, 16))
        self.assertEqual(ids.dtype, torch.int64)
        self.assertTrue(bool(((ids >= 0) & (ids < 64)).all()))
        out = self.tok.decode_ids(ids)
        self.assertEqual(tuple(out.shape), (3, 3, 32, 32))
        loss, rec, commit, ids2 = SpatialTokenizer(self.cfg).train().loss(x)
        self.assertTrue(torch.isfinite(loss))
        self.assertEqual(tuple(ids2.shape), (3, 16))

    def test_trains_through_the_step_the_ddt_tokenizer_uses(self):
        import train  # the ablation's spatial stage calls train.tokenizer_step, DDT keywords and all
        tok = SpatialTokenizer(self.cfg)
        before = [p.detach().clone() for p in tok.parameters()]
        opt = torch.optim.AdamW(tok.parameters(), lr=1e-3)
        imgs = torch.randint(0, 256, (6, 32, 32, 3), dtype=torch.uint8)
        loss, rec, commit, terms = train.tokenizer_step(tok, opt, imgs, 4, torch.Generator().manual_seed(0))
        self.assertTrue(torch.isfinite(loss))
        self.assertEqual(terms, {})
        self.assertFalse(all(torch.equal(p, q) for p, q in zip(tok.parameters(), before)))

    def test_the_ddt_arm_trains_without_shape_supervision(self):
        self.assertGreater(ablation.train.parse([]).shape_weight, 0)  # train.py's default has it ...
        a = ablation.parse([])
        self.assertEqual(ablation.train_args(a).shape_weight, 0.0)  # ... the ablation's arms do not

    def test_raster_order_token_depends_on_its_patch_only(self):
        x = torch.rand(1, 3, 32, 32) * 2 - 1
        z = self.tok.encoder(x)
        for r, c in ((0, 0), (0, 3), (2, 1), (3, 3)):
            y = x.clone()
            y[:, :, 8 * r:8 * r + 8, 8 * c:8 * c + 8] = torch.rand(1, 3, 8, 8) * 2 - 1
            changed = ((self.tok.encoder(y) - z).abs().amax(-1) > 1e-6)[0].nonzero().flatten().tolist()
            self.assertEqual(changed, [4 * r + c])  # row-major: token 4r + c

    def test_uses_the_ddt_codebook_rules(self):
        tok = SpatialTokenizer(self.cfg).train()
        x = torch.rand(8, 3, 32, 32) * 2 - 1
        for _ in range(self.cfg.dead_after + 1):
            tok.loss(x)
        self.assertTrue(torch.allclose(tok.vq.codebook.norm(dim=1), torch.ones(64), atol=1e-5))
        self.assertTrue(((tok.vq.step - tok.vq.last_used) < self.cfg.dead_after).all())


class PermutationTest(unittest.TestCase):
    def test_deterministic_true_permutations(self):
        for mode in ("sequence", "dataset"):
            p = ablation.make_permutations(mode, 50, 16, 3)
            self.assertTrue(np.array_equal(p, ablation.make_permutations(mode, 50, 16, 3)))
            self.assertTrue(np.array_equal(np.sort(p, axis=1), np.tile(np.arange(16), (50, 1))))
            self.assertFalse(np.array_equal(p, ablation.make_permutations(mode, 50, 16, 4)))
        seq = ablation.make_permutations("sequence", 50, 16, 3)
        self.assertGreater(len({tuple(r) for r in seq}), 45)  # one per sequence
        ds = ablation.make_permutations("dataset", 50, 16, 3)
        self.assertEqual(len({tuple(r) for r in ds}), 1)
        self.assertFalse(np.array_equal(ds[0], np.arange(16)))
        self.assertTrue(np.array_equal(ablation.make_permutations("none", 5, 16, 3)[2], np.arange(16)))

    def test_in_order_ddt_sequence_is_the_served_template(self):
        tt = TextTokenizer()
        codes = list(range(100, 116))  # encoder order V_1..V_T
        sample = {"task": "t2i", "caption": "a red circle"}
        ref = build_sequence(tt, sample, {"img": codes}, len(tt))
        got = ablation.t2i_sequence(tt, "a red circle", ablation.ordered_codes("ddt", codes), len(tt))
        self.assertEqual(got, ref)  # coarse first, V_T .. V_1
        sp = ablation.ordered_codes("spatial", codes)
        self.assertEqual(list(sp), codes)  # raster order as encoded

    def test_shuffle_entropy(self):
        self.assertAlmostEqual(ablation.shuffle_entropy([[7] * 16]), 0.0)
        import math
        self.assertAlmostEqual(ablation.shuffle_entropy([list(range(16))]), math.lgamma(17) / 16, places=6)


if __name__ == "__main__":
    unittest.main()
