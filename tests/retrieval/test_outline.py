from retrieval.answer.outline import asks_for_a_list


def test_a_list_noun_after_what_or_which_asks_for_the_list():
    assert asks_for_a_list("What factors does the report give for the strike ending?")
    assert asks_for_a_list("Which motives did the court weigh?")


def test_rather_than_compares_nothing_but_than_does():
    assert asks_for_a_list("Why did the union settle rather than strike? What factors does the report give?")
    assert not asks_for_a_list("Were the union's reasons weightier than the company's?")
