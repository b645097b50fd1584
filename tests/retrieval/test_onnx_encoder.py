"""Questions on onnxruntime: the bundled model's export gives sentence-transformers' vectors, a
damaged export is made again, and a question asked from the command line never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from eval.server import child_environment
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings
from retrieval.search import onnx_encoder
from retrieval.search.embed import BUNDLED_SHA256, SentenceTransformerEmbedder, load_embedder
from retrieval.search.reader import load_reader

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def encoders(real_embedder):
    """The session's bundled encoder (ONNX for questions) and sentence-transformers itself."""
    assert isinstance(real_embedder, onnx_encoder.OnnxEncoder), "the bundled model runs questions on onnxruntime"
    return real_embedder, real_embedder.bulk()


def test_onnx_vectors_are_sentence_transformers_vectors(encoders, article_document):
    onnx, torch_encoder = encoders
    assert isinstance(torch_encoder, SentenceTransformerEmbedder)
    sentences = [article_document.paragraph_text(p) for p in article_document.paragraphs]
    ours = np.concatenate([onnx.encode(sentences[i : i + 8]) for i in range(0, len(sentences), 8)])
    theirs = np.concatenate([torch_encoder.encode(sentences[i : i + 8]) for i in range(0, len(sentences), 8)])
    cosine = (ours * theirs).sum(axis=1)
    assert ours.shape == (len(sentences), 384) and cosine.min() >= 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # Many texts at once go to sentence-transformers, batched over the cores.
    assert np.array_equal(onnx.encode(sentences), torch_encoder.encode(sentences))


def test_the_export_is_cached_with_its_sha256_and_a_damaged_one_is_not_used(encoders, tmp_path, monkeypatch):
    found = onnx_encoder.find_export(BUNDLED_SHA256)
    assert found is not None and Path(os.environ["CITED_CACHE"]) in found.parents
    monkeypatch.setenv("CITED_CACHE", str(tmp_path))
    copy = onnx_encoder.export_dir(BUNDLED_SHA256)
    copy.mkdir(parents=True)
    files = ("model.onnx", onnx_encoder.GRAPH_WEIGHTS, onnx_encoder.WORD_VECTORS)
    left = sorted(p.name for p in found.parent.iterdir())  # nothing left over
    assert left in (sorted([*files, "export.json"]), sorted([*files, "export.json", onnx_encoder.VERIFIED]))
    for name in (*files, "export.json"):
        (copy / name).write_bytes((found.parent / name).read_bytes())
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    for name in files:
        original = (copy / name).read_bytes()
        with open(copy / name, "r+b") as f:  # one byte changed
            f.seek(1000)
            f.write(bytes([original[1000] ^ 1]))
        assert onnx_encoder.find_export(BUNDLED_SHA256) is None
        (copy / name).write_bytes(original)
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    assert onnx_encoder.find_export("0" * 64) is None  # another model's weights: not this export
    # An export made before the word vectors and the weights left the graph is made again, not used.
    meta = json.loads((copy / "export.json").read_text())
    (copy / "export.json").write_text(json.dumps({k: v for k, v in meta.items() if k != "format"}))
    assert onnx_encoder.find_export(BUNDLED_SHA256) is None


def test_an_export_hashed_once_is_not_hashed_again_until_a_file_changes(encoders, tmp_path, monkeypatch):
    found = onnx_encoder.find_export(BUNDLED_SHA256)
    monkeypatch.setenv("CITED_CACHE", str(tmp_path))
    copy = onnx_encoder.export_dir(BUNDLED_SHA256)
    copy.mkdir(parents=True)
    files = ("model.onnx", onnx_encoder.GRAPH_WEIGHTS, onnx_encoder.WORD_VECTORS)
    for name in (*files, "export.json"):
        (copy / name).write_bytes((found.parent / name).read_bytes())
    hashed = []
    real_sha256 = onnx_encoder.sha256_file
    monkeypatch.setattr(onnx_encoder, "sha256_file", lambda f: hashed.append(Path(f).name) or real_sha256(f))
    # Files written just now are hashed every time: a change within the same clock tick would not
    # show in their stat.
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    assert sorted(hashed) == sorted(files * 2) and not (copy / onnx_encoder.VERIFIED).exists()
    monkeypatch.setattr(onnx_encoder, "RACY_NS", -10**12)  # as if they had been written long ago
    hashed.clear()
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    assert sorted(hashed) == sorted(files) and (copy / onnx_encoder.VERIFIED).exists()
    hashed.clear()
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    assert hashed == []  # vouched for by their stat
    time.sleep(0.05)  # past the clock tick of the stat recorded
    original = (copy / onnx_encoder.GRAPH_WEIGHTS).read_bytes()
    with open(copy / onnx_encoder.GRAPH_WEIGHTS, "r+b") as f:  # one byte changed, same size
        f.seek(1000)
        f.write(bytes([original[1000] ^ 1]))
    assert onnx_encoder.find_export(BUNDLED_SHA256) is None
    assert onnx_encoder.GRAPH_WEIGHTS in hashed
    (copy / "verified.json").write_text("{not json")  # a damaged record: hashed again, not trusted
    (copy / onnx_encoder.GRAPH_WEIGHTS).write_bytes(original)
    hashed.clear()
    assert onnx_encoder.find_export(BUNDLED_SHA256) == copy / "model.onnx"
    assert sorted(hashed) == sorted(files)


def test_word_vectors_are_read_by_row_outside_the_graph(encoders):
    onnx, _ = encoders
    path = onnx_encoder.find_export(BUNDLED_SHA256)
    # The graph takes the rows as its input and holds no word-embedding matrix of its own.
    assert [i.name for i in onnx.session.get_inputs()] == list(onnx_encoder.INPUTS)
    graph_and_weights = path.stat().st_size + (path.parent / onnx_encoder.GRAPH_WEIGHTS).stat().st_size
    assert graph_and_weights < (path.parent / onnx_encoder.WORD_VECTORS).stat().st_size
    rows, dimension = onnx.words.rows, onnx.words.dimension
    assert (rows, dimension) == (30522, 384)
    matrix = np.fromfile(path.parent / onnx_encoder.WORD_VECTORS, dtype="<f4").reshape(rows, dimension)
    ids = np.array([[101, 2040, 2626, 1996, 3720, 102], [101, 2040, 102, 0, 0, 0]])
    assert np.array_equal(onnx.words.of(ids), matrix[ids])


def test_the_graphs_weights_are_in_their_own_file_for_onnxruntime_to_map(encoders):
    import onnx

    path = onnx_encoder.find_export(BUNDLED_SHA256)
    graph = onnx.load(str(path), load_external_data=False)
    large = [t for t in graph.graph.initializer if np.prod(t.dims) * 4 >= 1024]
    assert len(large) > 30 and path.stat().st_size < 200_000
    assert all(t.data_location == onnx.TensorProto.EXTERNAL for t in large)
    assert {e.value for t in large for e in t.external_data if e.key == "location"} == {onnx_encoder.GRAPH_WEIGHTS}


def test_the_runtime_is_a_setting():
    assert Settings.from_env(environ={}).encoder_runtime == "onnx"
    assert Settings.from_env(environ={"CITED_ENCODER_RUNTIME": "torch"}).encoder_runtime == "torch"
    with pytest.raises(CitedError, match="must be onnx or torch"):
        Settings.from_env(environ={"CITED_ENCODER_RUNTIME": "tpu"})
    assert isinstance(load_embedder("all-MiniLM-L6-v2", runtime="torch"), SentenceTransformerEmbedder)


def test_a_question_from_the_command_line_never_imports_torch(encoders, article_settings):
    # The reader (on by default) is exported on its first load, with torch; this test's own run
    # must not be that first load, whichever tests ran before it.
    load_reader()
    # Nor what only ingest (tqdm's bars, URL fetching), eval's commands or a library above EXACT_BELOW
    # passages (FAISS) need: a cold start pays for each.
    program = ("import sys; from ui.cli import main; code = main(['ask', 'Who wrote the article?', '--index', "
               f"{str(article_settings.index_dir)!r}]); "
               "print('imported:', sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'numba', "
               "'scipy', 'eval.train_reader', 'eval.bench', 'eval.cli', 'tqdm', 'urllib.request', 'faiss') if m in sys.modules)); "
               "sys.exit(code)")
    environment = child_environment()
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT,
                         env=environment, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Ali Atef [1]")
    assert "imported: []" in run.stdout


def test_a_document_runs_on_onnxruntime_until_sentence_transformers_is_loaded(encoders, article_document,
                                                                              monkeypatch):
    from retrieval.search.embed import bundled_model_dir

    _, torch_encoder = encoders
    path = onnx_encoder.find_export(BUNDLED_SHA256)

    def not_loaded():
        raise AssertionError("a document's sentences loaded sentence-transformers")

    fresh = onnx_encoder.OnnxEncoder(path, bundled_model_dir(), not_loaded)
    sentences = [article_document.paragraph_text(p) for p in article_document.paragraphs][:40]
    assert onnx_encoder.FEW_TEXTS < len(sentences) <= onnx_encoder.ONNX_UP_TO
    ours, theirs = fresh.encode(sentences, progress=True), torch_encoder.encode(sentences)
    assert ours.shape == theirs.shape and (ours * theirs).sum(axis=1).min() >= 0.9999  # in order, batched
    # More than ONNX_UP_TO at once load it, and it then takes every call of many texts.
    monkeypatch.setattr(onnx_encoder, "ONNX_UP_TO", 20)
    loading = onnx_encoder.OnnxEncoder(path, bundled_model_dir(), lambda: torch_encoder)
    assert np.array_equal(loading.encode(sentences), theirs)
    assert np.array_equal(loading.encode(sentences[:12]), torch_encoder.encode(sentences[:12]))


def test_a_question_runs_on_up_to_two_threads_that_never_spin_between_runs(encoders, monkeypatch):
    onnx, _ = encoders
    options = onnx.session.get_session_options()
    assert options.intra_op_num_threads == onnx_encoder.threads_to_use() == min(2, os.cpu_count())
    # A question's threads busy-wait for work within a run only: spinning between runs kept a core
    # busy after each question.
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    assert options.get_session_config_entry("session.force_spinning_stop") == "1"
    # The reader's batches never spin: their large operators leave nothing to gain.
    from retrieval.search.reader import load_reader

    reader_options = load_reader()._forward.session.get_session_options()
    assert reader_options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert onnx_encoder.threads_to_use() == 1


def test_tokenizers_of_one_file_share_its_vocabulary_and_tokenize_as_the_file_says(encoders):
    from tokenizers import Tokenizer

    from retrieval.search.embed import bundled_model_dir
    from retrieval.search.pair_model import pair_tokenizer
    from retrieval.search.reader import BUNDLED_READER, MAX_LEN

    onnx, _ = encoders
    file = bundled_model_dir() / "tokenizer.json"
    parsed = Tokenizer.from_file(str(file))
    parsed.enable_truncation(onnx_encoder.MAX_TOKENS)
    parsed.enable_padding(pad_id=0, pad_token="[PAD]")
    assert onnx.tokenizer.to_str() == parsed.to_str()  # vocabulary, special tokens, settings: all the file's
    pair = Tokenizer.from_file(str(BUNDLED_READER / "tokenizer.json"))
    pair.enable_truncation(MAX_LEN, strategy="only_second")
    pair.enable_padding(pad_id=0, pad_token="[PAD]")
    reader_tokenizer = pair_tokenizer(BUNDLED_READER / "tokenizer.json", MAX_LEN)
    assert reader_tokenizer.to_str() == pair.to_str()
    texts = ["Who leads the caretaker government?", "a [SEP] b [MASK] c", "Naïve café — “quoted” 1,000 km²"]
    for ours, theirs in ((onnx.tokenizer.encode_batch(texts), parsed.encode_batch(texts)),
                         (reader_tokenizer.encode_batch([(t, t * 40) for t in texts]),
                          pair.encode_batch([(t, t * 40) for t in texts]))):
        assert [(e.ids, e.offsets, e.type_ids, e.attention_mask) for e in ours] == \
               [(e.ids, e.offsets, e.type_ids, e.attention_mask) for e in theirs]
    # Truncation and padding are each tokenizer's own, though the vocabulary is shared.
    assert len(reader_tokenizer.encode_batch([(texts[0], texts[2] * 40)])[0].ids) == MAX_LEN


def test_a_tokenizer_file_with_tokens_added_beyond_its_vocabulary_is_read_as_it_says(tmp_path):
    from tokenizers import Tokenizer

    from retrieval.search.embed import bundled_model_dir

    meta = json.loads((bundled_model_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    meta["added_tokens"].append({"id": 30522, "content": "<doc>", "single_word": False, "lstrip": False,
                                 "rstrip": False, "normalized": False, "special": False})
    file = tmp_path / "tokenizer.json"
    file.write_text(json.dumps(meta), encoding="utf-8")
    ours, theirs = onnx_encoder.tokenizer_from(file), Tokenizer.from_file(str(file))
    theirs.no_truncation()
    theirs.no_padding()
    assert ours.encode("see <doc> here").ids == theirs.encode("see <doc> here").ids
    assert ours.token_to_id("<doc>") == 30522 and ours.to_str() == theirs.to_str()
