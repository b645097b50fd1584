"""Figures → a terminal table, report.md, a hit@k plot and per-question JSONL."""

from __future__ import annotations

import json
import math
from pathlib import Path

from eval.metrics import Outcome, hit_curve

COLUMNS = [
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
    ("answer_accuracy", "answer acc"), ("citation_precision", "cite prec"), ("citation_recall", "cite rec"),
    ("abstain_recall", "abstain"), ("false_abstain_rate", "false abst"), ("short_answer_accuracy", "short acc"),
    ("short_answer_precision", "short prec"), ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
]


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def table_lines(table: dict[str, dict], markdown: bool = False, columns=None) -> list[str]:
    columns = columns or COLUMNS
    header = ["mode"] + [label for _, label in columns]
    rows = [[mode] + [_cell(f.get(key)) for key, _ in columns] for mode, f in table.items()]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % widths[0] if i == 0 else "{:>%d}" % w for i, w in enumerate(widths))
    return [fmt.format(*header)] + [fmt.format(*r) for r in rows]


def print_table(table: dict[str, dict], title: str = "", columns=None) -> None:
    if title:
        print(title)
    for line in table_lines(table, columns=columns):
        print(line)


def plot_hit_curves(curves: dict[str, list[float]], file: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    ks = list(range(1, 11))
    for mode, values in curves.items():
        ax.plot(ks, values, marker="o", linewidth=2 if mode == "hybrid" else 1.4,
                linestyle="--" if mode == "tutorial" else "-", label=mode)
    ax.set_xlabel("k (passages retrieved)")
    ax.set_ylabel("hit@k: a relevant passage in the top k")
    ax.set_xticks(ks)
    ax.set_ylim(0.0 if min(min(v) for v in curves.values()) < 0.5 else 0.5, 1.005)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(file)
    plt.close(fig)


def write_report(out: Path, table: dict[str, dict], outcomes_by_mode: dict[str, list[Outcome]],
                 comparison: str, title: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    curves = {mode: hit_curve(o) for mode, o in outcomes_by_mode.items()}
    plot_hit_curves(curves, out / "hit_at_k.png", title)
    for mode, outcomes in outcomes_by_mode.items():
        with open(out / f"questions-{mode}.jsonl", "w", encoding="utf-8") as f:
            for o in outcomes:
                f.write(json.dumps(o.to_json(), ensure_ascii=False) + "\n")
    lines = [f"# {title}", "", *table_lines(table, markdown=True), "", "![hit@k](hit_at_k.png)", ""]
    if comparison:
        lines += ["## Significance (paired t-test, p < 0.05)", "", "```", comparison, "```", ""]
    lines += ["## Questions that failed", ""]
    for mode, outcomes in outcomes_by_mode.items():
        failed = [o for o in outcomes if (o.answerable and not o.correct) or (not o.answerable and not o.abstained)]
        lines.append(f"### {mode}: {len(failed)} of {len(outcomes)}")
        for o in failed:
            why = "abstained" if o.abstained else ("answered an unanswerable question" if not o.answerable else
                  f"wrong answer (first relevant passage at rank {o.first_relevant_rank() or '>10'})")
            lines.append(f"- `{o.id}` {o.question} — {why}")
        lines.append("")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "figures.json").write_text(json.dumps(table, indent=2), encoding="utf-8")
