"""Gradio, as the ui modules import it: analytics off, and without two packages no part of cited's
app uses, which the chat server would otherwise hold:
- pyarrow, which pandas (imported by gradio) imports whenever it is installed (it comes with the
  eval tools and Milvus Lite);
- matplotlib, which Gradio imports at every request, whether or not the app draws, to switch its
  backend to "agg" for the request (utils.MatplotlibBackendMananger). cited's app draws
  nothing with matplotlib, so the switch is made only in a process that has imported it already."""

import os
import sys

from retrieval.base.imports import imported_without

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
gr = imported_without("gradio", ("pyarrow",))

import gradio.utils  # noqa: E402  (after gradio itself, imported without pyarrow above)

_switch_backend = gradio.utils.MatplotlibBackendMananger


class BackendSwitchIfLoaded:
    """Gradio's switch to matplotlib's "agg" backend around a request, where matplotlib is loaded."""

    def __enter__(self):
        self._switch = _switch_backend() if "matplotlib" in sys.modules else None
        if self._switch is not None:
            self._switch.__enter__()

    def __exit__(self, *exc):
        if self._switch is not None:
            self._switch.__exit__(*exc)


gradio.utils.MatplotlibBackendMananger = BackendSwitchIfLoaded
