"""train.py's tokenizer phases: which run, in what order, and which trains the bundle's noise shift."""
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


if __name__ == "__main__":
    unittest.main()
