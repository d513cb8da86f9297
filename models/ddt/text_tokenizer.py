"""Word-level text tokenizer written as a Hugging Face `tokenizer.json`.

Layout of ids: special tokens first (0..9), then the lowercase words of the synthetic
world.  The LLaMA vocabulary appends the visual codes after the text ids (see
`vocab_layout`).  The file follows the `tokenizers` library format (WordLevel model,
Lowercase normalizer, Whitespace pre-tokenizer, no decoder: decoding joins with spaces),
so DJL's HuggingFace tokenizer can load it exactly like a real LLaMA tokenizer file.
"""
import json

from . import world

SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>", "<boi>", "<eoi>", "<gen>", "<edit>", "<cap>", "<sep>"]


class TextTokenizer:
    def __init__(self, words=None):
        words = list(words if words is not None else world.WORDS)
        self.tokens = SPECIALS + words
        self.vocab = {t: i for i, t in enumerate(self.tokens)}
        for s in SPECIALS:
            setattr(self, s.strip("<>"), self.vocab[s])

    def __len__(self):
        return len(self.tokens)

    def encode(self, text):
        return [self.vocab.get(w, self.vocab["<unk>"]) for w in text.lower().split()]

    def decode(self, ids):
        return " ".join(self.tokens[i] for i in ids if 0 <= i < len(self.tokens) and self.tokens[i] not in SPECIALS)

    def to_hf_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": True} for s in SPECIALS],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": None,
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": dict(self.vocab), "unk_token": "<unk>"},
        }

    def save(self, path):
        with open(path, "w") as f:
            json.dump(self.to_hf_json(), f, indent=1)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            d = json.load(f)
        vocab = d["model"]["vocab"]
        toks = sorted(vocab, key=vocab.get)
        assert toks[:len(SPECIALS)] == SPECIALS
        return cls(toks[len(SPECIALS):])
