"""The reader's side: the command line and the Gradio chat app."""
