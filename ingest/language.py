"""Which language a document is written in, and the cleaning resources cited has for it.

py3langid (langid.py's model, shipped inside the package: offline, ~0.5 s to load once) names
the language; jusText's stoplist for that language tells prose from menus. A language jusText has
no stoplist for, or text too short to tell, is cleaned language-neutrally (jusText's own advice:
an empty stoplist with both stopword thresholds at 0, so length alone decides) rather than
refused. The encoder is English-only: for other languages BM25 carries retrieval (README).
"""

from __future__ import annotations

MIN_CHARS = 40  # shorter than this, no guess is made
# ISO 639-1 code → jusText's stoplist name, for the languages both know.
JUSTEXT_STOPLISTS = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "", "ka": "Georgian",
    "kk": "Kazakh", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam",
    "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "ne": "Nepali", "nl": "Dutch", "no": "Norwegian_Bokmal",
    "nb": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "zh": "",
}


def detect(text: str) -> str:
    """The ISO 639-1 code of the text's language, or "" when there is too little text to tell."""
    sample = " ".join(text.split())[:20000]
    if len(sample) < MIN_CHARS:
        return ""
    import py3langid  # its model is a numpy array file, loaded without pickle

    code, _ = py3langid.classify(sample)
    return code


def stoplist(code: str) -> frozenset[str]:
    """jusText's stopwords for a language; empty (language-neutral cleaning) when it has none."""
    import justext

    name = JUSTEXT_STOPLISTS.get(code, "")
    return frozenset(justext.get_stoplist(name)) if name else frozenset()

