"""Cross-check maskscope against PyTorch.

For each scenario and mode: recompute every tensor of `maskscope dump`
from its embeddings and weight matrices with torch (masks rebuilt from the
batch with the notebook's own code), compare to 1e-5, and compare the text
of `maskscope print NAME` with str() of the same tensor in PyTorch.
Prints TAP.
"""
import json
import math
import os
import re
import subprocess
import sys

import torch

BIN, ROOT = sys.argv[1], sys.argv[2]
SCEN = [None] + sorted(
    os.path.join(ROOT, "tests", "scenarios", f)
    for f in os.listdir(os.path.join(ROOT, "tests", "scenarios"))
    if f.endswith(".json")
)
MODES = ["padding", "causal", "combined", "mlm"]
results = []


def ok(cond, what):
    results.append((bool(cond), what))


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"maskscope {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def tensor(entry, dtype=torch.float64):
    data = [float(x) if isinstance(x, str) else x for x in entry["data"]]
    return torch.tensor(data, dtype=dtype).reshape(entry["shape"])


def close(a, b, tol=1e-5):
    if a.shape != b.shape:
        return False
    same_nan = torch.equal(torch.isnan(a), torch.isnan(b))
    a0, b0 = torch.nan_to_num(a, nan=0.0), torch.nan_to_num(b, nan=0.0)
    inf_same = torch.equal(torch.isinf(a0), torch.isinf(b0)) and torch.equal(a0[torch.isinf(a0)], b0[torch.isinf(b0)])
    fin = ~torch.isinf(a0)
    return same_nan and inf_same and bool(torch.all((a0[fin] - b0[fin]).abs() <= tol))


def as_print(t):
    return re.sub(r",\s*dtype=torch\.float64", "", str(t))


def check(scenario, mode):
    args = ["--scenario", scenario] if scenario else []
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / {mode}"
    d = json.loads(run("dump", "--mode", mode, *args))
    batch = tensor(d["batch"], torch.int64)
    B, L = batch.shape
    pad_id = 0
    X = tensor(d["embeddings"])
    Wq, Wk, Wv = tensor(d["W_q"]), tensor(d["W_k"]), tensor(d["W_v"])
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    dk = X.shape[-1]
    scores = Q @ K.transpose(-2, -1) / math.sqrt(dk)

    # masks, rebuilt the notebook's way
    def create_padding_mask(batch, pad_value=pad_id):
        mask = batch == pad_value
        mask = mask.double().masked_fill(mask == 1, float("-inf"))
        return mask

    padding_mask = create_padding_mask(batch)
    A_pad = padding_mask[:, None, :].repeat(1, L, 1)
    scen = json.load(open(scenario)) if scenario else {}
    if scen.get("mask_query_rows"):
        A_pad = A_pad + padding_mask[:, :, None]
    A_causal = torch.triu(torch.full((L, L), float("-inf"), dtype=torch.float64), diagonal=1)
    mask = {"padding": A_pad, "mlm": A_pad, "causal": A_causal.expand(B, L, L), "combined": A_pad + A_causal}[mode]
    masked = scores + mask
    weights = torch.softmax(masked, dim=-1)
    if scen.get("fully_masked_rows", "zero") == "zero":
        weights = torch.nan_to_num(weights, nan=0.0)
    output = weights @ V

    ok(close(tensor(d["padding_mask"]), padding_mask, 0), f"{label}: padding_mask")
    ok(close(tensor(d["mask"]), mask, 0), f"{label}: mask")
    for name, mine, theirs in [("Q", d["Q"], Q), ("K", d["K"], K), ("V", d["V"], V), ("scores", d["scores"], scores),
                               ("masked_scores", d["masked_scores"], masked), ("weights", d["weights"], weights),
                               ("output", d["output"], output)]:
        ok(close(tensor(mine), theirs), f"{label}: {name}")

    losses = tensor(d["losses"])
    if mode == "mlm":
        loss_mask = (batch == 999).double()
    else:
        loss_mask = (batch != pad_id).double()
        if "loss_weights" in scen:
            loss_mask = loss_mask * torch.tensor(scen["loss_weights"], dtype=torch.float64)
    ok(close(tensor(d["loss_mask"]), loss_mask, 0), f"{label}: loss_mask")
    loss = (losses * loss_mask).sum() / loss_mask.sum()
    ok(abs(float(d["loss"]) - float(loss)) <= 1e-9, f"{label}: loss {d['loss']} vs {float(loss)}")

    # the notebook's own mask cells, run on this scenario's batch
    if mode == "padding":
        for name, t in [("padding_mask", padding_mask), ("A0_pad", padding_mask[0].repeat(L, 1)),
                        ("A_causal", A_causal)]:
            want = as_print(t.float()) + "\n"
            got = run("print", name, *args)
            ok(got == want, f"{label}: print {name}" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))

    # print text equals PyTorch's for the computed tensors, per sentence and whole
    for name, t in [("Q", Q), ("A_scores", scores), ("A_masked", masked), ("A_weights", weights),
                    ("output", output)]:
        for s in ["0", str(B - 1), "all"]:
            want = as_print(t if s == "all" else t[int(s)]) + "\n"
            got = run("print", name, "--mode", mode, "--sentence", s, *args)
            ok(got == want, f"{label}: print {name} --sentence {s}" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))


def check_notebook_prints():
    # the notebook's own cells, run in PyTorch, against maskscope print
    from torch.nn.utils.rnn import pad_sequence
    sequences = [torch.LongTensor(s) for s in [[1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, 4]]]
    batch = pad_sequence(sequences, batch_first=True, padding_value=0)
    padding_loss_mask = (batch != 0).float()
    batch_losses = torch.tensor([[0.5135, 0.5513, 0.9017, 0.4005, 0.0784],
                                 [0.4215, 0.5581, 0.8376, 0.8771, 0.9324],
                                 [0.2851, 0.7234, 0.5639, 0.6350, 0.9162]])
    batch_loss = (batch_losses * padding_loss_mask).sum() / padding_loss_mask.sum()
    mlm_batch = torch.LongTensor([[1, 999, 3, 4, 999], [999, 2, 999, 4, 5], [1, 2, 3, 999, 5]])
    mlm_loss_mask = (mlm_batch == 999).float()
    mlm_batch_loss = (batch_losses * mlm_loss_mask).sum() / mlm_loss_mask.sum()
    mask = batch == 0
    padding_mask = mask.float().masked_fill(mask == 1, float("-inf"))
    A0_pad = padding_mask[0].repeat(batch.shape[1], 1)
    L = batch.shape[1]
    A_causal = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
    want = {
        "batch": str(batch), "batch_nonzero_indicies": str(batch.count_nonzero(dim=1) - 1),
        "padding_loss_mask": str(padding_loss_mask), "batch_losses": str(batch_losses),
        "batch_loss": f"{batch_loss:.3f}", "mlm_batch": str(mlm_batch), "mlm_loss_mask": str(mlm_loss_mask),
        "mlm_batch_loss": f"{mlm_batch_loss:.3f}", "padding_mask": str(padding_mask), "A0_pad": str(A0_pad),
        "A_causal": str(A_causal),
    }
    for name, text in want.items():
        got = run("print", name)
        ok(got == text + "\n", f"notebook: print {name}" + ("" if got == text + "\n" else f"\n# got:\n{got}# want:\n{text}"))


check_notebook_prints()
for sc in SCEN:
    for m in MODES:
        check(sc, m)

print(f"1..{len(results)}")
for i, (good, what) in enumerate(results, 1):
    print(f"{'ok' if good else 'not ok'} {i} - {what}")
failed = sum(1 for g, _ in results if not g)
sys.exit(1 if failed else 0)
