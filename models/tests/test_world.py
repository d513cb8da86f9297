import random
import unittest

from _util import *  # noqa: F401,F403
from ddt import world
from ddt.text_tokenizer import TextTokenizer


class WorldTest(unittest.TestCase):
    def test_deterministic_by_seed(self):
        a = world.make_samples(32, 3, 12, 8, 6)
        b = world.make_samples(32, 3, 12, 8, 6)
        c = world.make_samples(32, 4, 12, 8, 6)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        w = world.World(32)
        self.assertTrue((w.render(a[0]["objects"]) == w.render(b[0]["objects"])).all())

    def test_all_task_kinds_and_vocab(self):
        s = world.make_samples(32, 0, 60, 40, 30)
        kinds = {(x["task"], x["kind"]) for x in s}
        for k in world.T2I_KINDS:
            self.assertIn(("t2i", k), kinds)
        for k in world.EDIT_KINDS:
            self.assertIn(("edit", k), kinds)
        for k in world.CAPTION_KINDS:
            self.assertIn(("caption", k), kinds)
        tt = TextTokenizer()
        for x in s:
            for text in world.texts_of(x):
                self.assertEqual(text, text.lower())
                self.assertTrue(all(ch.isalpha() or ch == " " for ch in text), text)
                self.assertNotIn(tt.unk, tt.encode(text), text)

    def test_shape_map_marks_each_object_with_its_shape(self):
        w = world.World(32)
        objs = w.t2i_sample(random.Random(3))["objects"]
        m = w.shape_map(objs)
        self.assertEqual(m.shape, (32, 32))
        for o in objs:
            x0, y0, x1, y1 = o["box"]
            cx, cy = int(o["cx"]), int(o["cy"])
            self.assertEqual(m[cy, cx], 1 + world.SHAPES.index(o["shape"]), o)
        self.assertEqual(set(m.flatten().tolist()) - {0}, {1 + world.SHAPES.index(o["shape"]) for o in objs})
        self.assertGreater((m == 0).sum(), 32 * 32 // 2)  # the background stays 0

    def test_geometry_and_relations(self):
        w = world.World(32)
        rng = random.Random(1)
        for _ in range(200):
            s = w.t2i_sample(rng)
            objs = s["objects"]
            for i, o in enumerate(objs):
                x0, y0, x1, y1 = o["box"]
                self.assertTrue(0 <= x0 < x1 <= 32 and 0 <= y0 < y1 <= 32)
                for p in objs[i + 1:]:  # no overlap
                    a0, b0, a1, b1 = p["box"]
                    self.assertTrue(x1 <= a0 or a1 <= x0 or y1 <= b0 or b1 <= y0)
            if s["kind"] == "position":
                rel = [c for c in s["checks"] if "relation" in c][0]["relation"]
                self.assertEqual(world.relation(objs[0], objs[1], 32), rel)
                self.assertIn(rel, s["caption"])
            if s["kind"] == "counting":
                self.assertEqual(len(objs), world.NUM_WORDS.index(s["caption"].split()[0]))

    def test_geneval_suite_is_varied_and_in_genevals_proportions(self):
        suite = world.geneval_suite(32)
        prompts = suite["prompts"]
        by_kind = {k: [p for p in prompts if p["kind"] == k] for k in world.T2I_KINDS}
        self.assertEqual({k: len(v) for k, v in by_kind.items()}, {"single_object": 80, "two_object": 99, "counting": 80,
                                                                   "colors": 94, "position": 100, "color_attr": 100})
        # every caption the world allows for a task, up to the task's prompt count
        self.assertEqual(len({p["caption"] for p in by_kind["single_object"]}), 6)  # 2 sizes x 3 shapes
        self.assertEqual(len({p["caption"] for p in by_kind["colors"]}), 18)
        self.assertEqual(len({p["caption"] for p in by_kind["counting"]}), 54)  # 3 counts x 6 colours x 3 shapes
        for k in ("position", "color_attr"):
            self.assertEqual(len({p["caption"] for p in by_kind[k]}), 100, k)
        image_seeds = [p["seed"] + j for p in prompts for j in range(suite["images_per_prompt"])]
        self.assertEqual(len(set(image_seeds)), len(image_seeds))
        w = world.World(32)
        for p in by_kind["position"]:  # the reference scene satisfies the prompt; two different shapes
            rel = [c for c in p["checks"] if "relation" in c][0]["relation"]
            self.assertNotEqual(p["checks"][0]["shape"], p["checks"][1]["shape"], p["caption"])
            self.assertEqual(world.relation(p["objects"][0], p["objects"][1], 32), rel)
        self.assertEqual(suite, world.geneval_suite(32))

    def test_edits_are_exact(self):
        w = world.World(32)
        rng = random.Random(2)
        for kind in world.EDIT_KINDS:
            for _ in range(20):
                s = w.edit_sample(rng, kind)
                src, tgt = s["objects"], s["target_objects"]
                words = s["instruction"].split()
                if kind == "add":
                    self.assertEqual(len(tgt), len(src) + 1)
                    self.assertEqual((tgt[-1]["color"], tgt[-1]["shape"]), (words[-2], words[-1]))
                elif kind == "remove":
                    self.assertEqual(len(tgt), len(src) - 1)
                    o = src[s["edited_index"]]
                    self.assertNotIn((o["color"], o["shape"]), [(p["color"], p["shape"]) for p in tgt])
                elif kind == "recolor":
                    i = s["edited_index"]
                    self.assertEqual(tgt[i]["color"], words[-1])
                    self.assertEqual(tgt[i]["box"], src[i]["box"])
                else:
                    i = s["edited_index"]
                    dx, dy = world.MOVES[words[-1]]
                    self.assertAlmostEqual(tgt[i]["cx"] - src[i]["cx"], dx * 8, places=2)
                    self.assertAlmostEqual(tgt[i]["cy"] - src[i]["cy"], dy * 8, places=2)
                self.assertFalse((w.render(src) == w.render(tgt)).all())


if __name__ == "__main__":
    unittest.main()
