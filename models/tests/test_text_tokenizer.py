import json
import os
import tempfile
import unittest

from _util import *  # noqa: F401,F403
from ddt import world
from ddt.text_tokenizer import SPECIALS, TextTokenizer


class TextTokenizerTest(unittest.TestCase):
    def test_hf_json_format_and_roundtrip(self):
        tt = TextTokenizer()
        d = tt.to_hf_json()
        self.assertEqual(d["model"]["type"], "WordLevel")
        self.assertEqual(d["pre_tokenizer"], {"type": "Whitespace"})
        self.assertEqual(d["normalizer"], {"type": "Lowercase"})
        self.assertEqual([a["content"] for a in d["added_tokens"]], SPECIALS)
        for a in d["added_tokens"]:
            self.assertEqual(d["model"]["vocab"][a["content"]], a["id"])
            self.assertTrue(a["special"])
        ids = sorted(d["model"]["vocab"].values())
        self.assertEqual(ids, list(range(len(tt))))  # dense ids
        with tempfile.TemporaryDirectory() as t:
            p = os.path.join(t, "tokenizer.json")
            tt.save(p)
            t2 = TextTokenizer.load(p)
            self.assertEqual(t2.vocab, tt.vocab)
        text = "a blue square left of a green triangle"
        self.assertEqual(tt.decode(tt.encode(text.upper())), text)
        self.assertEqual(tt.encode("a zebra"), [tt.vocab["a"], tt.unk])
        self.assertEqual(set(world.WORDS), set(tt.vocab) - set(SPECIALS))

    def test_bundle_tokenizer_matches_code(self):
        p = os.path.join(BUNDLE, "tokenizer.json")
        if not os.path.exists(p):
            self.skipTest("no bundle")
        with open(p) as f:
            self.assertEqual(json.load(f), json.loads(json.dumps(TextTokenizer().to_hf_json())))


if __name__ == "__main__":
    unittest.main()
