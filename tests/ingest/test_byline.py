"""Title, author and date from the shapes of byline blocks seen on real captures (each block here
written for the test): the title is the heading directly above the author line, never a label,
a breadcrumb, a date line or a name."""

from __future__ import annotations

import pytest

from ingest.byline import author_names, find_date, read_byline


def picked(lines: list[str]) -> tuple[str, tuple[str, ...], str]:
    found = read_byline(lines, [False] * len(lines))
    return (lines[found.title] if found.title is not None else "", found.authors, found.iso_date)


TITLE = "Shade trees return to the tea estates"

SHAPES = {
    # a wire byline: "Name, AP Role"
    "wire role": ([TITLE, "Tom Krisher, AP Auto Writer", "Updated 5:27 am CST, Wednesday, November 20, 2019"],
                  (TITLE, ("Tom Krisher",), "2019-11-20")),
    # "Name, Organization" beside a European date
    "name and outlet": (["Tea", TITLE, "Charlie Wood, Business Insider", "19.11.2019, 08:57"],
                        (TITLE, ("Charlie Wood",), "2019-11-19")),
    # the date above the title, the author under it
    "date above title": (["Local Sports", "Nov. 20, 2019 6:02 AM EST", TITLE, "By DANICA KIRKA and JILL LAWLESS"],
                         (TITLE, ("DANICA KIRKA", "JILL LAWLESS"), "2019-11-20")),
    # a label above the title is not an author
    "label above title": (["Breaking News", TITLE, "Updated 11:21 pm CST, Tuesday, November 19, 2019"],
                          (TITLE, (), "2019-11-19")),
    # a breadcrumb: what stands above it is menu
    "breadcrumb": (["All Stocks", "you are here: HomeNewsBusinessMarkets", "Last Updated : Nov 20, 2019 01:41 PM IST",
                    TITLE], (TITLE, (), "2019-11-20")),
    "breadcrumb glued to the title": (["Home News Business News " + TITLE, TITLE, "August 23, 2018"],
                                      (TITLE, (), "2018-08-23")),
    # a date line whose date is not in English is still not the title
    "unparsed date line": (["Iklan", TITLE, "Posted on Maret 30, 2015 by Admin"], (TITLE, (), "")),
    # a time glued to the year
    "glued time": ([TITLE, "PUBLISHED WED, NOV 20 20194:29 AM ESTUPDATED AN HOUR AGO", "Natasha Turak"],
                   (TITLE, ("Natasha Turak",), "2019-11-20")),
    # a kicker in capitals above a long headline
    "kicker": (["BLACK DEATH FEARS", "Hunter diagnosed with bubonic plague after eating a rabbit making him third "
                "Beijing local to contract medieval disease", "Debbie White", "18 Nov 2019, 19:09"],
               ("Hunter diagnosed with bubonic plague after eating a rabbit making him third Beijing local to contract "
                "medieval disease", ("Debbie White",), "2019-11-18")),
    # a dek of two sentences under the title
    "two-sentence dek": (["Hong Kong", TITLE, "Editorial", "The growers' patience has paid off. It is up to the estates "
                          "to follow them", "Mon 18 Nov 2019 18.54 GMT"], (TITLE, (), "2019-11-18")),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_byline_shapes(shape):
    lines, expected = SHAPES[shape]
    assert picked(lines) == expected


def test_a_name_with_a_role_is_a_name_and_a_title_with_a_comma_is_not():
    assert author_names("Robert Burns, AP National Security Writer")[0] == ("Robert Burns",)
    assert author_names("Tea, coffee and the estates that grow them")[0] == ()


def test_a_gallery_repeating_the_title_below_the_byline_and_counts_do_not_hide_it():
    from ingest.clean import clean_capture

    prose = ("Tea growers in the hills have begun planting shade trees between their rows, a practice their "
             "grandparents abandoned decades ago when yields were the only measure that mattered to the estates.",
             "The trees cool the soil by several degrees in the hottest weeks of the year, and the growers say the "
             "leaves picked from shaded bushes are thicker and keep their flavour longer after drying.",
             "Agronomists who have followed the trial plots for three seasons report that the shaded rows lost less "
             "water and needed no more fertiliser than the open ones, though the first harvest was smaller.")
    head = ["Menu", "BREAKING NEWS", "Markets close higher on rate hopes", TITLE, "Maria Costa, AP Science Writer",
            "Updated 3:27 am PST, Wednesday, November 20, 2019", "Photo: Jon Hale, AP", "Image 1 of 13", "Caption",
            "Close", TITLE, "1 / 13", "Back to Gallery", "438", "57"]
    blocks, meta = clean_capture("\n".join(head + list(prose)) + "\n", "gallery.txt")
    assert (meta.title, meta.authors, meta.date) == (TITLE, ("Maria Costa",), "2019-11-20")
    assert [b.text for b in blocks if b.kind == "text"] == list(prose)


def test_dates_of_other_shapes():
    assert find_date("19.11.2019, 08:57") == "2019-11-19"
    assert find_date("PUBLISHED TUE, NOV 19 20197:05 AM EST") == "2019-11-19"
