"""`cited train-verifier`: trains the verifier that retrieval/search/verifier.py loads — a cross-encoder
that reads (claim, premise) and says whether the premise entails the claim, contradicts it or does
not settle it — on this machine's CPU, reproducibly (fixed seed; the data files' sha256, the
command and every figure in the card).

The model: the reader's encoder (itself all-MiniLM-L6-v2 trained here on SQuAD questions against
sentences, which is most of what checking a claim against a sentence needs) with a linear head on
[CLS] for the three labels, trained with cross-entropy on eval/verifier_data.py's pairs. The word
embeddings stay frozen and are not saved (the bundled encoder's, sha256-checked at load).

Articles: the 8 public evaluation articles are never read; the reader's 4 held-out articles and
the 8 calibration articles of `cited eval --tune` are not trained on (the verifier's thresholds are
chosen on the former, `cited eval --check` reports on both); MultiNLI dev mismatched is the
held-out NLI test. Figures are measured through retrieval/search/verifier.py itself.
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
from eval.training import FROZEN_KEY, batch_plan, card_start, optimizer_for, save_fp16, seed_all, train_loop, write_card
from eval.verifier_data import HELD_OUT_NLI, LABELS, NLI_FILES, Pair, read_nli, squad_training_pairs
from retrieval.base.files import sha256_file

SHARED = sets.SHARED
MAX_LEN = 128  # claim + premise tokens
WEIGHTS = "verifier.fp16.safetensors"
LICENCE = ("CC BY-SA 4.0: trained on SNLI (CC BY-SA 4.0), MultiNLI dev matched (OANC / CC BY-SA 3.0 and other "
           "permissive licences), counterfactually revised SNLI (Apache-2.0; sentences CC BY-SA 4.0) and SQuAD 1.1 and "
           "2.0 development articles (CC BY-SA 4.0); initialised from cited's reader (CC BY-SA 4.0), itself from "
           "all-MiniLM-L6-v2 (Apache-2.0)")
CALIBRATION_TITLES = Path(__file__).resolve().parent / "sets" / "reader_calibration_titles.txt"
TUNE_TITLES = ("Construction", "Doctor_Who", "Force", "Immune_system", "Islamism", "Martin_Luther", "Nikola_Tesla",
               "Rhine")  # eval/tune.py's calibration articles (calibration_titles of the SQuAD 1.1 file, seed 13)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="retrieval/models/verifier", help="the verifier folder to write (default: the bundled one)")
    p.add_argument("--training", default=str(SHARED / "training"), metavar="DIR",
                   help="folder with snli/, mnli/ and snli_counterfactual/ (../shared/training)")
    p.add_argument("--squad-dev", default=str(SHARED / "benchmarks" / "squad-dev"), metavar="DIR",
                   help="folder with squad2-dev.public.json and squad11-dev.public.json")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--max-minutes", type=float, default=85.0, help="hard cap on preparation + training")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--max-examples", type=int, default=0, help="0 = all; else a seeded subsample (quick trials)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--head-lr", type=float, default=5e-4)
    p.add_argument("--skip-eval", action="store_true", help="no figures on the held-out data")
    p.add_argument("--figures-only", action="store_true",
                   help="no training: measure the verifier in --out on the held-out data and write the figures to its card")


def new_model(reader_folder: Path, base: Path):
    """The reader's encoder with a 3-label head on [CLS]."""
    import torch

    from retrieval.search.reader import WEIGHTS as READER_WEIGHTS
    from retrieval.search.reader import _load as load_reader_module

    reader = load_reader_module(reader_folder / READER_WEIGHTS, base)
    encoder = reader.parts["encoder"]

    class Verifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.label_head = torch.nn.Linear(encoder.config.hidden_size, len(LABELS))

        def forward(self, ids, types, attention):
            hidden = self.encoder(input_ids=ids, token_type_ids=types, attention_mask=attention).last_hidden_state
            return self.label_head(hidden[:, 0])

    return Verifier()


def encode_pairs(tokenizer, pairs: list[Pair]) -> list[tuple[list[int], list[int], int]]:
    encoded = tokenizer([p.claim for p in pairs], [p.premise for p in pairs], truncation="longest_first",
                        max_length=MAX_LEN)
    return [(ids, types, p.label) for ids, types, p in zip(encoded["input_ids"], encoded["token_type_ids"], pairs)]


def collate(items: list, batch: list[int]):
    import torch

    length = max(len(items[i][0]) for i in batch)
    ids = torch.zeros(len(batch), length, dtype=torch.long)
    types = torch.zeros(len(batch), length, dtype=torch.long)
    attention = torch.zeros(len(batch), length, dtype=torch.long)
    for row, i in enumerate(batch):
        size = len(items[i][0])
        ids[row, :size] = torch.tensor(items[i][0])
        types[row, :size] = torch.tensor(items[i][1])
        attention[row, :size] = 1
    return ids, types, attention, torch.tensor([items[i][2] for i in batch])


def titles_for_training(articles: dict, public: set[str]) -> tuple[list[str], list[str]]:
    held = CALIBRATION_TITLES.read_text(encoding="utf-8").split()
    never = public | set(held) | set(TUNE_TITLES)
    return [t for t in articles if t not in never], held


def train(args, log=print) -> dict:
    import torch
    import torch.nn.functional as F
    from transformers import AutoTokenizer

    from eval.reader_data import load_articles
    from eval.reading import public_titles
    from retrieval.search.embed import bundled_model_dir, verify_bundled_weights
    from retrieval.search.reader import BUNDLED_READER
    from retrieval.search.reader import WEIGHTS as READER_WEIGHTS

    started = time.time()
    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    base = bundled_model_dir()
    verify_bundled_weights(base)
    training, squad = Path(args.training), Path(args.squad_dev)
    squad2, squad11 = squad / "squad2-dev.public.json", squad / "squad11-dev.public.json"
    data = [training / f for f in NLI_FILES] + [squad2, squad11]
    card: dict = {"name": "cited verifier (cited's reader encoder + an entailment / neutral / contradiction head)",
                  "what": "Reads a (claim, premise) pair, the premise a sentence of an article or two adjacent ones: "
                          "the probabilities that the premise entails the claim, does not settle it, or contradicts it.",
                  "weights": WEIGHTS,
                  "frozen_and_not_stored": f"{FROZEN_KEY} (read from the bundled all-MiniLM-L6-v2, sha256-checked)",
                  **card_start("train-verifier", args),
                  "data_sha256": {str(f.relative_to(f.parent.parent)): sha256_file(f) for f in data},
                  "licence": LICENCE, "base_model_sha256": sha256_file(base / "model.safetensors"),
                  "initialised_from": {"reader_weights_sha256": sha256_file(BUNDLED_READER / READER_WEIGHTS)},
                  "labels": list(LABELS), "max_len": MAX_LEN}
    articles, _ = load_articles(squad2, squad11)
    train_titles, held = titles_for_training(articles, public_titles())
    card.update({"excluded_titles": sorted(public_titles()), "held_out_titles": held,
                 "not_trained_on_either": sorted(set(TUNE_TITLES) - set(held)), "train_titles": train_titles,
                 "held_out_nli": HELD_OUT_NLI})
    log(f"{len(train_titles)} training articles; held out {held} and {sorted(TUNE_TITLES)}")
    pairs = [p for f in NLI_FILES for p in read_nli(training / f, f.split("/")[0])]
    pairs += squad_training_pairs(articles, train_titles, args.seed, base, log)
    if args.max_examples and len(pairs) > args.max_examples:
        pairs = random.Random(args.seed + 1).sample(pairs, args.max_examples)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    items = encode_pairs(tokenizer, pairs)
    card["examples"] = {"pairs": len(items), "by_label": dict(collections.Counter(LABELS[p.label] for p in pairs)),
                        "by_kind": dict(sorted(collections.Counter(p.kind for p in pairs).items()))}
    log(f"{len(items)} pairs {card['examples']['by_label']}; prepared in {time.time() - started:.0f} s")

    seed_all(args.seed)
    model = new_model(BUNDLED_READER, base)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer = optimizer_for(model, ("label_head",), args.lr, args.head_lr)
    plan = batch_plan([len(x[0]) for x in items], args.batch_size, args.epochs, random.Random(args.seed + 2))

    def loss_of(batch):
        ids, types, attention, labels = collate(items, batch)
        return F.cross_entropy(model(ids, types, attention), labels)

    card["training"] = train_loop(model, optimizer, plan, loss_of, started + args.max_minutes * 60, started, log)
    out = Path(args.out)
    card["weights_sha256"], card["weights_bytes"] = save_fp16(
        model, out, WEIGHTS, base, {"base_model_sha256": card["base_model_sha256"], "frozen_from_base": FROZEN_KEY,
                                    "max_len": str(MAX_LEN), "labels": ",".join(LABELS)})
    write_card(out, card)
    if not args.skip_eval:
        from eval.verifier_figures import held_out_figures

        card["figures"] = held_out_figures(out, articles, held, training / HELD_OUT_NLI, args.seed, log)
        write_card(out, card)
    return card


def figures_only(args, log=print) -> dict:
    """The held-out figures of the verifier in args.out, written to its card."""
    from eval.reader_data import load_articles
    from eval.verifier_figures import held_out_figures

    out, training = Path(args.out), Path(args.training)
    squad = Path(args.squad_dev)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    articles, _ = load_articles(squad / "squad2-dev.public.json", squad / "squad11-dev.public.json")
    card["figures"] = held_out_figures(out, articles, card["held_out_titles"], training / HELD_OUT_NLI, args.seed, log)
    write_card(out, card)
    return card


def main(args) -> int:
    def log(message: str) -> None:
        print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)

    card = figures_only(args, log) if args.figures_only else train(args, log)
    print(json.dumps({"out": args.out, "weights_sha256": card["weights_sha256"], "training": card["training"],
                      "figures": card.get("figures", {})}, indent=1))
    return 0
