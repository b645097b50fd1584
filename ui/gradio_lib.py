"""Gradio, as the ui modules import it: analytics off, and without pyarrow, which pandas (imported
by gradio) imports whenever it is installed (it comes with the eval tools and Milvus Lite). No
part of cited's app uses it, and it held 36 MB of the chat server's memory."""

import os

from cited.imports import imported_without

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
gr = imported_without("gradio", ("pyarrow",))
