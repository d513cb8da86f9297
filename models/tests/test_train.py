"""train.py's tokenizer phases (which run, in what order, which trains the bundle's noise shift) and
its LLaMA step on a batch cut by length."""
import unittest

from _util import *  # noqa: F401,F403
import train


def phases(*argv):
    return [(name, " ".join(extra)) for name, extra in train.tokenizer_phases(train.parse(list(argv)))]


class TokenizerPhasesTest(unittest.TestCase):
    def test_from_scratch_two_token_phases_the_last_on_the_shift(self):
        self.assertEqual(phases("--noise-shift", "0.12"), [
            ("tokens", "--noise-shift 1"),
            ("tokens-2", "--tok-resume --tok-minutes 72.0 --tok-lr 0.0004")])

    def test_a_decoder_phase_comes_last_and_alone_trains_the_shift(self):
        got = phases("--dec-minutes", "20", "--noise-shift", "0.12")
        self.assertEqual([n for n, _ in got], ["tokens", "tokens-2", "decoder"])
        self.assertTrue(got[0][1].endswith("--noise-shift 1") and got[1][1].endswith("--noise-shift 1"))
        self.assertEqual(got[2][1], "--tok-resume --freeze-encoder --tok-minutes 20.0 --tok-lr 0.0004")

    def test_from_a_bundle_its_tokenizer_first_then_only_the_phases_with_minutes(self):
        self.assertEqual(phases("--init-bundle", "b", "--tok-minutes", "0", "--dec-minutes", "30"), [
            ("from-bundle", "--noise-shift 1"),
            ("decoder", "--tok-resume --freeze-encoder --tok-minutes 30.0 --tok-lr 0.0004")])
        self.assertEqual([n for n, _ in phases("--init-bundle", "b", "--tok-minutes", "5")], ["from-bundle", "tokens"])


class LlamaStepTest(unittest.TestCase):
    def test_a_batch_cut_by_length_takes_the_step_of_the_uncut_batch(self):
        import random
        import torch
        from ddt.data import collate
        from ddt.llama import Llama, LlamaConfig
        cfg = LlamaConfig(vocab_size=50, dim=32, n_layers=2, n_heads=4, n_kv_heads=2, hidden=64)
        rng = random.Random(0)
        seqs = []
        for n in (6, 14, 9, 20, 7, 11, 16):  # lengths and prompt lengths as mixed as the tasks'
            seqs.append(([rng.randrange(1, 50) for _ in range(n)], rng.randrange(2, n - 1)))
        pieces = train.by_length(seqs, 0, 3)
        self.assertEqual([p[0].shape for p in pieces], [(2, 7), (3, 14), (2, 20)])  # sorted, padded per piece
        steps = []
        for batch in (collate(seqs, 0), pieces):
            torch.manual_seed(0)
            model = Llama(cfg)
            opt = train.llama_optimizer(model, 1e-2)
            loss, _ = train.llama_step(model, opt, batch)
            steps.append((float(loss), torch.cat([p.detach().flatten() for p in model.parameters()])))
        self.assertAlmostEqual(steps[0][0], steps[1][0], places=5)
        self.assertLess(float((steps[0][1] - steps[1][1]).abs().max()), 1e-4)  # Adam moves each by about the lr, 1e-2
        torch.manual_seed(0)
        start = torch.cat([p.detach().flatten() for p in Llama(cfg).parameters()])  # the init both started from
        self.assertGreater(float((start - steps[0][1]).abs().max()), 1e-3)  # the step moved the weights


if __name__ == "__main__":
    unittest.main()
