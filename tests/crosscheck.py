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
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

BIN, ROOT = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="maskscope-crosscheck-")
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
        if mode in ("causal", "combined"):
            # a decoder's next-token loss: position t is scored on token t + 1, so both must be real
            nxt = torch.zeros_like(loss_mask)
            nxt[:, :-1] = (batch[:, 1:] != pad_id).double()
            loss_mask = loss_mask * nxt
        if "loss_weights" in scen:
            loss_mask = loss_mask * torch.tensor(scen["loss_weights"], dtype=torch.float64)
    ok(close(tensor(d["loss_mask"]), loss_mask, 0), f"{label}: loss_mask")
    if mode in ("causal", "combined"):
        # the targets are the next tokens, -100 (ignore_index) where a position is not scored; cross-entropy
        # with ignore_index over any logits counts exactly the positions the mask keeps
        want = torch.full_like(batch, -100)
        want[:, :-1] = batch[:, 1:]
        want[loss_mask[:, :] == 0] = -100
        ok(torch.equal(tensor(d["targets"], torch.int64), want), f"{label}: targets = batch[:, 1:]")
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


# ---- the wider family: each mask from its own definition, written here ----

FAMILY = ["sliding", "prefix", "packed", "global", "sink", "strided", "cross"]
MAX_CELLS = 1 << 24


def scen_json(scenario):
    return json.load(open(scenario)) if scenario else {}


def real_and_positions(batch, pad_id):
    """which cells hold real tokens, and each token's index in its own sentence"""
    real = batch != pad_id
    pos = torch.cumsum(real.long(), dim=1) - 1
    return real, torch.where(real, pos, torch.zeros_like(pos))


def pack(sentences, pack_length):
    """greedy packing: whole sentences in order, a new row when one does not fit"""
    rows, docs, poss = [], [], []
    for d, sent in enumerate(sentences):
        if not rows or len(rows[-1]) + len(sent) > pack_length:
            rows.append([]), docs.append([]), poss.append([])
        rows[-1] += sent
        docs[-1] += [d] * len(sent)
        poss[-1] += list(range(len(sent)))
    pad = lambda r, v: r + [v] * (pack_length - len(r))
    return (torch.tensor([pad(r, 0) for r in rows]), torch.tensor([pad(r, -1) for r in docs]),
            torch.tensor([pad(r, 0) for r in poss]))


def family_mask(mode, scen, d, pad_id):
    """the additive mask of a family mode, from the definitions in the README"""
    W = scen.get("window", 3)
    S = scen.get("sinks", 1)
    G = scen.get("global", [0])
    if mode == "cross":
        enc = tensor(d["batch"], torch.int64)
        dec = tensor(d["decoder_batch"], torch.int64)
        allowed = (enc != pad_id)[:, None, :].expand(dec.shape[0], dec.shape[1], enc.shape[1])
        return torch.where(allowed, 0.0, float("-inf")).double()
    batch = tensor(d["batch"], torch.int64)
    B, L = batch.shape
    real, wp = real_and_positions(batch, pad_id)
    q = torch.arange(L)[:, None]
    k = torch.arange(L)[None, :]
    causal = k <= q
    if mode == "sliding":
        fam = causal & (q - k < W)
    elif mode == "strided":
        fam = causal & ((q - k < W) | ((q - k) % W == 0))
    elif mode == "sink":
        fam = causal & ((q - k < W) | (real & (wp < S))[:, None, :])
    elif mode == "global":
        g = real & torch.isin(wp, torch.tensor(G))
        fam = ((q - k).abs() < W) | g[:, :, None] | g[:, None, :]
    elif mode == "prefix":
        P = prefix_of(scen, real)
        fam = causal | (real & (wp < P[:, None]))[:, None, :]
    elif mode == "packed":
        docs = tensor(d["document_ids"], torch.int64)
        fam = causal & (docs[:, None, :] == docs[:, :, None])
    fam = fam.expand(B, L, L) if fam.dim() == 2 else fam
    keys = real[:, None, :].expand(B, L, L)
    if scen.get("mask_query_rows"):
        keys = keys & real[:, :, None]
    return torch.where(fam & keys, 0.0, float("-inf")).double()


def prefix_of(scen, real):
    """P of each sentence: the scenario's (at most the sentence), else half of it rounded up"""
    lengths = real.sum(dim=1)
    P = scen.get("prefix")
    if P is None:
        P = ((lengths + 1) // 2).tolist()
    elif isinstance(P, int):
        P = [min(P, int(n)) for n in lengths]
    return torch.tensor(P)


def check_family(scenario, mode):
    args = ["--scenario", scenario] if scenario else []
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / {mode}"
    scen = scen_json(scenario)
    pad_id = scen.get("pad_id", 0)
    d = json.loads(run("dump", "--mode", mode, *args))
    if mode == "packed":
        # pack the sentences here, from the padding mode's batch, and compare
        base = json.loads(run("dump", "--mode", "padding", *args))
        b0 = tensor(base["batch"], torch.int64)
        sentences = [[int(t) for t in row if t != pad_id] for row in b0]
        T = sum(len(x) for x in sentences)
        longest = max(len(x) for x in sentences)
        P = scen.get("pack_length") or (T if T * T <= MAX_CELLS else max(longest, MAX_CELLS // T))
        ids, docs, poss = pack(sentences, P)
        ok(torch.equal(tensor(d["batch"], torch.int64), ids), f"{label}: packed batch")
        ok(torch.equal(tensor(d["document_ids"], torch.int64), docs), f"{label}: document_ids")
        ok(torch.equal(tensor(d["position_ids"], torch.int64), poss), f"{label}: position_ids restart per document")
        # packing moves tokens, not their losses: the same mean as the padding mode
        ok(abs(float(d["loss"]) - float(base["loss"])) <= 1e-12, f"{label}: loss {d['loss']} = padding's {base['loss']}")
    mask = family_mask(mode, scen, d, pad_id)
    ok(close(tensor(d["mask"]), mask, 0), f"{label}: mask")
    if mode not in ("packed", "cross"):
        # the loss: real tokens (times loss_weights); a prefix-LM's prefix is context, not a target
        batch = tensor(d["batch"], torch.int64)
        real, wp = real_and_positions(batch, pad_id)
        loss_mask = real.double()
        if "loss_weights" in scen:
            loss_mask = loss_mask * torch.tensor(scen["loss_weights"], dtype=torch.float64)
        if mode == "prefix":
            loss_mask = loss_mask * (wp >= prefix_of(scen, real)[:, None]).double()
        ok(close(tensor(d["loss_mask"]), loss_mask, 0), f"{label}: loss_mask")
        losses = tensor(d["losses"])
        want = (losses * loss_mask).sum() / loss_mask.sum()
        ok(abs(float(d["loss"]) - float(want)) <= 1e-9, f"{label}: loss {d['loss']} vs {float(want)}")
    check_attention(label, d, mask, scen, mode == "cross")


def check_attention(label, d, mask, scen, cross):
    """scores, masked scores, weights and outputs recomputed from the dumped X and W under `mask`"""
    Xq = tensor(d["decoder_embeddings"]) if cross else tensor(d["embeddings"])
    Xk = tensor(d["embeddings"])
    Wq, Wk, Wv = tensor(d["W_q"]), tensor(d["W_k"]), tensor(d["W_v"])
    Q, K, V = Xq @ Wq, Xk @ Wk, Xk @ Wv
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Xk.shape[-1])
    masked = scores + mask
    weights = torch.softmax(masked, dim=-1)
    if scen.get("fully_masked_rows", "zero") == "zero":
        weights = torch.nan_to_num(weights, nan=0.0)
    output = weights @ V
    for name, theirs in [("A_scores", scores), ("A_masked", masked), ("A_weights", weights), ("output", output)]:
        ok(close(tensor(d[name]), theirs), f"{label}: {name}")
    # no query ever attends a blocked key: its weight is exactly 0
    blocked = torch.isinf(mask)
    w = tensor(d["A_weights"])
    ok(bool(torch.all(torch.nan_to_num(w, nan=0.0)[blocked] == 0)), f"{label}: blocked keys get weight exactly 0")



# ---- pretraining corruption: bert and t5, from their definitions ----

CORRUPT = ["bert", "t5"]
RUNNING_EXAMPLE = {"sentences": ["The cat ate", "The cat ate fish pie", "The cat ate fish"]}


def special(word):
    """BERT never chooses these: [PAD], [MASK], any [BRACKETED] or <angled> word"""
    return len(word) >= 2 and ((word[0] == "[" and word[-1] == "]") or (word[0] == "<" and word[-1] == ">"))


def with_keys(scenario, **keys):
    """the scenario's JSON with some keys replaced, written to a temporary file"""
    scen = dict(scen_json(scenario) or RUNNING_EXAMPLE)
    scen.update(keys)
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(scen, f)
    f.close()
    return f.name


def words_of(d, name):
    return [[w for w in row if w != "[PAD]"] for row in d[name + "_tokens"]]


def check_bert(scenario):
    args = ["--scenario", scenario] if scenario else []
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / bert"
    scen = scen_json(scenario)
    pad_id, mask_id = scen.get("pad_id", 0), scen.get("mask_id", 999)
    d = json.loads(run("dump", "--mode", "bert", *args))
    original, inp = tensor(d["original"], torch.int64), tensor(d["bert_input"], torch.int64)
    sel, act = tensor(d["bert_selected"], torch.int64), tensor(d["bert_action"], torch.int64)
    labels = tensor(d["labels"], torch.int64)
    ok(torch.equal(tensor(d["batch"], torch.int64), inp), f"{label}: batch is bert_input")
    words = d["original_tokens"]
    specials = torch.tensor([[special(w) for w in row] for row in words])
    ok(not bool(torch.any(sel.bool() & specials)), f"{label}: no special token or [PAD] is chosen")
    ok(torch.equal(sel.bool(), act != 0), f"{label}: bert_action is non-zero exactly where bert_selected")
    # 1 [MASK], 2 a random word (any known word, special ones excepted), 0 and 3 the original
    ok(torch.equal(inp[act == 1], torch.full_like(inp[act == 1], mask_id)), f"{label}: action 1 puts [MASK]")
    ok(torch.equal(inp[(act == 0) | (act == 3)], original[(act == 0) | (act == 3)]), f"{label}: actions 0, 3 keep")
    randoms = [d["bert_input_tokens"][b][t] for b, t in (act == 2).nonzero().tolist()]
    ok(all(not special(w) for w in randoms), f"{label}: random words are words: {randoms}")
    # labels = original where chosen, -100 elsewhere; the loss mask is labels != -100
    ok(torch.equal(labels, torch.where(sel.bool(), original, torch.full_like(original, -100))), f"{label}: labels")
    loss_mask = (labels != -100).double()
    ok(close(tensor(d["loss_mask"]), loss_mask, 0), f"{label}: loss_mask = labels != -100")
    ok(close(tensor(d["bert_mask_positions"]), (inp == mask_id).double(), 0), f"{label}: bert_mask_positions")
    losses = tensor(d["losses"])
    if loss_mask.sum() > 0:
        want = (losses * loss_mask).sum() / loss_mask.sum()
        ok(abs(float(d["loss"]) - float(want)) <= 1e-9, f"{label}: loss {d['loss']} vs {float(want)}")
    # the encoder reads bert_input with the padding mask, both ways
    batch = inp
    A_pad = create_padding_mask(batch, pad_id)[:, None, :].repeat(1, batch.shape[1], 1)
    if scen.get("mask_query_rows"):
        A_pad = A_pad + create_padding_mask(batch, pad_id)[:, :, None]
    ok(close(tensor(d["mask"]), A_pad, 0), f"{label}: mask")
    check_attention(label, d, A_pad, scen, False)
    # cross-entropy with ignore_index=-100 over random logits equals maskscope's masked mean of the same
    # per-token losses: the losses go into the scenario, the labels stay the same draw
    if loss_mask.sum() > 0:
        classes = sorted(set(labels[labels != -100].tolist()))
        target = torch.tensor([[classes.index(x) if x != -100 else -100 for x in row] for row in labels.tolist()])
        gen = torch.Generator().manual_seed(11)
        logits = torch.randn(*labels.shape, len(classes) + 3, generator=gen, dtype=torch.float64)
        # per position (a dummy class where ignored, so that those losses are not 0 and must be masked)
        each = F.cross_entropy(logits.flatten(0, 1), target.clamp(min=0).flatten(), reduction="none")
        mean = F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=-100)
        path = with_keys(scenario, losses=each.view(labels.shape).tolist())
        got = json.loads(run("dump", "--mode", "bert", "--scenario", path))
        os.unlink(path)
        ok(torch.equal(tensor(got["labels"], torch.int64), labels), f"{label}: the losses do not move the draw")
        ok(abs(float(got["loss"]) - float(mean)) <= 1e-12 * max(1.0, float(mean)),
           f"{label}: CrossEntropyLoss(ignore_index=-100) {float(mean)} = masked mean {got['loss']}")
    # the original code's count: min(max_predictions, max(1, round(p * n))), Python's round (half to even)
    p = scen.get("bert", {}).get("probability", 0.15)
    path = with_keys(scenario, bert={"selection": "count", "probability": p, "max_predictions": 7})
    got = json.loads(run("dump", "--mode", "bert", "--scenario", path))
    os.unlink(path)
    for b, row in enumerate(got["original_tokens"]):
        real = [w for w in row if w != "[PAD]"]
        want = min(7, max(1, round(len(real) * p)), sum(not special(w) for w in real))
        chosen = int(sum(got["bert_selected"]["data"][b * len(row):(b + 1) * len(row)]))
        ok(chosen == want, f"{label}: count selection, sentence {b}: {chosen} chosen, want {want}")
    # print shows labels as PyTorch prints an int64 tensor with -100
    for name, t in [("labels", labels), ("bert_input", inp), ("bert_action", act)]:
        want = str(t) + "\n"
        got = run("print", name, "--mode", "bert", *args) if name == "labels" else run("print", name, *args)
        ok(got == want, f"{label}: print {name}" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))


def t5_noise_mask(length, density, mean, rng):
    """T5's random_spans_noise_mask, rewritten with numpy (float32 counts, numpy's own shuffles)"""
    if density == 0:
        return np.zeros(length, dtype=bool)
    orig, length = length, max(length, 2)
    num_noise = int(np.round(np.float32(length) * np.float32(density)))
    num_noise = min(max(num_noise, 1), length - 1)
    num_spans = max(int(np.round(np.float32(num_noise) / np.float32(mean))), 1)
    num_nonnoise = length - num_noise
    num_spans = min(num_spans, num_nonnoise)  # T5's code fails beyond this; maskscope caps it

    def segmentation(items, segments):
        first = np.pad(rng.permutation((np.arange(items - 1) < segments - 1).astype(np.int64)), [[1, 0]])
        return np.bincount(np.cumsum(first), minlength=segments)

    spans = np.stack([segmentation(num_nonnoise, num_spans), segmentation(num_noise, num_spans)], axis=1).reshape(-1)
    start = np.zeros(length, dtype=np.int64)
    start[np.cumsum(spans)[:-1]] = 1
    return (np.cumsum(start) % 2 == 1)[:orig]


def runs(mask):
    return sum(1 for i, x in enumerate(mask) if x and (i == 0 or not mask[i - 1]))


def check_t5(scenario):
    args = ["--scenario", scenario] if scenario else []
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / t5"
    scen = scen_json(scenario)
    pad_id = scen.get("pad_id", 0)
    density = scen.get("t5", {}).get("noise_density", 0.15)
    mean = scen.get("t5", {}).get("mean_span_length", 3)
    d = json.loads(run("dump", "--mode", "t5", *args))
    noise = tensor(d["t5_noise"], torch.int64)
    original, inputs, targets = words_of(d, "original"), words_of(d, "t5_input"), words_of(d, "t5_target")
    rng = np.random.default_rng(5)
    for b, sentence in enumerate(original):
        n = len(sentence)
        row = d["original_tokens"][b]
        mine = [bool(noise[b][t]) for t in range(len(row)) if row[t] != "[PAD]"]
        theirs = t5_noise_mask(n, density, mean, rng)
        ok(sum(mine) == int(theirs.sum()) and runs(mine) == runs(theirs),
           f"{label} sentence {b}: {sum(mine)} noise in {runs(mine)} spans, T5's code: {int(theirs.sum())} in {runs(theirs)}")
        if n >= 2 and density > 0:
            ok(not mine[0] and mine[-1], f"{label} sentence {b}: a gap first, a span last")
        # each sentinel of the input replaced by what follows it in the target: the sentence again
        rebuilt, sentinels = [], 0
        for w in inputs[b]:
            if not re.fullmatch(r"<extra_id_\d+>", w):
                rebuilt.append(w)
                continue
            ok(w == f"<extra_id_{sentinels}>", f"{label} sentence {b}: sentinels in order ({w})")
            sentinels += 1
            k = targets[b].index(w) + 1
            while k < len(targets[b]) and not re.fullmatch(r"<extra_id_\d+>", targets[b][k]):
                rebuilt.append(targets[b][k])
                k += 1
        ok(rebuilt == sentence, f"{label} sentence {b}: rebuilt {' '.join(rebuilt)!r}")
        ok(targets[b][-1] == f"<extra_id_{sentinels}>", f"{label} sentence {b}: a final sentinel closes the target")
        ok(d["t5_input_lengths"]["data"][b] == len(inputs[b]) and d["t5_target_lengths"]["data"][b] == len(targets[b]),
           f"{label} sentence {b}: lengths")
    # labels: the target where real, -100 on its padding; the loss mask follows
    tgt = tensor(d["t5_target"], torch.int64)
    labels = tensor(d["labels"], torch.int64)
    ok(torch.equal(tgt, tensor(d["decoder_batch"], torch.int64)), f"{label}: the decoder's batch is t5_target")
    ok(torch.equal(labels, torch.where(tgt != pad_id, tgt, torch.full_like(tgt, -100))), f"{label}: labels")
    loss_mask = (labels != -100).double()
    ok(close(tensor(d["loss_mask"]), loss_mask, 0), f"{label}: loss_mask = labels != -100")
    # cross-entropy with ignore_index over logits that give each target token the dumped loss
    losses = tensor(d["losses"])
    classes = sorted(set(labels[labels != -100].tolist()))
    V = len(classes) + 1
    target = torch.tensor([[classes.index(x) if x != -100 else -100 for x in row] for row in labels.tolist()])
    logits = torch.zeros(*labels.shape, V, dtype=torch.float64)
    a = -torch.log(torch.expm1(losses) / (V - 1))
    logits.scatter_(2, target.clamp(min=0)[..., None], a[..., None])
    mean_ce = F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=-100)
    ok(abs(float(d["loss"]) - float(mean_ce)) <= 1e-9, f"{label}: CrossEntropyLoss(ignore_index=-100) {float(mean_ce)} = masked mean {d['loss']}")
    # the decoder's queries against the encoder's keys: every real t5_input token
    mask = family_mask("cross", scen, d, pad_id)
    ok(close(tensor(d["mask"]), mask, 0), f"{label}: mask")
    check_attention(label, d, mask, scen, True)
    for name in ["t5_input", "t5_target", "t5_noise", "t5_input_lengths", "t5_target_lengths"]:
        want = str(tensor(d[name], torch.int64)) + "\n"
        got = run("print", name, *args)
        ok(got == want, f"{label}: print {name}" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))
    want = str(labels) + "\n"
    got = run("print", "labels", "--mode", "t5", *args)
    ok(got == want, f"{label}: print labels" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))


def create_padding_mask(batch, pad_value):
    mask = batch == pad_value
    return mask.double().masked_fill(mask == 1, float("-inf"))


# ---- the convention translator: print --as in each library's own words ----

FINFO_MIN = torch.finfo(torch.float32).min


def as_text(out):
    """maskscope print --as: the comment line, then the tensor's text"""
    first, _, rest = out.partition("\n")
    return first, rest


def check_conventions(scenario, mode):
    args = ["--scenario", scenario] if scenario else []
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / {mode}"
    scen = scen_json(scenario)
    pad_id = scen.get("pad_id", 0)
    d = json.loads(run("dump", "--mode", mode, *args))
    batch = tensor(d["batch"], torch.int64)
    B = batch.shape[0]
    M = tensor(d["mask"]).float()            # [B, Lq, Lk], 0 / -inf, cross-checked above
    keep = M == 0
    for s in ["0", str(B - 1), "all"]:
        m = keep if s == "all" else keep[int(s)]
        heads = m[:, None] if s == "all" else m[None, None]
        want = {
            "additive": str(torch.zeros(m.shape).masked_fill(~m, float("-inf"))),
            "finfo": str(torch.zeros(heads.shape).masked_fill(~heads, FINFO_MIN)),
            "sdpa": str(m),
            "mha": str(~m),
            "jax": str(heads.numpy()),                      # JAX prints an array as NumPy does
        }
        for fmt, text in want.items():
            comment, got = as_text(run("print", "mask", "--mode", mode, "--sentence", s, "--as", fmt, *args))
            ok(comment.startswith("# ") and got == text + "\n",
               f"{label}: print mask --sentence {s} --as {fmt}" + ("" if got == text + "\n" else f"\n# got:\n{got}# want:\n{text}"))
    # the tokenizer's attention_mask, and nn.MultiheadAttention's key_padding_mask
    real = batch != pad_id
    if mode in ("padding", "combined", "mlm") and not scen.get("mask_query_rows"):
        comment, got = as_text(run("print", "mask", "--mode", mode, "--sentence", "all", "--as", "hf", *args))
        ok(got == str(real.long()) + "\n", f"{label}: --as hf is the tokenizer's attention_mask" + ("" if got == str(real.long()) + "\n" else f"\n# got:\n{got}"))
    if mode == "padding":
        comment, got = as_text(run("print", "padding_mask", "--as", "mha", *args))
        ok("key_padding_mask" in comment and got == str(~real) + "\n", f"{label}: padding_mask --as mha is key_padding_mask")

    # feeding the sdpa and mha forms to PyTorch's own attention gives maskscope's weights and outputs
    if mode == "cross":
        return
    X = tensor(d["embeddings"]).float()
    Q, K, V = X @ tensor(d["W_q"]).float(), X @ tensor(d["W_k"]).float(), X @ tensor(d["W_v"]).float()
    w_ms, out_ms = tensor(d["A_weights"]).float(), tensor(d["output"]).float()
    zero_policy = scen.get("fully_masked_rows", "zero") == "zero"
    env = {"tensor": torch.tensor, "inf": math.inf, "nan": math.nan}
    sdpa_text = as_text(run("print", "mask", "--mode", mode, "--sentence", "all", "--as", "sdpa", *args))[1]
    mha_text = as_text(run("print", "mask", "--mode", mode, "--sentence", "all", "--as", "mha", *args))[1]
    if "..." in sdpa_text:  # over 1000 cells print summarised, as PyTorch does: nothing to feed back
        return
    sdpa_mask, mha_mask = eval(sdpa_text, env), eval(mha_text, env)
    out_s, w_s = F._scaled_dot_product_attention(Q, K, V, attn_mask=sdpa_mask, need_attn_weights=True)
    L, dm = X.shape[1], X.shape[2]
    mha = torch.nn.MultiheadAttention(dm, 1, bias=False, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([torch.eye(dm)] * 3))
        mha.out_proj.weight.copy_(torch.eye(dm))
        out_m, w_m = mha(Q, K, V, attn_mask=mha_mask)
    for what, w, out in [("F._scaled_dot_product_attention(attn_mask=--as sdpa)", w_s, out_s),
                         ("nn.MultiheadAttention(attn_mask=--as mha)", w_m, out_m)]:
        if zero_policy:  # maskscope's safe policy; PyTorch's NaN rows are the same rows
            nan_rows = torch.isnan(w).any(-1)
            same_rows = torch.equal(nan_rows, tensor(d["fully_masked_rows_flags"], torch.int64).bool())
            w, out = torch.nan_to_num(w, nan=0.0), torch.nan_to_num(out, nan=0.0)
        else:
            same_rows = True
        ok(same_rows and close(w.double(), w_ms.double()) and close(out.double(), out_ms.double()),
           f"{label}: {what} gives maskscope's weights and outputs")


# ---- the bug gallery: each buggy line and its right line, run here in PyTorch ----

F32_MIN = torch.finfo(torch.float32).min
RUNNING = {"sentences": ["The cat ate", "The cat ate fish pie", "The cat ate fish"]}


def scenario_file(name, data):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        json.dump(data, f)
    return path


def bug_lines(slug, X, Wq, Wk, Wv, batch, pad_id=0):
    """the wrong and right lines of a bug, as the gallery writes them: (weights, output) each"""
    B, L, d = X.shape
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    scores = Q @ K.transpose(-2, -1) / math.sqrt(d)
    pad = batch == pad_id
    padding_mask = torch.zeros(B, L, dtype=torch.float64).masked_fill(pad, float("-inf"))
    causal = torch.triu(torch.full((L, L), float("-inf"), dtype=torch.float64), diagonal=1)
    keep = (padding_mask[:, None, :] + causal) == 0

    def attend(mask):
        w = torch.softmax(scores + mask, dim=-1)
        return w, w @ V

    if slug == "tril-for-triu":
        return (attend(padding_mask[:, None, :] + torch.tril(torch.full((L, L), float("-inf"), dtype=torch.float64), diagonal=-1)),
                attend(padding_mask[:, None, :] + causal))
    if slug == "diagonal-0":
        return (attend(padding_mask[:, None, :] + torch.triu(torch.full((L, L), float("-inf"), dtype=torch.float64), diagonal=0)),
                attend(padding_mask[:, None, :] + causal))
    if slug == "rows-not-columns":
        return attend(padding_mask[:, :, None].expand(B, L, L)), attend(padding_mask[:, None, :].expand(B, L, L))
    if slug == "inverted-bool":
        mha = torch.nn.MultiheadAttention(d, 1, bias=False, batch_first=True).double()
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.cat([torch.eye(d, dtype=torch.float64)] * 3))
            mha.out_proj.weight.copy_(torch.eye(d, dtype=torch.float64))
            wrong = mha(Q, K, V, attn_mask=keep)            # an SDPA mask: True = attend
            right = mha(Q, K, V, attn_mask=~keep)           # what MHA means: True = blocked
        return (wrong[1], wrong[0]), (right[1], right[0])
    if slug == "no-padding-left":
        w = torch.softmax(scores.masked_fill(~keep, F32_MIN), dim=-1)
        return attend(causal.expand(B, L, L)), (w, w @ V)
    if slug == "fp16-neg-inf":
        def half(fill):
            s = scores.half().masked_fill(~keep, fill)
            w = torch.softmax(s.double(), dim=-1).half()    # CPU float16 softmax: computed wider, rounded
            return w.double(), (w.double() @ V).half().double()
        return half(float("-inf")), half(torch.finfo(torch.float16).min)
    if slug == "finfo-min-then-add":
        padding_4d = torch.zeros(B, 1, L, L).masked_fill(pad[:, None, None, :], F32_MIN)
        causal_4d = torch.triu(torch.full((L, L), F32_MIN), diagonal=1)[None, None].expand(B, 1, L, L)
        wrong = (padding_4d + causal_4d)[:, 0].double()      # float32: -inf where both block
        right = causal_4d.masked_fill(padding_4d != 0, F32_MIN)[:, 0].double()
        return attend(wrong), attend(right)
    if slug == "mask-after-softmax":
        w = torch.softmax(scores, dim=-1).masked_fill(~keep, 0.0)
        right = torch.softmax(scores.masked_fill(~keep, float("-inf")), dim=-1)
        return (w, w @ V), (right, right @ V)
    raise ValueError(slug)


def gallery_names():
    text = run("leaks", "--help")
    return [n.strip().rstrip(".") for n in text.split("NAME is a bug of the gallery: ")[1].split("\n")[0].split(",")]


def check_gallery():
    names = gallery_names()
    ok(len(names) == 10, f"the gallery has its ten bugs: {names}")
    left = scenario_file("running-left.json", dict(RUNNING, padding="left"))
    for slug in names:
        d = json.loads(subprocess.run([BIN, "leaks", "--bug", slug, "--json"], capture_output=True, text=True).stdout)
        if "loss" in d:
            # the loss bugs: the mean over every position against the masked mean
            losses = tensor(json.loads(run("dump", "--mode", d["mode"]))["losses"])
            counted = tensor(d["right_counted"])
            ok(abs(d["loss"] - float(losses.mean())) <= 1e-12 and
               abs(d["right_loss"] - float((losses * counted).sum() / counted.sum())) <= 1e-12,
               f"gallery {slug}: losses {d['loss']} and {d['right_loss']} as torch computes them")
            continue
        base = json.loads(run("dump", "--mode", d["mode"]))
        if base["tokens"] != d["tokens"]:  # the bug pads the batch on the left
            base = json.loads(run("dump", "--mode", d["mode"], "--scenario", left))
        ok(base["tokens"] == d["tokens"], f"gallery {slug}: the batch it runs on")
        X, Wq, Wk, Wv = tensor(base["embeddings"]), tensor(base["W_q"]), tensor(base["W_k"]), tensor(base["W_v"])
        (w_wrong, o_wrong), (w_right, o_right) = bug_lines(slug, X, Wq, Wk, Wv, tensor(base["batch"], torch.int64))
        tol = 2e-3 if slug == "fp16-neg-inf" else 1e-9
        for what, mine, theirs in [("weights", d["weights"], w_wrong), ("output", d["output"], o_wrong),
                                   ("right weights", d["right_weights"], w_right), ("right output", d["right_output"], o_right)]:
            ok(close(tensor(mine), theirs.detach().double(), tol), f"gallery {slug}: the {what} of its line in PyTorch")
    # the second layer: fp16-neg-inf's NaN rows reach every token through 0 x NaN in PyTorch
    base = json.loads(run("dump", "--mode", "combined", "--scenario", left))
    X = tensor(base["embeddings"])
    (w, out), _ = bug_lines("fp16-neg-inf", X, tensor(base["W_q"]), tensor(base["W_k"]), tensor(base["W_v"]),
                            tensor(base["batch"], torch.int64))
    layer2 = w.nan_to_num(0.0) @ out   # even weights of exactly 0 on the NaN rows
    ok(bool(torch.isnan(layer2[0]).all()), "fp16-neg-inf: in PyTorch a NaN row spreads to every token of the next layer")


# ---- the leak detector: influence from PyTorch's own derivatives ----

def influence_torch(fn, X):
    """output i depends on input j when d output_i / d x_j is not zero (NaN rows depend on nothing)"""
    out = fn(X)
    J = torch.autograd.functional.jacobian(fn, X)          # [Lq, d, Lk, d]
    dep = (J != 0) & ~torch.isnan(J)
    dep = dep.any(dim=3).any(dim=1)                         # [Lq, Lk]
    dep[torch.isnan(out).any(dim=-1)] = False
    return dep.long()


def check_leaks_influence(scenario, mode):
    args = ["--scenario", scenario] if scenario else []
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / {mode}"
    d = json.loads(run("dump", "--mode", mode, *args))
    lk = json.loads(subprocess.run([BIN, "leaks", "--mode", mode, "--json", *args], capture_output=True, text=True).stdout)
    scen = scen_json(scenario)
    Xk = tensor(d["embeddings"])
    Xq = tensor(d["decoder_embeddings"]) if mode == "cross" else None
    Wq, Wk, Wv, mask = tensor(d["W_q"]), tensor(d["W_k"]), tensor(d["W_v"]), tensor(d["mask"])
    zero = scen.get("fully_masked_rows", "zero") == "zero"
    mine = tensor(lk["influence"], torch.int64)
    for s in range(Xk.shape[0]):
        # a fully masked row is 0 (or NaN) whatever the inputs: it depends on nothing, and is kept out of the
        # softmax so that its NaN cannot reach the other rows' derivatives
        full = torch.isinf(mask[s]).all(dim=-1)

        def fn(X):
            q_in = Xq[s] if Xq is not None else X
            scores = (q_in @ Wq) @ (X @ Wk).T / math.sqrt(X.shape[-1])
            w = torch.softmax((scores + mask[s]).masked_fill(full[:, None], 0.0), dim=-1).masked_fill(full[:, None], 0.0)
            return w @ (X @ Wv)
        theirs = influence_torch(fn, Xk[s].clone())
        theirs[full] = 0
        ok(torch.equal(mine[s], theirs), f"{label}: sentence {s}: the leak detector's influence is PyTorch's Jacobian"
           + ("" if torch.equal(mine[s], theirs) else f"\n# mine:\n{mine[s]}\n# torch:\n{theirs}"))
    ok((lk["leak_count"] == 0) == (mode != "causal" or scen.get("padding") != "left"),
       f"{label}: {lk['leak_count']} leaks")


# ---- check-mask: the masks the buggy lines make, judged as those bugs ----

def check_mask_verdicts():
    L = 5
    batch = torch.tensor([[1, 2, 3, 0, 0], [1, 2, 3, 4, 5], [1, 2, 3, 4, 0]])
    pad = batch == 0
    padding_mask = torch.zeros(3, L).masked_fill(pad, float("-inf"))
    causal = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
    keep = (padding_mask[:, None, :] + causal) == 0
    left = scenario_file("running-left.json", dict(RUNNING, padding="left"))
    lbatch = torch.tensor([[0, 0, 1, 2, 3], [1, 2, 3, 4, 5], [0, 1, 2, 3, 4]])
    lpad = lbatch == 0
    mlm = torch.tensor([[1, 999, 3, 4, 999], [999, 2, 999, 4, 5], [1, 2, 3, 999, 5]])
    words = torch.tensor([[1, 2, 3, 4, 5]] * 3)
    cases = [
        # (name, tensor, --as, scenario, expected bug or None for correct)
        ("tril-for-triu", padding_mask[:, None, :] + torch.tril(torch.full((L, L), float("-inf")), diagonal=-1), "additive", None, "tril-for-triu"),
        ("diagonal-0", torch.triu(torch.full((L, L), float("-inf")), diagonal=0), "additive", None, "diagonal-0"),
        ("rows-not-columns", padding_mask[:, :, None].expand(3, L, L), "additive", None, "rows-not-columns"),
        ("inverted-bool", keep, "mha", None, "inverted-bool"),
        ("no-padding-left", causal, "additive", left, "no-padding-left"),
        ("loss-over-padding", torch.ones(3, L), "loss", None, "loss-over-padding"),
        ("no-ignore-index", torch.where(mlm == 999, words, 0), "labels", None, "no-ignore-index"),
        ("fp16-neg-inf", torch.zeros(3, L, L).masked_fill(~((torch.zeros(3, L).masked_fill(lpad, float("-inf"))[:, None, :] + causal) == 0), float("-inf")), "additive", left, "fp16-neg-inf"),
        ("finfo-min-then-add", (torch.zeros(3, 1, L, L).masked_fill(lpad[:, None, None, :], F32_MIN)
                                + torch.triu(torch.full((L, L), F32_MIN), diagonal=1)), "finfo", left, "finfo-min-then-add"),
        ("mask-after-softmax", keep.float(), "additive", None, "mask-after-softmax"),
        # and the right lines
        ("combined", padding_mask[:, None, :] + causal, "additive", None, None),
        ("sdpa keep", keep, "sdpa", None, None),
        ("mha", ~keep, "mha", None, None),
        ("jax", keep[:, None], "jax", None, None),
        ("finfo", torch.zeros(3, 1, L, L).masked_fill(~keep[:, None], F32_MIN), "finfo", None, None),
        ("attention_mask", (~pad).long(), "hf", None, None),
        ("key_padding_mask", pad, "mha", None, None),
        ("HF left-padded", torch.triu(torch.full((L, L), F32_MIN), diagonal=1)[None, None].expand(3, 1, L, L).masked_fill(lpad[:, None, None, :], F32_MIN), "finfo", left, None),
        ("labels -100", batch.masked_fill(pad, -100), "labels", None, None),
        ("MLM labels", torch.where(mlm == 999, words, -100), "labels", None, None),
        ("loss mask", (~pad).float(), "loss", None, None),
    ]
    for name, t, fmt, scen, bug in cases:
        path = scenario_file(f"mask-{name.replace(' ', '-')}.json", t.tolist())
        p = subprocess.run([BIN, "check-mask", path, "--as", fmt] + (["--scenario", scen] if scen else []),
                           capture_output=True, text=True)
        verdict = [ln for ln in p.stdout.splitlines() if ln.startswith("Verdict:")]
        if bug:
            good = p.returncode == 3 and verdict and f"the known bug {bug}," in verdict[0]
        else:
            good = p.returncode == 0 and verdict and verdict[0].startswith("Verdict: correct")
        ok(good, f"check-mask {name} (made by its PyTorch line, --as {fmt}): {verdict[0] if verdict else p.stderr.strip()}")

def modes_of_the_table():
    text = run("--help")
    lines = text[text.index("MODE is one of:"):].splitlines()[1:]
    return [ln.split()[0] for ln in lines if ln.startswith("  ")]


def check_positions(scenario):
    """sinusoidal positions: the embeddings are the same scenario's without them plus PE, written here from
    Attention Is All You Need; a padding cell takes its own index in the row"""
    scen = scen_json(scenario)
    if scen.get("positions") != "sinusoidal":
        return
    label = f"{os.path.basename(scenario)}: positions"
    plain = dict(scen)
    del plain["positions"]
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(plain, f)
    try:
        for mode in ("padding", "mlm", "packed"):
            a = json.loads(run("dump", "--mode", mode, "--scenario", scenario))
            b = json.loads(run("dump", "--mode", mode, "--scenario", f.name))
            X, X0 = tensor(a["embeddings"]), tensor(b["embeddings"])
            B, L, d = X.shape
            pos = tensor(a["position_ids"], torch.int64).double()
            docs = tensor(a["document_ids"], torch.int64)
            pos = torch.where(docs >= 0, pos, torch.arange(L, dtype=torch.float64).expand(B, L))
            i = torch.arange(d)
            rate = torch.pow(10000.0, (i - i % 2).double() / d)
            angle = pos[:, :, None] / rate
            pe = torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))
            ok(close(X, X0 + pe, 1e-12), f"{label} / {mode}: X = embedding + PE(position)")
            Q = X @ tensor(a["W_q"])
            ok(close(tensor(a["Q"]), Q), f"{label} / {mode}: Q from the positioned X")
            if mode == "mlm":
                # two [MASK]s of one sentence are no longer the same row
                batch = tensor(a["batch"], torch.int64)
                for s in range(B):
                    where = (batch[s] == scen.get("mask_id", 999)).nonzero().flatten().tolist()
                    if len(where) >= 2:
                        ok(not torch.equal(X[s, where[0]], X[s, where[1]]),
                           f"{label}: sentence {s}'s [MASK] rows differ")
    finally:
        os.unlink(f.name)


# ---- generation with a KV cache: the prefill and decode loop, run here with an explicit cache ----

def sinusoidal(pos, d):
    """Attention Is All You Need's PE(pos, ·) for a tensor of positions"""
    i = torch.arange(d)
    angle = pos.double()[..., None] / torch.pow(10000.0, (i - i % 2).double() / d)
    return torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))


def sdpa_reference_mask(q, S, bottom_right):
    """the causal bias of scaled_dot_product_attention(is_causal=True), from PyTorch's documented reference
    code (torch.ones(L, S).tril(diagonal=0)), and flash-attn's bottom-right one (diagonal=S - L); the Debian
    torch here predates SDPA, so its reference is written out"""
    keep = torch.ones(q, S, dtype=torch.bool).tril(diagonal=S - q if bottom_right else 0)
    return torch.zeros(q, S, dtype=torch.float64).masked_fill(~keep, float("-inf"))


def check_decode(scenario, padding):
    """the decode mode against a prefill + decode loop with an explicit KV cache, written here, for the
    scenario padded as `padding` says (None: as it says itself, else left)"""
    base = scen_json(scenario)
    path = with_keys(scenario, padding=padding) if padding else scenario
    label = f"{os.path.basename(scenario) if scenario else 'running example'} / decode, {padding or 'own'} padding"
    scen = scen_json(path) if path else {}
    side = scen.get("padding", "left")  # generation pads on the left unless told
    pad_id = scen.get("pad_id", 0)
    d = json.loads(run("dump", "--mode", "decode", *(["--scenario", path] if path else [])))
    batch = tensor(d["batch"], torch.int64)
    B, L = batch.shape
    real = batch != pad_id
    lengths = real.sum(dim=1)
    cols = torch.arange(L)[None, :]
    want_real = cols >= (L - lengths)[:, None] if side == "left" else cols < lengths[:, None]
    ok(torch.equal(real, want_real), f"{label}: the prompts are padded on the {side}")
    X, Wq, Wk, Wv = tensor(d["embeddings"]), tensor(d["W_q"]), tensor(d["W_k"]), tensor(d["W_v"])
    dk = X.shape[-1]
    E, ids = tensor(d["readout_embeddings"]), tensor(d["readout_ids"], torch.int64)
    gen = tensor(d["generated"], torch.int64)
    N = gen.shape[1]
    ok(N == scen.get("generate", 3), f"{label}: generate = {N}")
    zero = scen.get("fully_masked_rows", "zero") == "zero"
    positioned = scen.get("positions") == "sinusoidal"
    prompt_words = zip(sum(d["tokens"], []), batch.flatten().tolist())
    ok(all((i in ids.tolist()) != special(w) for w, i in prompt_words),
       f"{label}: the readout holds every prompt word but the special ones")

    def softmax(s):
        w = torch.softmax(s, dim=-1)
        return torch.nan_to_num(w, nan=0.0) if zero else w

    # prefill: every prompt token at once, padding + causal
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    pad_keys = torch.zeros(B, L, dtype=torch.float64).masked_fill(~real, float("-inf"))
    mask = pad_keys[:, None, :] + torch.triu(torch.full((L, L), float("-inf"), dtype=torch.float64), diagonal=1)
    if scen.get("mask_query_rows"):
        mask = mask + pad_keys[:, :, None]
    w0 = softmax(Q @ K.transpose(-2, -1) / math.sqrt(dk) + mask)
    out0 = w0 @ V
    ok(close(tensor(d["mask"]), mask, 0) and close(tensor(d["A_weights"]), w0, 1e-12),
       f"{label}: the prefill's mask and weights")
    # the first token, read at each prompt's last real token
    last = torch.tensor([int(r.nonzero().max()) for r in real])
    logits = [out0[torch.arange(B), last] @ E.T]
    outs, attention_mask, k_cache, v_cache = [out0], real.long(), K, V
    same = {"q": True, "k_cache": True, "v_cache": True, "scores": True, "mask": True, "masked": True,
            "weights": True, "output": True}
    for t in range(1, N + 1):
        tok = ids[logits[-1].argmax(dim=-1)]
        ok(torch.equal(tok, gen[:, t - 1]), f"{label}: token {t} is torch's argmax of output . E^T")
        pos = attention_mask.sum(dim=1)  # the real tokens before it: cumsum(attention_mask) - 1 of the new column
        x = E[torch.searchsorted(ids, tok.contiguous())] + (sinusoidal(pos, dk) if positioned else 0)
        q = (x @ Wq)[:, None, :]
        k_cache = torch.cat([k_cache, (x @ Wk)[:, None, :]], dim=1)
        v_cache = torch.cat([v_cache, (x @ Wv)[:, None, :]], dim=1)
        attention_mask = torch.cat([attention_mask, torch.ones(B, 1, dtype=torch.int64)], dim=1)
        mask_t = torch.zeros(B, 1, attention_mask.shape[1], dtype=torch.float64).masked_fill(
            attention_mask[:, None, :] == 0, float("-inf"))  # the padding mask alone
        scores_t = q @ k_cache.transpose(-2, -1) / math.sqrt(dk)
        w_t = softmax(scores_t + mask_t)
        o_t = w_t @ v_cache
        for name, theirs, tol in [("q", q, 1e-12), ("k_cache", k_cache, 1e-12), ("v_cache", v_cache, 1e-12),
                                  ("scores", scores_t, 1e-12), ("mask", mask_t, 0), ("masked", scores_t + mask_t, 1e-12),
                                  ("weights", w_t, 1e-12), ("output", o_t, 1e-12)]:
            same[name] &= close(tensor(d[f"{name}_{t}"]), theirs, tol)
        # one query: a causal mask aligned to it (bottom-right) blocks nothing; aligned top-left, all but key 0
        S_t = k_cache.shape[1]
        ok(torch.equal(softmax(scores_t + mask_t + sdpa_reference_mask(1, S_t, True)) @ v_cache, o_t),
           f"{label}: step {t}: a bottom-right causal mask changes nothing")
        ok(not close(softmax(scores_t + mask_t + sdpa_reference_mask(1, S_t, False)) @ v_cache, o_t, 1e-9),
           f"{label}: step {t}: is_causal's top-left mask hides the cache")
        if bool((attention_mask == 0).any()):
            ok(not close(softmax(scores_t) @ v_cache, o_t, 1e-9), f"{label}: step {t}: without the padding mask the output moves")
        outs.append(o_t)
        logits.append(o_t[:, 0] @ E.T)
    for name, good in same.items():
        ok(good, f"{label}: {name}_1 ... {name}_{N} equal the loop's, written here")
    seq = torch.cat([batch, gen], dim=1)
    ok(torch.equal(tensor(d["sequences"], torch.int64), seq), f"{label}: sequences = cat(batch, generated)")
    ok(torch.equal(tensor(d["attention_mask"], torch.int64), attention_mask), f"{label}: attention_mask")
    ok(torch.equal(tensor(d["position_ids"], torch.int64), attention_mask.cumsum(-1) - 1),
       f"{label}: position_ids = attention_mask.cumsum(-1) - 1")
    ok(close(tensor(d["logits"]), torch.stack(logits, dim=1), 1e-12), f"{label}: logits")
    output = torch.cat(outs, dim=1)
    ok(close(tensor(d["output"]), output, 1e-12), f"{label}: output = prefill's rows and each step's")
    # the KV cache changes the cost, not the numbers: the combined mode on the sequences as sentences
    sentences = [[int(x) for x, r in zip(seq[b], attention_mask[b]) if r] for b in range(B)]
    keys = {k: v for k, v in (scen or RUNNING_EXAMPLE).items() if k not in ("losses", "loss_weights", "pack_length")}
    keys.update(sentences=sentences, padding=side)
    whole = scenario_file("decode-sequences.json", keys)
    c = json.loads(run("dump", "--mode", "combined", "--scenario", whole))
    cb, co = tensor(c["batch"], torch.int64), tensor(c["output"])
    creal = cb != pad_id
    worst = max(float((output[b][attention_mask[b].bool()] - co[b][creal[b]]).abs().max()) for b in range(B))
    ok(worst <= 1e-9, f"{label}: every step's output is the combined mode's at the same token (max diff {worst:.1e})")
    full_out = tensor(d["output_full"])
    ok(max(float((full_out[b][attention_mask[b].bool()] - co[b][creal[b]]).abs().max()) for b in range(B)) <= 1e-9,
       f"{label}: output_full is the combined mode's")
    # several new queries: SDPA's is_causal aligns top-left, flash-attn bottom-right; the right one is the full pass
    Xs = torch.cat([X, torch.stack([E[torch.searchsorted(ids, gen[:, i].contiguous())] +
                                    (sinusoidal(lengths + i, dk) if positioned else 0) for i in range(N)], dim=1)], dim=1)
    S = L + N
    for bottom_right in (False, True):
        name = "A_causal_bottomright" if bottom_right else "A_causal_topleft"
        ok(close(tensor(d[name]), sdpa_reference_mask(N, S, bottom_right), 0), f"{label}: {name} [{N}, {S}]")
    full = int(lengths.argmax())  # a prompt with no [PAD]: the alignment alone decides
    if int(lengths[full]) == L:
        Qs, Ks, Vs = Xs[full] @ Wq, Xs[full] @ Wk, Xs[full] @ Wv
        att = lambda m: torch.softmax(Qs[-N:] @ Ks.T / math.sqrt(dk) + m, dim=-1) @ Vs
        ok(close(att(sdpa_reference_mask(N, S, True)), output[full][-N:], 1e-12),
           f"{label}: bottom-right gives the decode steps' outputs")
        ok(N == S or not close(att(sdpa_reference_mask(N, S, False)), output[full][-N:], 1e-6),
           f"{label}: top-left does not")
    if padding:
        os.unlink(path)


def check_decode_prints():
    """print A_causal_topleft / bottomright --queries q as PyTorch prints the same masks"""
    for q in (1, 2, 8):
        for br in (False, True):
            name = "A_causal_bottomright" if br else "A_causal_topleft"
            want = as_print(sdpa_reference_mask(q, 8, br).float()) + "\n"
            got = run("print", name, "--queries", str(q))
            ok(got == want, f"print {name} --queries {q}" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))
    for name, want in [("generated", None), ("q_2", None)]:
        got = run("print", name, "--sentence", "1") if name == "q_2" else run("print", name)
        d = json.loads(run("dump", "--mode", "decode"))
        t = tensor(d[name], torch.int64 if name == "generated" else torch.float64)
        want = (str(t) if name == "generated" else as_print(t[1])) + "\n"
        ok(got == want, f"print {name}" + ("" if got == want else f"\n# got:\n{got}# want:\n{want}"))


check_notebook_prints()
table = modes_of_the_table()
ok(set(table) == set(MODES) | set(FAMILY) | set(CORRUPT) | {"decode", "bugs"},
   f"every mode of the table is cross-checked here: {table}")
check_decode_prints()
check_gallery()
check_mask_verdicts()
for sc in SCEN:
    for m in MODES:
        check(sc, m)
    for m in FAMILY:
        check_family(sc, m)
    if sc:
        check_positions(sc)
    check_bert(sc)
    check_t5(sc)
    for side in (None, "left", "right"):
        check_decode(sc, side)
    for m in MODES + FAMILY:
        check_conventions(sc, m)
        check_leaks_influence(sc, m)

print(f"1..{len(results)}")
for i, (good, what) in enumerate(results, 1):
    print(f"{'ok' if good else 'not ok'} {i} - {what}")
shutil.rmtree(TMP, ignore_errors=True)
failed = sum(1 for g, _ in results if not g)
sys.exit(1 if failed else 0)
