#!/usr/bin/env python3
"""PyTorch side of tapegrad's bench: the same NiN, driven one step at a time over JSON lines.

Started by bench/src/torch_runner.ts as `python3 torch_nin.py THREADS`. Each stdin line is a
request, each stdout line its reply:
  {"cmd": "init", "name": ..., "spec": {...}, "path": RAW}  -> {"version", "threads"}
      builds the network of `spec` (as bench/src/networks.ts) and loads RAW: every conv's weight
      (OIHW) and bias in layer order, then x (NCHW), then the labels, all little-endian float32.
  {"cmd": "train", "name": ...}  -> {"ms", "value": loss}   forward, cross-entropy, backward, Adam
  {"cmd": "infer", "name": ...}  -> {"ms", "value": logits}  eval mode, no grad
Times are measured here, around the step only.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def nin_block(inputs, outputs, kernel, stride, padding):
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, kernel, stride, padding), nn.ReLU(),
        nn.Conv2d(outputs, outputs, 1), nn.ReLU(),
        nn.Conv2d(outputs, outputs, 1), nn.ReLU())


def build(spec):
    layers = []
    for layer in spec["layers"]:
        if layer["kind"] == "block":
            layers.append(nin_block(layer["inChannels"], layer["outChannels"], layer["kernel"], layer["stride"], layer["padding"]))
        elif layer["kind"] == "maxPool":
            layers.append(nn.MaxPool2d(layer["kernel"], layer["stride"]))
        else:
            layers.append(nn.Dropout(layer["p"]))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def load(spec, path):
    net = build(spec)
    raw = torch.from_numpy(np.fromfile(path, dtype="<f4"))
    at = 0

    def take(count):
        nonlocal at
        at += count
        return raw[at - count:at]

    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.copy_(take(module.weight.numel()).view_as(module.weight))
                module.bias.copy_(take(module.bias.numel()))
    c, h, w = spec["input"]
    x = take(spec["batch"] * c * h * w).view(spec["batch"], c, h, w).clone()
    labels = take(spec["batch"]).long()
    return net, torch.optim.Adam(net.parameters(), lr=1e-3), x, labels


def main():
    torch.set_num_threads(int(sys.argv[1]))
    nets = {}
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request["cmd"]
        if cmd == "init":
            nets[request["name"]] = load(request["spec"], request["path"])
            reply = {"version": torch.__version__, "threads": torch.get_num_threads()}
        else:
            net, optimizer, x, labels = nets[request["name"]]
            start = time.perf_counter()
            if cmd == "train":
                net.train()
                optimizer.zero_grad()
                loss = F.cross_entropy(net(x), labels)
                loss.backward()
                optimizer.step()
                value = loss.item()
            else:
                net.eval()
                with torch.no_grad():
                    value = net(x).flatten().tolist()
            reply = {"ms": (time.perf_counter() - start) * 1000, "value": value}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
