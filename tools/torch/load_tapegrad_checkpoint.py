#!/usr/bin/python3
"""Load a tapegrad checkpoint into the same PyTorch model, check its logits against tapegrad's,
and save it for PyTorch: the way from tapegrad to a PyTorch cluster (docs/way-out.md).

    /usr/bin/python3 tools/torch/load_tapegrad_checkpoint.py CHECKPOINT.safetensors [--save OUT.pt]

A checkpoint of `nin train --save` (metadata: variant, widths, numClasses, inputSize) becomes
tools/torch/d2l_models.py's nin; one whose metadata @tapegrad/vision's encodeVisionModelInfo
wrote (tapegrad.vision.model, tapegrad.vision.options, inputSize) becomes that model. The tensors
load with load_state_dict(strict=True): PyTorch's keys are tapegrad's. An optimizer state saved
with the model (optimizer.state.<i>.<name> tensors, tapegrad.optimizer metadata) becomes the
same torch.optim optimizer's state_dict, so training continues where tapegrad stopped.

The check runs seeded random images through both: tapegrad's side is
`node tools/torch/tapegrad_logits.mjs CHECKPOINT` (the built packages: `npm run build` first),
or a JSON file it wrote (--logits FILE); it passes when max |torch - tapegrad| is at most
--tolerance (1e-4) times max |tapegrad|. Exit status: 0 when the logits agree (or --no-check),
1 when they do not, 2 when the checkpoint or an argument is wrong.

--save OUT.pt writes torch.save({"model": state_dict, "optimizer": state_dict or None,
"optimizer_type", "model_name", "model_options", "input_size", "metadata"}); restore(torch.load(OUT.pt))
gives the model and optimizer back.

Needs Debian's PyTorch: apt-get install -y python3-torch (and call /usr/bin/python3).
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import d2l_models  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OPTIMIZER_PREFIX = "optimizer."
OPTIMIZER_METADATA = "tapegrad.optimizer"
DTYPES = {"F32": (np.dtype("<f4"), torch.float32), "F64": (np.dtype("<f8"), torch.float64),
          "F16": (np.dtype("<f2"), torch.float16), "I64": (np.dtype("<i8"), torch.int64),
          "I32": (np.dtype("<i4"), torch.int32)}
OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW, "RMSprop": torch.optim.RMSprop}


class CheckpointError(Exception):
    """A checkpoint or argument problem, reported as 'PATH: why' with exit status 2."""


def read_safetensors(path):
    """(tensors by name in file order, metadata) of a safetensors file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise CheckpointError("%s: cannot read it (%s)" % (path, error.strerror))
    if len(data) < 8:
        raise CheckpointError("%s: not a safetensors file (%d bytes, shorter than its 8-byte header length)" % (path, len(data)))
    (n,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError("%s: not a safetensors file (its header is not JSON)" % path)
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        if info.get("dtype") not in DTYPES:
            raise CheckpointError("%s: tensor '%s' has dtype %s, which this script does not read" % (path, name, info.get("dtype")))
        np_dtype, torch_dtype = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        if end > len(body):
            raise CheckpointError("%s: tensor '%s' ends past the end of the file (truncated?)" % (path, name))
        array = np.frombuffer(body[begin:end], dtype=np_dtype).reshape(info["shape"]).copy()
        tensors[name] = torch.from_numpy(array).to(torch_dtype)
    return tensors, metadata


def model_of(metadata, path):
    """(name, options, input size) of the model the metadata describes."""
    if "tapegrad.vision.model" in metadata:
        name = metadata["tapegrad.vision.model"]
        if name not in d2l_models.MODELS:
            raise CheckpointError("%s: names model '%s', not one of %s" % (path, name, ", ".join(d2l_models.MODELS)))
        options = json.loads(metadata.get("tapegrad.vision.options", "{}"))
    elif "variant" in metadata:
        name = "nin"
        options = {"variant": metadata["variant"]}
        if "widths" in metadata:
            options["widths"] = json.loads(metadata["widths"])
        if "numClasses" in metadata:
            options["numClasses"] = int(metadata["numClasses"])
    else:
        raise CheckpointError("%s: its metadata names no model (neither 'tapegrad.vision.model' nor nin's 'variant'); "
                              "save it with @tapegrad/vision's encodeVisionModelInfo as metadata" % path)
    size = metadata.get("inputSize")
    if size is None and name == "nin":
        size = 224 if options["variant"] == "d2l" else 28
    if size is None or not re.fullmatch(r"[1-9]\d*", str(size)):
        raise CheckpointError("%s: metadata 'inputSize' must be a positive integer, got %r" % (path, size))
    return name, options, int(size)


def snake_case(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def optimizer_of(model, tensors, metadata, path):
    """The torch.optim optimizer tapegrad's state describes, with that state loaded; or None."""
    if OPTIMIZER_METADATA not in metadata:
        return None
    meta = json.loads(metadata[OPTIMIZER_METADATA])
    kind = meta["type"]
    if kind not in OPTIMIZERS:
        raise CheckpointError("%s: optimizer %s has no PyTorch counterpart here (known: %s)" % (path, kind, ", ".join(OPTIMIZERS)))
    params = list(model.parameters())
    shapes = [list(p.shape) for p in params]
    if meta["paramShapes"] != shapes:
        raise CheckpointError("%s: the optimizer state is for parameters %s, the model has %s" % (path, meta["paramShapes"], shapes))
    options = {snake_case(k): (tuple(v) if isinstance(v, list) else v) for k, v in meta["options"].items()}
    optimizer = OPTIMIZERS[kind](params, **options)
    state = {}
    for key, t in tensors.items():
        match = re.fullmatch(r"state\.(\d+)\.(\w+)", key)
        if not match:
            raise CheckpointError("%s: optimizer tensor '%s%s' is not of the form %sstate.<i>.<name>" % (path, OPTIMIZER_PREFIX, key, OPTIMIZER_PREFIX))
        state.setdefault(int(match.group(1)), {})[match.group(2)] = t
    for key, value in meta["scalars"].items():
        index, name = re.fullmatch(r"state\.(\d+)\.(\w+)", key).groups()
        # torch 1.13 keeps Adam's, AdamW's and RMSprop's step count as a float tensor.
        state.setdefault(int(index), {})[name] = torch.tensor(float(value))
    group = dict(optimizer.state_dict()["param_groups"][0])
    optimizer.load_state_dict({"state": state, "param_groups": [group]})
    return optimizer


def restore(saved):
    """(model, optimizer or None) from what --save wrote, as torch.load returns it: the way to
    continue training (docs/way-out.md)."""
    model = d2l_models.MODELS[saved["model_name"]](**saved["model_options"])
    model.load_state_dict(saved["model"])
    optimizer = None
    if saved["optimizer"] is not None:
        optimizer = OPTIMIZERS[saved["optimizer_type"]](model.parameters(), lr=saved["optimizer"]["param_groups"][0]["lr"])
        optimizer.load_state_dict(saved["optimizer"])
    return model, optimizer


def tapegrad_logits(args):
    """tapegrad's JSON: read from --logits, or printed by tapegrad_logits.mjs."""
    if args.logits:
        with open(args.logits) as f:
            return json.load(f)
    command = [args.node, os.path.join(HERE, "tapegrad_logits.mjs"), args.checkpoint, "--count", str(args.count), "--seed", str(args.seed)]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        raise CheckpointError("cannot run '%s' for tapegrad's logits: install Node 20, pass --node PATH, or --logits FILE" % args.node)
    if done.returncode != 0:
        raise CheckpointError("tapegrad's logits: %s (did you run npm run build?)" % done.stderr.strip())
    return json.loads(done.stdout)


def as_tensor(t):
    return torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="a tapegrad checkpoint (.safetensors)")
    parser.add_argument("--save", metavar="OUT.pt", help="write the model (and optimizer) state for torch.load")
    parser.add_argument("--logits", metavar="FILE.json", help="tapegrad's logits as tapegrad_logits.mjs prints them, instead of running it")
    parser.add_argument("--no-check", action="store_true", help="do not compare the logits with tapegrad's")
    parser.add_argument("--count", type=int, default=4, help="images to check (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of tapegrad's random images (default 0)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest max |torch - tapegrad| / max |tapegrad| (default 1e-4)")
    parser.add_argument("--node", default="node", help="the Node.js executable (default: node on PATH)")
    args = parser.parse_args(argv)
    try:
        tensors, metadata = read_safetensors(args.checkpoint)
        name, options, input_size = model_of(metadata, args.checkpoint)
        model = d2l_models.MODELS[name](**options)
        has_optimizer = OPTIMIZER_METADATA in metadata
        model_state = {k: v for k, v in tensors.items() if not (has_optimizer and k.startswith(OPTIMIZER_PREFIX))}
        try:
            model.load_state_dict(model_state, strict=True)
        except RuntimeError as error:
            raise CheckpointError("%s: does not fit %s(%s): %s" % (args.checkpoint, name, json.dumps(options), error))
        print("checkpoint: %s: %s %s, input %dx%d, %d tensors loaded (%s parameters)" % (
            args.checkpoint, name, json.dumps(options), input_size, input_size, len(model_state),
            format(sum(p.numel() for p in model.parameters()), ",")))
        optimizer_state = {k[len(OPTIMIZER_PREFIX):]: v for k, v in tensors.items() if has_optimizer and k.startswith(OPTIMIZER_PREFIX)}
        optimizer = optimizer_of(model, optimizer_state, metadata, args.checkpoint)
        if optimizer is not None:
            group = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
            steps = sorted({int(s["step"]) for s in optimizer.state.values() if "step" in s})
            print("optimizer: %s %s, state of %d of %d parameters%s" % (
                type(optimizer).__name__, json.dumps({k: v for k, v in group.items() if isinstance(v, (int, float, bool, tuple))}),
                len(optimizer.state), len(optimizer.param_groups[0]["params"]), ", step %s" % "/".join(map(str, steps)) if steps else ""))
        ok = True
        if not args.no_check:
            reference = tapegrad_logits(args)
            if reference["inputSize"] != input_size:
                raise CheckpointError("tapegrad's logits are for input %s, the checkpoint says %d" % (reference["inputSize"], input_size))
            model.eval()
            with torch.no_grad():
                logits = model(as_tensor(reference["input"]))
            expected = as_tensor(reference["logits"])
            error = ((logits - expected).abs().max() / expected.abs().max()).item()
            ok = error <= args.tolerance
            print("logits: %d images, max |torch - tapegrad| / max |tapegrad| = %.1e (tolerance %.0e): %s" % (
                expected.shape[0], error, args.tolerance, "agree" if ok else "DIFFER"))
        if args.save:
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict() if optimizer else None,
                        "optimizer_type": type(optimizer).__name__ if optimizer else None, "model_name": name,
                        "model_options": options, "input_size": input_size, "metadata": metadata}, args.save)
            print("saved: %s" % args.save)
        return 0 if ok else 1
    except CheckpointError as error:
        print("load_tapegrad_checkpoint: %s" % error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
