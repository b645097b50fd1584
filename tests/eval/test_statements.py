"""eval/statements.py: a SQuAD question and its answer as one declarative sentence (the true
claims the verifier is trained and measured on). Exact sentences for each question shape the rules
know, None for the shapes they do not, and (xfail, strict) shapes where the rules still write wrong
English."""

from __future__ import annotations

import pytest

from eval.statements import statement

THERHI = "The Therhi massacre on June 3, 1963 killed many villagers."


@pytest.mark.parametrize("question, answer, context, expected", [
    # The wh-phrase is the subject.
    ("Who wrote Hamlet?", "William Shakespeare", "", "William Shakespeare wrote Hamlet."),
    ("Which team won the Super Bowl?", "the Broncos", "", "The Broncos won the Super Bowl."),
    ("What is consumed in the reaction?", "oxygen", "", "Oxygen is consumed in the reaction."),
    ("What event would necessitate a new election?", "a vote of no confidence", "",
     "A vote of no confidence would necessitate a new election."),
    # "is/was" + a subject: the answer ends the sentence.
    ("What is the capital of France?", "Paris", "", "The capital of France is Paris."),
    ("Who was Galileo Ferraris?", "a physicist", "", "Galileo Ferraris was a physicist."),
    ("Where is the Eiffel Tower?", "Paris", "", "The Eiffel Tower is in Paris."),
    # Passives: the participle ends the subject; the answer as an adverbial.
    ("When was the bridge built?", "1883", "The bridge was built in 1883.", "The bridge was built in 1883."),
    ("Where was the treaty signed?", "Versailles", "", "The treaty was signed in Versailles."),
    ("What is Warsaw known for?", "its parks", "", "Warsaw is known for its parks."),
    ("When was the Scottish Parliament originally established?", "1999", "",
     "The Scottish Parliament was originally established in 1999."),
    ("What has the city been called?", "the Paris of the North", "The city has been called many names.",
     "The city has been called the Paris of the North."),
    # A preposition before the wh-word.
    ("In what year was the university founded?", "1816", "", "The university was founded in 1816."),
    ("In which city was Chopin born?", "Żelazowa Wola", "", "Chopin was born in Żelazowa Wola."),
    # Do-support: the verb inflected as did/does says.
    ("When did Poland sign the treaty?", "1990", "Poland signed it in 1990.", "Poland signed the treaty in 1990."),
    ("When did the Therhi massacre take place?", "June 3, 1963", THERHI,
     "The Therhi massacre took place on June 3, 1963."),
    ("When did the Therhi massacre take place?", "1963", THERHI, "The Therhi massacre took place in 1963."),
    ("When does the season start?", "in May", "", "The season starts in May."),  # the answer's own preposition
    ("When will the station open?", "2025", "", "The station will open in 2025."),
    ("Why did the army retreat?", "the cold winter", "", "The army retreated because of the cold winter."),
    ("Whom did the king appoint?", "his brother", "", "The king appointed his brother."),
    ("What did Tesla develop in 1887?", "an induction motor", "", "Tesla developed an induction motor in 1887."),
    ("Which company did Tesla work for?", "Edison Machine Works", "", "Tesla worked for Edison Machine Works."),
    ("What did the council do?", "focused on reform", "", "The council focused on reform."),
    # How many / how much: the number with its noun, unless the answer has it.
    ("How many people visited the museum?", "2 million", "", "2 million people visited the museum."),
    ("How many troops were sent?", "5,000", "", "5,000 troops were sent."),
    ("How many members does the parliament have?", "129", "", "The parliament has 129 members."),
    ("How many students attend the university?", "about 40,000 students", "",
     "About 40,000 students attend the university."),
    ("How much did the bridge cost?", "5 million dollars", "", "The bridge cost 5 million dollars."),
    # Spacing and a final full stop of the question and the answer do not matter.
    ("  Who   wrote Hamlet ?", " William  Shakespeare. ", "", "William Shakespeare wrote Hamlet."),
])
def test_statement_of_each_question_shape(question, answer, context, expected):
    assert statement(question, answer, context) == expected


@pytest.mark.parametrize("question, answer", [
    ("Name the capital of France.", "Paris"),  # no wh-word
    ("When the war ended?", "1945"),  # no auxiliary after the wh-word
    ("How did the army retreat?", "slowly"),  # manner
    ("How far is Warsaw from Berlin?", "500 km"),  # degree
    ("How many people visited the museum?", "a lot"),  # not a number
    ("What party is Tusk part of?", "Civic Platform"),  # no place for the answer after "of"
    ("Whose car did Tom borrow?", "Mary's"),  # "whose" as the object
    ("Who?", "Shakespeare"),  # too short
    ("Who wrote Hamlet?", "  "),  # no answer
])
def test_shapes_the_rules_do_not_know_give_none(question, answer):
    assert statement(question, answer, "") is None


def test_the_paragraph_tells_where_the_subject_ends():
    question = "When did the war between Poland and Russia end?"
    context = "The war between Poland and Russia ended in 1921 with the Treaty of Riga."
    assert statement(question, "1921", context) == "The war between Poland and Russia ended in 1921."


def wrong(question: str, answer: str, context: str, expected: str, writes: str, why: str):
    """A case the rules get wrong today: `expected` is the correct sentence, `writes` what comes out."""
    return pytest.param(question, answer, context, expected,
                        marks=pytest.mark.xfail(strict=True, reason=f"{why}: writes {writes!r}"))


# Wrong English the rules write today (reported, not asserted as right).
@pytest.mark.parametrize("question, answer, context, expected", [
    wrong("What year did the war end?", "1945", "The war ended in 1945.", "The war ended in 1945.",
          "The war ended 1945.", '"what year" with do-support gets no preposition'),
    wrong("What did Tesla want to be?", "an engineer", "", "Tesla wanted to be an engineer.",
          "Tesla wanted an engineer to be.", 'the answer goes before "to be"'),
    wrong("Who did Tesla work with at Edison?", "Charles Batchelor", "",
          "Tesla worked with Charles Batchelor at Edison.", "Tesla worked Charles Batchelor with at Edison.",
          "a stranded preposition followed by another phrase"),
    wrong("Whose army invaded Poland?", "Hitler's", "", "Hitler's army invaded Poland.",
          "Hitler's invaded Poland.", 'the head noun of "whose" is dropped'),
    wrong("What force keeps the planets in orbit?", "gravity", "", "Gravity keeps the planets in orbit.",
          "Gravity in orbit.", "the wh-phrase takes up to 4 words, a verb that can be a noun among them"),
    wrong("Who was responsible for the attack?", "Oswald", "", "Oswald was responsible for the attack.",
          "Responsible for the attack was Oswald.", 'lemminflect has "responsible" only as a noun'),
    wrong("When did the Therhi massacre take place?", "1963", "", "The Therhi massacre took place in 1963.",
          "The Therhi massacre take placed in 1963.", "without the paragraph the later verb-like word wins"),
])
def test_known_wrong_english(question, answer, context, expected):
    assert statement(question, answer, context) == expected
