"""What `cited train-reader` and `cited train-verifier` share: seeding, the optimizer, the batch
plan, the training loop (linear warm-up and decay, gradient clipping, a time cap) and the fp16
weights file without the frozen word embeddings (read from the bundled encoder at load)."""

from __future__ import annotations

import collections
import json
import math
import random
import shutil
import time
from pathlib import Path

import numpy as np

from retrieval.search.pair_model import FROZEN_KEY

TOKENIZER_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


ARGUMENTS = ("seed", "epochs", "max_minutes", "threads", "max_examples", "batch_size", "lr", "head_lr")


def card_start(command: str, args) -> dict:
    """What every card opens with: the command as it was run, the seed, threads and torch, and
    the training's arguments."""
    import sys

    import torch

    run = f"cited {command} " + " ".join(sys.argv[2:]) if sys.argv[1:2] == [command] else f"cited {command}"
    return {"command": run, "seed": args.seed, "threads": args.threads, "torch": torch.__version__,
            "arguments": {k: v for k, v in vars(args).items() if k in ARGUMENTS}}


def seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_batches(lengths: list[int], size: int, rng: random.Random | None, shuffle: bool = True) -> list[list[int]]:
    """Batches of items of similar length (little padding), in random order when training."""
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    batches = []
    chunk = size * 50
    for c in range(0, len(order), chunk):
        part = sorted(order[c : c + chunk], key=lambda i: lengths[i])
        batches += [part[k : k + size] for k in range(0, len(part), size)]
    if shuffle:
        rng.shuffle(batches)
    return batches


def batch_plan(lengths: list[int], size: int, epochs: float, rng: random.Random) -> list[list[int]]:
    """Every epoch's batches in turn; a fraction of an epoch takes that share of a last one."""
    plan = []
    for _ in range(int(math.floor(epochs))):
        plan += make_batches(lengths, size, rng)
    if epochs % 1 > 1e-9:
        extra = make_batches(lengths, size, rng)
        plan += extra[: int(round(len(extra) * (epochs % 1)))]
    return plan


def optimizer_for(model, head_prefixes: tuple[str, ...], lr: float, head_lr: float):
    """AdamW: weight decay 0.01 on the encoder's matrices, none on biases and LayerNorms; the
    heads at their own learning rate."""
    import torch

    decay, no_decay, heads = [], [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith(head_prefixes):
            heads.append(p)
        elif p.ndim == 1 or "LayerNorm" in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01, "lr": lr},
                              {"params": no_decay, "weight_decay": 0.0, "lr": lr},
                              {"params": heads, "weight_decay": 0.0, "lr": head_lr}])


def train_loop(model, optimizer, plan: list, loss_of, deadline: float, started: float, log) -> dict:
    """Runs loss_of(batch) → loss over the plan: 10% linear warm-up, then linear decay to zero;
    stops at the deadline. Returns what the card records of it."""
    import torch

    warm = max(1, int(len(plan) * 0.1))
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    model.train()
    losses: collections.deque = collections.deque(maxlen=50)
    done = 0
    for step, batch in enumerate(plan):
        if time.time() > deadline:
            log(f"time cap: stopped at step {step} of {len(plan)}")
            break
        scale = (step + 1) / warm if step < warm else max(0.0, (len(plan) - step) / max(1, len(plan) - warm))
        for group, lr in zip(optimizer.param_groups, base_lrs):
            group["lr"] = lr * scale
        loss = loss_of(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        done = step + 1
        if step % 100 == 0 or done == len(plan):
            log(f"step {done}/{len(plan)} loss {np.mean(losses):.4f} ({time.time() - started:.0f} s)")
    return {"steps_planned": len(plan), "steps_done": done, "minutes": round((time.time() - started) / 60, 1),
            "final_running_loss": float(np.mean(losses)) if losses else None}


def save_fp16(model, out: Path, weights_name: str, base: Path, metadata: dict[str, str]) -> tuple[str, int]:
    """The model's fp16 weights without the frozen word embeddings, and the bundled encoder's
    tokenizer files beside them; the weights' sha256 and size."""
    from safetensors.torch import save_file

    from retrieval.base.files import sha256_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items() if k != FROZEN_KEY}
    weights = out / weights_name
    # safetensors writes its metadata keys in hash-map order (its Rust core): a rerun gives the same
    # tensors bit for bit, but the file's sha256 only when the keys happen to come in the same order.
    save_file(state, str(weights), metadata=metadata)
    for name in TOKENIZER_FILES:
        if (base / name).exists():
            shutil.copy(base / name, out / name)
    return sha256_file(weights), weights.stat().st_size


def write_card(out: Path, card: dict) -> None:
    (out / "card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
