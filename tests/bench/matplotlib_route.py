"""The route a notebook user takes for one frame of maskscope: the combined
mode's masked-scores step of the running example computed with torch as the
notebook does, drawn with matplotlib (four annotated heatmaps with token
labels) and saved as a 1920x1080 PNG. tests/bench/vs-matplotlib.sh times it
against `maskscope export` of the same step."""
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "matplotlib-frame.png"
PAD = 0
sequences = [torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3, 4, 5]), torch.tensor([1, 2, 3, 4])]
batch = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True, padding_value=PAD)
B, L = batch.shape
d = 4
torch.manual_seed(0)
X = torch.randn(B, L, d)
Wq, Wk = torch.randn(d, d), torch.randn(d, d)
A_scores = (X @ Wq) @ (X @ Wk).transpose(-2, -1) / math.sqrt(d)
padding_mask = torch.zeros(B, L).masked_fill(batch == PAD, float("-inf"))
A_pad = padding_mask[:, None, :].expand(B, L, L)
A_causal = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
A_masked = A_scores + A_pad + A_causal

words = {0: "[PAD]", 1: "The", 2: "cat", 3: "ate", 4: "fish", 5: "pie"}
labels = [words[int(t)] for t in batch[0]]
fig, axes = plt.subplots(1, 4, figsize=(19.2, 10.8), dpi=100)
for ax, (name, m) in zip(axes, [("A_scores", A_scores[0]), ("A_pad", A_pad[0]), ("A_causal", A_causal),
                                ("A_masked", A_masked[0])]):
    shown = torch.where(torch.isinf(m), torch.full_like(m, float("nan")), m)
    ax.imshow(shown.numpy(), cmap="PuOr")
    for i in range(L):
        for j in range(L):
            v = float(m[i, j])
            ax.text(j, i, "-inf" if math.isinf(v) else f"{v:.2f}", ha="center", va="center", fontsize=12)
    ax.set_xticks(range(L), labels, rotation=90)
    ax.set_yticks(range(L), labels)
    ax.set_title(name)
fig.suptitle("Masked scores: A_masked = A_scores + A_pad + A_causal")
fig.savefig(out)
