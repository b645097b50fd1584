"""`cited train-reader`: trains the reader that retrieval/search/reader.py loads, from the bundled
all-MiniLM-L6-v2, on SQuAD development articles (eval/reader_data.py), on this machine's CPU,
reproducibly (fixed seed; the data files' sha256, the command and every figure in the card).

The model: the MiniLM encoder, a linear head on [CLS] for "this sentence answers the question"
and a linear head on every token for the answer's start and end; loss = BCE + ½ (start CE + end
CE) on positives. The word embeddings stay frozen and are not saved (they are the bundled
encoder's, read from its sha256-checked file at load), which halves the fp16 weights file.
Figures are measured on the held-out training articles through retrieval/search/reader.py itself.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

from eval import sets
from eval.reader_data import MAX_LEN, build_examples, collate, encode_examples, load_articles, prepare
from eval.training import FROZEN_KEY, batch_plan, card_start, optimizer_for, save_fp16, seed_all, train_loop
from eval.training import write_card as _write_card
from retrieval.base.files import sha256_file

SHARED = sets.SHARED / "benchmarks"
HELD_OUT = 4
LICENCE = ("CC BY-SA 4.0: trained on SQuAD 1.1 and 2.0 (Rajpurkar et al., 2016; Rajpurkar, Jia and Liang, "
           "2018); the base model all-MiniLM-L6-v2 is Apache-2.0")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="retrieval/models/reader", help="the reader folder to write (default: the bundled one)")
    p.add_argument("--squad-dev", default=str(SHARED / "squad-dev"), metavar="DIR",
                   help="folder with squad2-dev.public.json and squad11-dev.public.json")
    p.add_argument("--exclude", default=str(SHARED / "squad-expmrc" / "expmrc-squad-dev.public.json"), metavar="FILE",
                   help="SQuAD-format file whose articles are never trained on (the evaluation articles)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--max-minutes", type=float, default=75.0, help="hard cap on preparation + training")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the other core stays free)")
    p.add_argument("--max-examples", type=int, default=0, help="0 = all; else a seeded subsample (quick trials)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--head-lr", type=float, default=5e-4)
    p.add_argument("--skip-eval", action="store_true", help="no figures on the held-out articles")


def new_model(base: Path):
    import torch
    from transformers import AutoModel

    class Reader(torch.nn.Module):
        def __init__(self, encoder) -> None:
            super().__init__()
            self.encoder = encoder
            self.ans_head = torch.nn.Linear(encoder.config.hidden_size, 1)
            self.span_head = torch.nn.Linear(encoder.config.hidden_size, 2)

        def forward(self, ids, types, attention, in_sentence):
            hidden = self.encoder(input_ids=ids, token_type_ids=types, attention_mask=attention).last_hidden_state
            answerable = self.ans_head(hidden[:, 0]).squeeze(-1)
            ends = self.span_head(hidden)
            floor = torch.finfo(ends.dtype).min / 2
            return answerable, ends[..., 0].masked_fill(~in_sentence, floor), ends[..., 1].masked_fill(~in_sentence, floor)

    return Reader(AutoModel.from_pretrained(str(base), add_pooling_layer=False))


def train(args, log=print) -> dict:
    import torch
    import torch.nn.functional as F

    started = time.time()
    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    import pysbd
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    from retrieval.search.embed import bundled_model_dir, verify_bundled_weights

    base = bundled_model_dir()
    verify_bundled_weights(base)
    squad2, squad11 = Path(args.squad_dev) / "squad2-dev.public.json", Path(args.squad_dev) / "squad11-dev.public.json"
    card: dict = {**card_start("train-reader", args),
                  "data_sha256": {squad2.name: sha256_file(squad2), squad11.name: sha256_file(squad11)},
                  "licence": LICENCE, "base_model_sha256": sha256_file(base / "model.safetensors")}
    articles, in_v2 = load_articles(squad2, squad11)
    forbidden = sorted({a["title"] for a in json.loads(Path(args.exclude).read_text(encoding="utf-8"))["data"]})
    allowed = [t for t in articles if t not in forbidden]
    held = sorted(random.Random(args.seed).sample(sorted(t for t in allowed if t in in_v2), HELD_OUT))
    train_titles = [t for t in allowed if t not in held]
    card.update({"excluded_titles": forbidden, "held_out_titles": held, "train_titles": train_titles})
    log(f"{len(train_titles)} training articles; held out {held}; never {forbidden}")

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    encoder = SentenceTransformer(str(base), device="cpu")
    paragraphs = prepare(articles, train_titles, segmenter, encoder)
    examples, stats = build_examples(paragraphs, args.seed)
    if args.max_examples and len(examples) > args.max_examples:
        examples = random.Random(args.seed + 1).sample(examples, args.max_examples)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    items, lost = encode_examples(tokenizer, examples)
    stats.update({"examples_used": len(items), "positives_used": sum(1 for x in items if x[3] == 1),
                  "positives_span_truncated": lost, "used_by_kind": dict(collections.Counter(e[4] for e in examples))})
    card["examples"] = stats
    log(f"{len(items)} examples ({stats['positives_used']} positive); prepared in {time.time() - started:.0f} s")

    seed_all(args.seed)
    model = new_model(base)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer = optimizer_for(model, ("ans_head", "span_head"), args.lr, args.head_lr)
    plan = batch_plan([len(x[0]) for x in items], args.batch_size, args.epochs, random.Random(args.seed + 2))

    def loss_of(batch):
        ids, types, attention, in_sentence, labels, starts, ends = collate(items, batch)
        answerable, start_logits, end_logits = model(ids, types, attention, in_sentence)
        loss = F.binary_cross_entropy_with_logits(answerable, labels)
        spans = starts >= 0
        if spans.any():
            loss = loss + 0.5 * (F.cross_entropy(start_logits[spans], starts[spans])
                                 + F.cross_entropy(end_logits[spans], ends[spans]))
        return loss

    card["training"] = train_loop(model, optimizer, plan, loss_of, started + args.max_minutes * 60, started, log)
    save(model, Path(args.out), base, card)
    if not args.skip_eval:
        from eval.reader_figures import held_out_figures

        card["figures"] = held_out_figures(Path(args.out), prepare(articles, held, segmenter, encoder))
        card["figures"]["held_out_articles"] = held
        _write_card(Path(args.out), card)
    return card


def save(model, out: Path, base: Path, card: dict) -> None:
    """The reader folder: fp16 weights (without the frozen word embeddings), the tokenizer, the card."""
    card["weights_sha256"], card["weights_bytes"] = save_fp16(
        model, out, "reader.fp16.safetensors", base,
        {"base_model_sha256": card["base_model_sha256"], "frozen_from_base": FROZEN_KEY, "max_len": str(MAX_LEN)})
    _write_card(out, card)


def main(args) -> int:
    def log(message: str) -> None:
        print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)

    card = train(args, log)
    figures = card.get("figures", {})
    print(json.dumps({"out": args.out, "weights_sha256": card["weights_sha256"], "training": card["training"],
                      "figures": figures}, indent=1))
    return 0
