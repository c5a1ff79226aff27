#!/usr/bin/python3
"""One training step in PyTorch from what load_tapegrad_checkpoint.py --save wrote: the test's
way to check that training continues where tapegrad stopped (load_tapegrad_checkpoint.test.ts).

    /usr/bin/python3 test/tools/torch_step.py SAVED.pt BATCH.json

BATCH.json: {"input": {"shape", "data"}, "labels": [...]}. Prints JSON {key: [values]} of the
state dict (parameters and running statistics) after model.train(), cross-entropy, backward and
optimizer.step().
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "torch"))
from load_tapegrad_checkpoint import restore  # noqa: E402

torch.set_num_threads(1)
saved_path, batch_path = sys.argv[1:]
model, optimizer = restore(torch.load(saved_path))
with open(batch_path) as f:
    batch = json.load(f)
x = torch.tensor(batch["input"]["data"], dtype=torch.float32).reshape(batch["input"]["shape"])
model.train()
optimizer.zero_grad()
F.cross_entropy(model(x), torch.tensor(batch["labels"])).backward()
optimizer.step()
json.dump({key: t.detach().reshape(-1).tolist() for key, t in model.state_dict().items()}, sys.stdout)
