"""Where the eval sets live: the article's own sets here, the benchmarks in ../shared beside the
repository (absent from a plain clone: the commands that need them say so)."""

from pathlib import Path

SETS = Path(__file__).resolve().parent
SHARED = SETS.parents[2] / "shared"
DEFAULT_SET = SETS / "article.jsonl"
DEFAULT_CONVERSATIONS = SETS / "conversations.jsonl"
DEFAULT_SQUAD = SHARED / "benchmarks" / "squad-expmrc" / "expmrc-squad-dev.public.json"
DEFAULT_SQUAD2 = SHARED / "benchmarks" / "squad-dev" / "squad2-dev.public.json"
DEFAULT_SQUAD11 = SHARED / "benchmarks" / "squad-dev" / "squad11-dev.public.json"
DEFAULT_EXTRACTION = SHARED / "benchmarks" / "article-extraction"
DEFAULT_CANARD = SHARED / "training" / "canard" / "test.txt"
