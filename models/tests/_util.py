import os
import sys

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if MODELS not in sys.path:
    sys.path.insert(0, MODELS)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(2)
BUNDLE = os.environ.get("DDT_BUNDLE") or os.path.join(MODELS, "bundles", "ddt-tiny-32")  # as the Java side


def arr(t):
    return np.array(t["data"], dtype=t["dtype"]).reshape(t["shape"])


def randomize_(module, seed=0, std=0.05):
    """Give zero-initialised (adaLN-Zero, final) layers random values so every path is live."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            if p.abs().sum() == 0:
                p.copy_(torch.randn(p.shape, generator=g) * std)
    return module
