from retrieval.answer.aliases import country_of


def test_a_capital_stands_for_its_country_and_other_words_for_themselves():
    assert country_of("Tehran") == "iran"
    assert country_of("New  Delhi") == "india"
    assert country_of("Washington") is None  # a person or a state as often as a government
    assert country_of("Baloch") is None

