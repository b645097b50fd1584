"""The bundled capture is cleaned to the article's body: byline kept, site boilerplate gone."""

from __future__ import annotations

import pytest

from tests.conftest import ARTICLE

# Distinct kinds of boilerplate in the capture: cookie banner, menu, teaser headlines and their
# dates, reading-time badge, related posts, share bar, footer, sign-in text.
BOILERPLATE = [
    "By using ECSS site, you agree to the Privacy Policy",
    "Show More",
    "Another obstacle on the Grand Ethiopian Renaissance Dam?",
    "Power Play: Why Is Azerbaijan Setting Its Sights on the Horn of Africa?",
    "May 22, 2025",
    "19 Min Read",
    "Related Posts",
    "A Nuclear-Free Middle East: Rethinking the Arab Strategy Thirty Years On",
    "Facebook Twitter Whatsapp",
    "Stay Connected",
    "All Rights Reserved",
    "Sign in to your account",
    "Lost your password?",
    "ECSS Shop",
    "Will the Energy Sector Withstand the Ongoing War in Gaza?",
]


def article_text(doc) -> str:
    """The document's text but its colophon (the publisher and reading time written after it)."""
    return "\n\n".join(doc.paragraph_text(p) for p in doc.paragraphs if p.kind not in ("site", "length"))


@pytest.mark.parametrize("junk", BOILERPLATE)
def test_boilerplate_is_gone(article_document, junk):
    assert junk.lower() not in article_text(article_document).lower()


def test_the_colophon_says_who_published_the_article_and_how_long_it_takes_to_read(article_document):
    """After the last paragraph (no paragraph number moves): the site's name from its copyright
    notices, the longest of them ("… ECSS © 2022" and "… Egyptian Center for Strategic Studies -
    ECSS © 2023"), and the reading-time badge under the byline."""
    doc = article_document
    last = [(p.kind, doc.paragraph_text(p)) for p in doc.paragraphs[-2:]]
    assert last == [("site", "Published by Egyptian Center for Strategic Studies"), ("length", "19 Min Read")]
    assert doc.meta.site == "Egyptian Center for Strategic Studies"
    assert doc.paragraph_text(doc.paragraphs[-3]).startswith("Following their respective recent attacks")


def test_body_is_kept_whole(article_document):
    raw = ARTICLE.read_text(encoding="utf-8")
    start = raw.index("Following reciprocal military strikes")
    end = raw.index("prevent third parties from stepping into the conflict.") + len("prevent third parties from stepping into the conflict.")
    body_paragraphs = [" ".join(p.split()) for p in raw[start:end].split("\n\n") if p.strip()]
    for paragraph in body_paragraphs:
        assert paragraph in article_document.text, paragraph[:60]


def test_byline_metadata(article_document):
    meta = article_document.meta
    assert meta.title == "What Led to Pakistan-Iran De-Escalation Following the Recent Exchange of Attacks?"
    assert meta.authors == ("Ali Atef",)
    assert meta.date == "2024-02-06"
    kinds = [p.kind for p in article_document.paragraphs[:3]]
    assert kinds == ["title", "author", "date"]


def test_headings_and_sections(article_document):
    by_text = {article_document.paragraph_text(p): p for p in article_document.paragraphs}
    assert by_text["I. Pakistan’s Motives"].kind == "heading"
    assert by_text["Conclusion"].kind == "heading"
    elections = next(p for t, p in by_text.items() if t.startswith("These elections are taking place"))
    assert elections.section == ("I. Pakistan’s Motives", "6. Preparing for the Upcoming Pakistani Parliamentary Elections")
    fronts = next(p for t, p in by_text.items() if t.startswith("Presently, Iran is engaged"))
    assert fronts.section[0] == "II. Iran’s Motives"
    assert fronts.section[1].startswith("2. Incapability of Iran")


def test_paragraphs_are_numbered_in_order_with_offsets(article_document):
    doc = article_document
    assert [p.n for p in doc.paragraphs] == list(range(1, len(doc.paragraphs) + 1))
    for a, b in zip(doc.paragraphs, doc.paragraphs[1:]):
        assert a.end <= b.start
        assert doc.text[a.end : b.start] == "\n\n"
    assert len(doc.paragraphs) == 47  # 45 of the article's, then its colophon


def test_no_chunk_holds_text_from_outside_the_body(article_document):
    """Every chunk is the body's, one line of the byline block (title, author, date), or the colophon."""
    from ingest.chunking import chunk_document

    raw = ARTICLE.read_text(encoding="utf-8")
    start = raw.index("Following reciprocal military strikes")
    end = raw.index("stepping into the conflict.") + len("stepping into the conflict.")
    body = " ".join(raw[start:end].split())
    byline_block = [" ".join(line.split()) for line in raw[raw.rindex("Arab & Regional Studies", 0, start) : start].splitlines()]
    for chunk in chunk_document(article_document, 1200, 0):
        if chunk.kind in ("title", "author", "date"):
            assert chunk.text in byline_block, chunk.text
        elif chunk.kind in ("site", "length"):  # the colophon, tested above
            continue
        else:
            assert chunk.text in body, chunk.text[:80]


def test_section_paths_of_irans_motives(article_document):
    """"What were Iran's motives?" can be answered from the section: its heading, the opening
    paragraph, and six numbered sub-sections, each paragraph carrying its path."""
    doc = article_document
    texts = [doc.paragraph_text(p) for p in doc.paragraphs]
    first = texts.index("II. Iran’s Motives")
    last = texts.index("Conclusion")
    inside = doc.paragraphs[first + 1 : last]
    assert all(p.section[0] == "II. Iran’s Motives" for p in inside)
    subsections = []
    for p in inside:
        if len(p.section) == 2 and p.section[1] not in subsections:
            subsections.append(p.section[1])
    assert [s.split(".")[0] for s in subsections] == ["1", "2", "3", "4", "5", "6"]
    assert subsections[1] == "2. Incapability of Iran to Simultaneously Open Multiple Fronts of Engagement"
    # The opening paragraph sits under the heading alone, before any numbered motive.
    assert inside[0].section == ("II. Iran’s Motives",)
    assert doc.paragraph_text(inside[0]).startswith("While Pakistan had multiple and delicate reasons")
    # Each sub-section's first paragraph opens with its own title: the lead-in heading.
    for title in subsections:
        opening = next(p for p in inside if p.section[-1] == title)
        assert doc.paragraph_text(opening).startswith(title + ":")


def test_a_short_text_opening_with_a_two_word_line_has_it_as_title(tmp_path):
    from ingest.readers import read_file

    note = tmp_path / "orchard-notes.txt"
    note.write_text(
        "Orchard Notes\n\nThe old apple trees along the south wall were pruned in February, when the sap was "
        "still low and the buds had not yet begun to swell.\n\nWe kept the water sprouts that grew at a good "
        "angle and removed the rest, so that light reaches the centre of each tree during the summer.\n",
        encoding="utf-8",
    )
    reading = read_file(note, 10**7)
    assert reading.meta.title == "Orchard Notes"
    assert reading.meta.authors == ()
    assert [b.kind for b in reading.blocks] == ["title", "text", "text"]


TEASER_CAPTURE = """Home
World
Trending: Storm hits the coast | Markets rally on rate cut | Local team wins the cup
Tea Growers Turn to Shade Trees as Summers Grow Hotter
By Maria Costa
March 3, 2024
Tea growers in the hills have begun planting shade trees between their rows, a practice their grandparents abandoned decades ago when yields were the only measure that mattered to the estates.
The trees cool the soil by several degrees in the hottest weeks of the year, and the growers say the leaves picked from shaded bushes are thicker and keep their flavour longer after drying.
Agronomists who have followed the trial plots for three seasons report that the shaded rows lost less water and needed no more fertiliser than the open ones, though the first harvest was smaller.
Share this article
"""


def test_a_bar_of_teaser_headlines_is_never_the_title():
    from ingest.clean import clean_capture

    blocks, meta = clean_capture(TEASER_CAPTURE, "teasers.txt")
    assert meta.title == "Tea Growers Turn to Shade Trees as Summers Grow Hotter"
    assert meta.authors == ("Maria Costa",) and meta.date == "2024-03-03" and meta.language == "en"
    assert not any("Markets rally" in b.text for b in blocks)


def test_one_pipe_may_join_a_title_to_its_series():
    from ingest.byline import read_byline

    lines = ["Milan Design Week 2018 | A light installation for FLOS", "By Jane Roe"]
    assert read_byline(lines, [False, False]).title == 0


PROSE = ("Tea growers in the hills have begun planting shade trees between their rows, a practice their "
         "grandparents abandoned decades ago when yields were the only measure that mattered to the estates, "
         "and which the estates' managers long called a waste of good ground.",
         "The trees cool the soil by several degrees in the hottest weeks of the year, and the growers say the "
         "leaves picked from shaded bushes are thicker and keep their flavour longer after drying, which buyers "
         "at the auctions have begun to notice.",
         "Agronomists who have followed the trial plots for three seasons report that the shaded rows lost less "
         "water and needed no more fertiliser than the open ones, though the first harvest was smaller and the "
         "second only matched the old yields.")


def _capture(*middle: str, after: tuple[str, ...] = ()) -> str:
    head = "Home\nNews\nTea Growers Turn to Shade Trees\nBy Maria Costa\nMarch 3, 2024\n"
    return head + "\n".join(middle) + "\n" + "\n".join(after) + "\n"


def test_captions_and_a_gallerys_repeats_are_not_the_article():
    from ingest.clean import clean_capture

    caption = "A grower prunes a young shade tree on an estate above the town, in a photo from last spring."
    text = _capture(PROSE[0], caption + " (Image: GETTY )", "Image 1 of 8", PROSE[1], PROSE[1], PROSE[2])
    blocks, _ = clean_capture(text, "captions.txt")
    kept = [b.text for b in blocks if b.kind == "text"]
    assert kept == list(PROSE)


def test_the_article_ends_where_its_comment_thread_begins():
    from ingest.clean import clean_capture

    comments = ("12 responses to “Tea Growers Turn to Shade Trees”", "leafpicker says:", "March 3, 2024 at 6:34 am",
                "My family has grown tea for three generations and we never stopped planting shade trees, whatever "
                "the estates said about yields, and our leaves were always the best in the valley by far.",
                "hillfarmer says:", "March 3, 2024 at 7:02 am",
                "This is the longest comment of them all, longer than any paragraph of the article, about how shade "
                "trees changed our farm: the soil, the water, the birds that came back, the pickers who worked in "
                "the cool, and the buyers who paid more for the leaves every single season since we began.")
    blocks, _ = clean_capture(_capture(*PROSE, after=comments), "comments.txt")
    kept = [b.text for b in blocks if b.kind == "text"]
    assert kept == list(PROSE)


def test_a_schedule_the_article_ends_with_is_kept():
    from ingest.clean import clean_capture

    dates = ("Tasting tour dates:", "June 9 -- Estate House, Nuwara Eliya", "June 10 -- Hill Club, Kandy",
             "June 14 -- Tea Museum, Hantane", "June 17 -- Town Hall, Ella", "June 19 -- Station Road, Haputale",
             "June 20 -- Market Square, Badulla")
    blocks, _ = clean_capture(_capture(*PROSE, after=(*dates, "Privacy Policy | Terms")), "tour.txt")
    kept = [b.text for b in blocks]
    assert kept[-7:] == list(dates) and "Privacy Policy | Terms" not in kept


def test_a_teaser_list_inside_the_article_is_dropped_and_the_article_goes_on():
    from ingest.clean import clean_capture

    teasers = ("Most read in world news", "FLOOD WARNING", "River bursts its banks after a week of storms",
               "Minister resigns after leaked messages", "Zoo welcomes twin panda cubs 'after years of trying'")
    heading = "How are the trees chosen?"  # a question: the teasers are over
    more = ("Most growers choose native species that lose their leaves in the cool season, so that the bushes get "
            "the winter sun, and they plant them far enough apart that the pickers can still walk between the rows.")
    text = _capture(PROSE[0], PROSE[1], *teasers, heading, PROSE[2], more)
    blocks, _ = clean_capture(text, "teasers-inside.txt")
    kept = [b.text for b in blocks if b.kind in ("text", "heading")]
    assert kept == [PROSE[0], PROSE[1], heading, PROSE[2], more]


def test_a_teaser_heading_with_a_colon_ends_at_the_articles_next_sentence():
    from ingest.clean import clean_capture

    after = ("Tea Growers Turn to Shade Trees", "More:", "Estates sell land to developers", "Auction prices fall again",
             "Here are the growers' main findings:")
    blocks, _ = clean_capture(_capture(PROSE[0], PROSE[1], *after[1:], PROSE[2]), "more-colon.txt")
    kept = [b.text for b in blocks if b.kind in ("text", "heading")]
    assert kept == [PROSE[0], PROSE[1], after[-1], PROSE[2]]


def test_credits_glued_to_captions_and_promotions_in_capitals_are_dropped():
    from ingest.clean import clean_capture

    middle = (PROSE[0], "A grower prunes a young shade tree above the townCredit: Getty - Contributor",
              "The estate's nursery beds in early spring [File: Reuters]", "CLICK HERE TO GET THE HARBOUR NEWS APP",
              PROSE[1], "WHAT DO THE BUYERS SAY ABOUT THE LEAVES?", PROSE[2])
    blocks, _ = clean_capture(_capture(*middle), "credits.txt")
    kept = [b.text for b in blocks if b.kind in ("text", "heading")]
    assert kept == [PROSE[0], PROSE[1], "WHAT DO THE BUYERS SAY ABOUT THE LEAVES?", PROSE[2]]


def test_the_article_ends_at_the_next_teasers_byline_and_before_the_sites_pitches():
    from ingest.clean import clean_capture

    feed = ("If you enjoyed this article, we have a proposition for you: join our members, who get all of our "
            "reporting without paywalls or advertising, and support the journalism you have just read.",
            "LEARN MORE", "Our Latest", "Shade Trees and the Price of Tea", "By Ana Lima",
            "Auction houses in the capital say that buyers have begun asking where the leaves were grown and under "
            "what trees, and some are now willing to pay more for the estates that can answer with records, which "
            "most of the smaller growers have never kept and now scramble to put together from old ledgers, "
            "receipts and the memories of the pickers who have worked the same rows for decades.",
            "Need more tea news? Subscribe to our weekly newsletter for the latest from the estates!")
    blocks, _ = clean_capture(_capture(*PROSE, after=feed), "feed.txt")
    kept = [b.text for b in blocks if b.kind == "text"]
    assert kept == list(PROSE)
