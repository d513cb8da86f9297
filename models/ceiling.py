"""The reconstruction ceiling of a run's tokenizer: the detector on its reconstructions of held-out
images, under our strict rules and GenEval's, with the T-step sampler and with one decoder call at t = 1.

    /usr/bin/python3 models/ceiling.py --run-dir models/runs/ddt-tiny-32

Measure a tokenizer change on this before training a LLaMA on its tokens (issue 13's figure: the
sampler's GenEval-rules overall). Uses the run's tokenizer.pt and data_val.pt; prints one JSON object.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run-dir", default=os.path.join(HERE, "runs", "ddt-tiny-32"))
    p.add_argument("--data-dir", help="where data_val.pt is (default: the run dir)")
    p.add_argument("--n", type=int, default=300, help="held-out text-to-image images")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    import train
    from ddt import report
    tok, _ = train.load_tokenizer(a.run_dir)
    val = torch.load(os.path.join(a.data_dir or a.run_dir, "data_val.pt"))
    print(json.dumps(report.reconstruction_ceiling(tok, val, a.n)))


if __name__ == "__main__":
    main()
