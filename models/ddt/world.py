"""Synthetic scene world with full ground truth, deterministic by seed.

Scenes hold 1-4 objects (circle, square, triangle; 6 colours; small/large) on a dark
background, placed without overlap.  Three task streams are derived from scenes:

* text-to-image:  caption -> image   (GenEval's six task kinds)
* editing:        source image + instruction -> exact target image
* captioning:     image (+ optional question) -> text

Every sample carries machine-readable metadata (objects with shape, colour, size, rgb,
centre and box in output-image pixels) so that an evaluator can score outputs.
Captions are lowercase and punctuation-free, so whitespace tokenisation is exact.
"""
import math
import random

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ["circle", "square", "triangle"]
COLORS = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (50, 90, 235),
    "yellow": (235, 215, 40),
    "purple": (160, 70, 210),
    "orange": (245, 140, 30),
}
COLOR_NAMES = list(COLORS)
SIZES = {"small": 0.12, "large": 0.19}  # half-extent as a fraction of the image side
BACKGROUND = (28, 28, 28)
NUM_WORDS = ["zero", "one", "two", "three", "four"]
RELATIONS = ["left of", "right of", "above", "below"]
MOVES = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
T2I_KINDS = ["single_object", "two_object", "counting", "colors", "position", "color_attr"]
EDIT_KINDS = ["recolor", "add", "remove", "move"]
CAPTION_KINDS = ["describe", "count", "color"]
REL_MARGIN = 0.2  # min centre distance (fraction of side) along the relation axis
SUPERSAMPLE = 4

# Every word that can appear in a caption, instruction, question or answer.
WORDS = sorted(set(
    SHAPES + [s + "s" for s in SHAPES] + COLOR_NAMES + list(SIZES) + NUM_WORDS
    + "a an and left right of above below".split()
    + "make the add remove move up down".split()
    + "how many what color is".split()))


def fix_articles(text):
    """'a orange circle' -> 'an orange circle'."""
    w = text.split()
    return " ".join("an" if x == "a" and i + 1 < len(w) and w[i + 1][0] in "aeiou" else x
                    for i, x in enumerate(w))


def plural(shape, n):
    return shape if n == 1 else shape + "s"


def obj_phrase(o, color=True, size=False):
    words = ["a"]
    if size:
        words.append(o["size"])
    if color:
        words.append(o["color"])
    words.append(o["shape"])
    return " ".join(words)


def relation(a, b, side):
    """Unambiguous relation of a to b ('left of', ...), or None if ambiguous."""
    dx, dy = a["cx"] - b["cx"], a["cy"] - b["cy"]
    m = REL_MARGIN * side
    if abs(dx) >= abs(dy) and abs(dx) >= m:
        return "left of" if dx < 0 else "right of"
    if abs(dy) > abs(dx) and abs(dy) >= m:
        return "above" if dy < 0 else "below"
    return None


def draw_shape(d, shape, box, k, col):
    x0, y0, x1, y1 = [v * k for v in box]
    if shape == "circle":
        d.ellipse([x0, y0, x1, y1], fill=col)
    elif shape == "square":
        # squares a bit smaller than the box so their area is closer to a circle's
        s = (x1 - x0) * 0.06
        d.rectangle([x0 + s, y0 + s, x1 - s, y1 - s], fill=col)
    else:
        d.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=col)


class World:
    def __init__(self, image_size=32):
        self.S = image_size

    # ----------------------------------------------------------------- objects
    def make_obj(self, shape, color, size, cx, cy):
        h = SIZES[size] * self.S
        return {"shape": shape, "color": color, "size": size, "rgb": list(COLORS[color]),
                "cx": round(cx, 3), "cy": round(cy, 3),
                "box": [round(cx - h, 3), round(cy - h, 3), round(cx + h, 3), round(cy + h, 3)]}

    def _fits(self, box, others, gap=1.0):
        x0, y0, x1, y1 = box
        if x0 < 0.5 or y0 < 0.5 or x1 > self.S - 0.5 or y1 > self.S - 0.5:
            return False
        for o in others:
            a0, b0, a1, b1 = o["box"]
            if not (x1 + gap <= a0 or a1 + gap <= x0 or y1 + gap <= b0 or b1 + gap <= y0):
                return False
        return True

    def place(self, rng, specs, existing=(), tries=200):
        """Place objects given as (shape, color, size) tuples; None if impossible."""
        objs = list(existing)
        for shape, color, size in specs:
            h = SIZES[size] * self.S
            for _ in range(tries):
                cx = rng.uniform(h + 0.5, self.S - h - 0.5)
                cy = rng.uniform(h + 0.5, self.S - h - 0.5)
                o = self.make_obj(shape, color, size, cx, cy)
                if self._fits(o["box"], objs):
                    objs.append(o)
                    break
            else:
                return None
        return objs[len(existing):]

    # ----------------------------------------------------------------- render
    def render(self, objects):
        """RGB uint8 array (S, S, 3); drawn at 4x and box-downsampled."""
        k = SUPERSAMPLE
        big = Image.new("RGB", (self.S * k, self.S * k), BACKGROUND)
        d = ImageDraw.Draw(big)
        for o in objects:
            draw_shape(d, o["shape"], o["box"], k, tuple(o["rgb"]))
        return np.asarray(big.resize((self.S, self.S), Image.BOX), dtype=np.uint8)

    def alpha(self, shape, box):
        """Coverage map (S,S) float32 in [0,1] of one shape (for template matching)."""
        k = SUPERSAMPLE
        big = Image.new("L", (self.S * k, self.S * k), 0)
        draw_shape(ImageDraw.Draw(big), shape, box, k, 255)
        return np.asarray(big.resize((self.S, self.S), Image.BOX), dtype=np.float32) / 255.0

    def shape_map(self, objects):
        """(S,S) uint8: 1 + the index in SHAPES of the object covering each pixel (half coverage or
        more), 0 for the background. A training target only: what a token must carry to keep shapes."""
        out = np.zeros((self.S, self.S), dtype=np.uint8)
        for o in objects:
            out[self.alpha(o["shape"], o["box"]) >= 0.5] = 1 + SHAPES.index(o["shape"])
        return out

    # ----------------------------------------------------------------- scenes
    def random_scene(self, rng, n):
        for _ in range(100):
            specs = [(rng.choice(SHAPES), rng.choice(COLOR_NAMES),
                      "small" if n >= 4 else rng.choice(list(SIZES))) for _ in range(n)]
            objs = self.place(rng, specs)
            if objs is not None:
                return objs
        raise RuntimeError("could not place scene")

    # ----------------------------------------------------------------- text-to-image
    def t2i_sample(self, rng, kind=None):
        kind = kind or rng.choice(T2I_KINDS)
        for _ in range(1000):
            if kind == "single_object":
                shape, color, size = rng.choice(SHAPES), rng.choice(COLOR_NAMES), rng.choice(list(SIZES))
                objs = self.place(rng, [(shape, color, size)])
                caption = f"a {size} {shape}"
                checks = [{"shape": shape, "size": size, "count": 1}]
            elif kind == "colors":
                shape, color, size = rng.choice(SHAPES), rng.choice(COLOR_NAMES), rng.choice(list(SIZES))
                objs = self.place(rng, [(shape, color, size)])
                caption = f"a {color} {shape}"
                checks = [{"shape": shape, "color": color, "count": 1}]
            elif kind == "two_object":
                s1, s2 = rng.sample(SHAPES, 2)
                objs = self.place(rng, [(s1, rng.choice(COLOR_NAMES), rng.choice(list(SIZES))),
                                        (s2, rng.choice(COLOR_NAMES), rng.choice(list(SIZES)))])
                caption = f"a {s1} and a {s2}"
                checks = [{"shape": s1, "count": 1}, {"shape": s2, "count": 1}]
            elif kind == "counting":
                n = rng.randint(2, 4)
                shape, color = rng.choice(SHAPES), rng.choice(COLOR_NAMES)
                size = "small" if n >= 3 else rng.choice(list(SIZES))
                objs = self.place(rng, [(shape, color, size)] * n)
                caption = f"{NUM_WORDS[n]} {color} {plural(shape, n)}"
                checks = [{"shape": shape, "color": color, "count": n}]
            elif kind == "color_attr":
                s1, s2 = rng.sample(SHAPES, 2)
                c1, c2 = rng.sample(COLOR_NAMES, 2)
                objs = self.place(rng, [(s1, c1, rng.choice(list(SIZES))), (s2, c2, rng.choice(list(SIZES)))])
                caption = f"a {c1} {s1} and a {c2} {s2}"
                checks = [{"shape": s1, "color": c1, "count": 1}, {"shape": s2, "color": c2, "count": 1}]
            elif kind == "position":
                a = (rng.choice(SHAPES), rng.choice(COLOR_NAMES), rng.choice(list(SIZES)))
                b = (rng.choice(SHAPES), rng.choice(COLOR_NAMES), rng.choice(list(SIZES)))
                if a[:2] == b[:2]:
                    continue
                objs = self.place(rng, [a, b])
                if objs is None:
                    continue
                rel = relation(objs[0], objs[1], self.S)
                if rel is None:
                    continue
                caption = f"a {a[1]} {a[0]} {rel} a {b[1]} {b[0]}"
                checks = [{"shape": a[0], "color": a[1], "count": 1}, {"shape": b[0], "color": b[1], "count": 1},
                          {"relation": rel, "a": 0, "b": 1}]
            else:
                raise ValueError(kind)
            if objs is not None:
                return {"task": "t2i", "kind": kind, "caption": fix_articles(caption), "objects": objs,
                        "checks": checks}
        raise RuntimeError("could not make sample")

    # ----------------------------------------------------------------- editing
    def _unique(self, objs, o):
        return sum(1 for p in objs if p["shape"] == o["shape"] and p["color"] == o["color"]) == 1

    def edit_sample(self, rng, kind=None):
        kind = kind or rng.choice(EDIT_KINDS)
        for _ in range(1000):
            n = rng.randint(1, 3)
            src = self.random_scene(rng, n)
            if kind == "add":
                spec = (rng.choice(SHAPES), rng.choice(COLOR_NAMES), rng.choice(list(SIZES)))
                new = self.place(rng, [spec], existing=src)
                if new is None:
                    continue
                tgt = src + new
                instr = f"add a {spec[1]} {spec[0]}"
                return self._edit(kind, instr, src, tgt, len(src))
            idx = rng.randrange(n)
            o = src[idx]
            if not self._unique(src, o):
                continue
            if kind == "remove":
                if n == 1:
                    continue
                tgt = src[:idx] + src[idx + 1:]
                return self._edit(kind, f"remove the {o['color']} {o['shape']}", src, tgt, idx)
            if kind == "recolor":
                c = rng.choice([c for c in COLOR_NAMES if c != o["color"]])
                p = self.make_obj(o["shape"], c, o["size"], o["cx"], o["cy"])
                tgt = src[:idx] + [p] + src[idx + 1:]
                if not self._unique(tgt, p):
                    continue
                return self._edit(kind, f"make the {o['color']} {o['shape']} {c}", src, tgt, idx)
            if kind == "move":
                d = rng.choice(list(MOVES))
                step = 0.25 * self.S
                p = self.make_obj(o["shape"], o["color"], o["size"],
                                  o["cx"] + MOVES[d][0] * step, o["cy"] + MOVES[d][1] * step)
                rest = src[:idx] + src[idx + 1:]
                if not self._fits(p["box"], rest):
                    continue
                tgt = src[:idx] + [p] + src[idx + 1:]
                return self._edit(kind, f"move the {o['color']} {o['shape']} {d}", src, tgt, idx)
            raise ValueError(kind)
        raise RuntimeError("could not make edit")

    def _edit(self, kind, instr, src, tgt, idx):
        return {"task": "edit", "kind": kind, "instruction": fix_articles(instr), "objects": src,
                "target_objects": tgt, "edited_index": idx}

    # ----------------------------------------------------------------- captioning
    def describe(self, objs):
        """Canonical description: objects left to right; a relation for two objects."""
        if len(objs) == 2:
            a, b = sorted(objs, key=lambda o: o["cx"])
            rel = relation(a, b, self.S)
            if rel is not None:
                return f"{obj_phrase(a, size=True)} {rel} {obj_phrase(b, size=True)}"
        return " and ".join(obj_phrase(o, size=True) for o in sorted(objs, key=lambda o: o["cx"]))

    def caption_sample(self, rng, kind=None):
        kind = kind or rng.choice(CAPTION_KINDS)
        for _ in range(1000):
            objs = self.random_scene(rng, rng.randint(1, 4))
            if kind == "describe":
                q, a = "", self.describe(objs)
            elif kind == "count":
                shape = rng.choice(SHAPES)
                n = sum(o["shape"] == shape for o in objs)
                q, a = f"how many {shape}s", NUM_WORDS[n]
            elif kind == "color":
                shapes = [o["shape"] for o in objs]
                cand = [o for o in objs if shapes.count(o["shape"]) == 1]
                if not cand:
                    continue
                o = rng.choice(cand)
                q, a = f"what color is the {o['shape']}", o["color"]
            else:
                raise ValueError(kind)
            return {"task": "caption", "kind": kind, "question": q, "answer": fix_articles(a), "objects": objs}
        raise RuntimeError("could not make caption sample")


def make_samples(image_size, seed, n_t2i, n_edit, n_cap):
    """Deterministic list of samples (metadata only; render with World.render)."""
    w = World(image_size)
    rng = random.Random(seed)
    out = []
    for i in range(n_t2i):
        out.append(w.t2i_sample(rng, T2I_KINDS[i % len(T2I_KINDS)]))
    for i in range(n_edit):
        out.append(w.edit_sample(rng, EDIT_KINDS[i % len(EDIT_KINDS)]))
    for i in range(n_cap):
        out.append(w.caption_sample(rng, CAPTION_KINDS[i % len(CAPTION_KINDS)]))
    return out


def texts_of(sample):
    if sample["task"] == "t2i":
        return [sample["caption"]]
    if sample["task"] == "edit":
        return [sample["instruction"]]
    return [sample["question"], sample["answer"]]


# ----------------------------------------------------------------- GenEval-shaped suite
GENEVAL_PROPORTIONS = {"single_object": 80, "two_object": 99, "counting": 80, "colors": 94,
                       "position": 100, "color_attr": 100}  # GenEval's 553 prompts
GENEVAL_IMAGES_PER_PROMPT = 4
SUITE_FORMAT = "ddt-geneval-suite/1"


def geneval_suite(image_size=32, seed=7, proportions=None, attempts=4000):
    """GenEval's six tasks in its proportions, as varied as the world allows (position prompts
    name two different shapes, as GenEval's name two classes).

    Per task, draw `attempts` text-to-image samples and keep one per distinct caption (each
    with its own placed reference scene); the task's prompts walk through the distinct
    captions in a shuffled order, repeating only when the world has fewer captions than the
    task has prompts (single_object: 6). Prompt i's images use seeds seed_i + j, j < 4, and
    no two prompts share a seed.
    """
    w = World(image_size)
    rng = random.Random(seed)
    prompts = []
    for kind, n in (proportions or GENEVAL_PROPORTIONS).items():
        distinct = {}
        for _ in range(attempts):
            s = w.t2i_sample(rng, kind)
            shapes = [c["shape"] for c in s["checks"] if "shape" in c]
            if len(set(shapes)) < len(shapes):
                # GenEval never pairs a class with itself ("a green triangle above a red triangle"):
                # under its rules both clauses take the same largest instance and cannot both hold
                continue
            distinct.setdefault(s["caption"], s)
        captions = sorted(distinct)
        rng.shuffle(captions)
        for i in range(n):
            s = distinct[captions[i % len(captions)]]
            prompts.append({"id": f"{kind}/{i}", "kind": kind, "caption": s["caption"],
                            "seed": 1_000_003 * (len(prompts) + 1) % 2_147_483_000,
                            "checks": s["checks"], "objects": s["objects"]})
    return {"format": SUITE_FORMAT, "images_per_prompt": GENEVAL_IMAGES_PER_PROMPT,
            "image_size": image_size, "world_seed": seed, "prompts": prompts}
