#!/usr/bin/env python3
"""Re-export a bundle from the checkpoints of a training run.

    /usr/bin/python3 models/export.py [--run-dir models/runs/ddt-tiny-32] [--bundle models/bundles/ddt-tiny-32] [--no-report]
"""
import argparse
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run-dir", default=os.path.join(HERE, "runs", "ddt-tiny-32"))
    p.add_argument("--bundle", default=os.path.join(HERE, "bundles", "ddt-tiny-32"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-report", action="store_true", help="skip the held-out evaluation and grids")
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    from ddt import export_lib
    man = export_lib.export_run(a.run_dir, a.bundle, report=not a.no_report)
    print("exported", a.bundle, "checks:", man["export_checks"]["torch_eager_vs_jit_trace_max_abs_diff"])


if __name__ == "__main__":
    main()
