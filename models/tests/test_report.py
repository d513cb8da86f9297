import unittest

from _util import *  # noqa: F401,F403
from ddt import report, world


def obj(shape, color, x0, y0, x1, y1, size="small"):
    return {"shape": shape, "color": color, "size": size, "cx": (x0 + x1) / 2, "cy": (y0 + y1) / 2,
            "box": [x0, y0, x1, y1]}


class GenEvalModeTest(unittest.TestCase):
    """check_geneval against GenEval's published rules, beside the strict mode on the same scenes."""

    def test_at_least_counts_and_other_shapes_ignored(self):
        s = {"kind": "two_object", "checks": [{"shape": "circle", "count": 1}, {"shape": "square", "count": 1}]}
        scene = [obj("circle", "red", 2, 2, 8, 8), obj("square", "blue", 20, 20, 26, 26),
                 obj("circle", "green", 12, 2, 18, 8), obj("triangle", "red", 2, 20, 8, 26)]
        self.assertTrue(report.check_geneval(s, scene))
        self.assertFalse(report.check_t2i(s, scene, 32))  # strict: exact totals
        self.assertFalse(report.check_geneval(s, scene[:1]))  # no square

    def test_counting_is_exact(self):
        s = {"kind": "counting", "checks": [{"shape": "circle", "color": "red", "count": 2}]}
        two = [obj("circle", "red", 2, 2, 8, 8), obj("circle", "red", 20, 2, 26, 8)]
        self.assertTrue(report.check_geneval(s, two))
        self.assertFalse(report.check_geneval(s, two + [obj("circle", "red", 2, 20, 8, 26)]))
        self.assertTrue(report.check_geneval(s, two + [obj("square", "red", 2, 20, 8, 26)]))

    def test_colour_is_judged_on_the_largest_instance(self):
        s = {"kind": "colors", "checks": [{"shape": "circle", "color": "red", "count": 1}]}
        big_red = obj("circle", "red", 2, 2, 14, 14, "large")
        small_blue = obj("circle", "blue", 20, 20, 26, 26)
        self.assertTrue(report.check_geneval(s, [small_blue, big_red]))
        self.assertFalse(report.check_geneval(s, [big_red.copy() | {"color": "blue"}, small_blue | {"color": "red"}]))

    def test_position_uses_the_published_formula(self):
        s = {"kind": "position", "checks": [{"shape": "circle", "color": "red", "count": 1},
                                           {"shape": "square", "color": "blue", "count": 1},
                                           {"relation": "left of", "a": 0, "b": 1}]}
        b = obj("square", "blue", 20, 10, 26, 16)
        # 14 px left, 2 px down: |dx| - 0.1 (6 + 6) = 12.8, normalised by |(14, 2)| = 0.91 > 0.5
        self.assertTrue(report.check_geneval(s, [obj("circle", "red", 6, 12, 12, 18), b]))
        # 4 px left, 4 px down: r_x = (4 - 1.2) / 5.66 = 0.49, not past 0.5 (a 60-degree cone, not 90)
        self.assertFalse(report.check_geneval(s, [obj("circle", "red", 16, 14, 22, 20), b]))
        self.assertEqual(report.geneval_relations(b, obj("circle", "red", 6, 12, 12, 18)), {"right of"})

    def test_ground_truth_scenes_pass_both_modes(self):
        # geneval is the lenient mode: a scene strict passes, it passes (the suite's prompts name
        # distinct shapes, as GenEval's name distinct classes)
        w = world.World(32)
        suite = world.geneval_suite(32, attempts=300)
        strict_ok = geneval_ok = n = 0
        for p in suite["prompts"][::3]:
            sample = {"kind": p["kind"], "checks": p["checks"]}
            found = report.detect(w.render(p["objects"]))
            strict, geneval = report.check_t2i(sample, found, 32), report.check_geneval(sample, found)
            self.assertTrue(geneval or not strict, p["caption"])
            strict_ok += strict
            geneval_ok += geneval
            n += 1
        self.assertGreaterEqual(strict_ok / n, 0.95)
        self.assertGreaterEqual(geneval_ok / n, 0.95)


if __name__ == "__main__":
    unittest.main()
