"""Composing the answer: sentences, short answers, follow-ups, outlines, abstention, the optional LLM writer and the check of what it wrote."""
