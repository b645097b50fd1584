from retrieval.answer.phrases import coordinated_names


def test_the_last_list_of_names_a_text_gives_in_its_prose():
    text = ("Since 1990 the two clubs have met often, with famous games including the Highbury final on May 2, "
            "1993, and the Anfield replay in March 1996.")
    assert coordinated_names(text) == ["the Highbury final", "the Anfield replay"]


def test_an_apposition_between_two_names_and_a_name_after_a_preposition():
    text = "Ana Lopez, the mayor of Madrid, and Jordi Puig, head of the Catalan Green Party, both want to run."
    assert coordinated_names(text) == ["Ana Lopez", "Jordi Puig"]


def test_a_gloss_in_brackets_is_no_item_and_a_bare_name_takes_no_verb():
    assert coordinated_names("The main groups are the Hezb-e-Wahdat [Unity Party] and the Jamiat [Society].") == [
        "the Hezb-e-Wahdat", "the Jamiat"]
    assert coordinated_names("Spain and Portugal agreed to share the water.") == ["Spain", "Portugal"]


def test_no_names_joined_by_and_no_list():
    assert coordinated_names("Spain agreed to share the water with its neighbour.") == []
    assert coordinated_names("Spain agreed. And Portugal refused.") == []
    assert coordinated_names("Spain has long argued with France and Portugal.") == []  # no Spain among them
