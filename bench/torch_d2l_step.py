#!/usr/bin/env python3
"""PyTorch side of the d2l step bench (bench/src/d2l_step.ts): the chapter's NiN at 224x224 trained
for a few steps on random images, as `python3 torch_d2l_step.py BATCH STEPS THREADS`. Prints one JSON
line: the step times in ms and the process's peak resident set size in KiB.
"""
import json
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from torch_nin import nin_block


def d2l_nin():
    return nn.Sequential(
        nin_block(1, 96, 11, 4, 0), nn.MaxPool2d(3, 2),
        nin_block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2),
        nin_block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2),
        nn.Dropout(0.5), nin_block(384, 10, 3, 1, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


def main():
    batch, steps, threads = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = d2l_nin()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.rand(batch, 1, 224, 224)
    labels = torch.arange(batch) % 10
    times = []
    net.train()
    for _ in range(steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        times.append((time.perf_counter() - start) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "stepMs": times, "maxRssKiB": peak}))


if __name__ == "__main__":
    main()
