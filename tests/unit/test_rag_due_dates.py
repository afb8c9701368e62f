import pytest

from audio_tools.rag.due_dates import find_due_date


@pytest.mark.parametrize(("text", "due"), [
    ("finish the Spanish translation by the 20th of March.", "March 20th"),
    ("finish the Spanish translation by the twentieth of March.", "March 20th"),
    ("Send it by March 3.", "March 3rd"),
    ("The review is on April the twenty-first.", "April 21st"),
    ("due on the 1st of june", "June 1st"),
    ("We go live on the eleventh of May", "May 11th"),
    ("Please send the draft by Friday.", "Friday"),
    ("I will call them next Tuesday.", "next Tuesday"),
    ("I will publish the article tomorrow morning.", "tomorrow morning"),
    ("Get it done by the end of the quarter.", "end of the quarter"),
    ("We can ship in two weeks.", "in two weeks"),
])
def test_dates_said_in_meetings_are_found_and_written_one_way(text: str, due: str) -> None:
    assert find_due_date(text) == due


@pytest.mark.parametrize("text", [
    "The login page changed Wednesday.",
    "We have twenty users.",
    "Nothing here about when.",
    "the 40th of March",
])
def test_text_without_a_due_date_has_none(text: str) -> None:
    assert find_due_date(text) is None
