"""Notes in a citation style (issue 17, step 3): `chronology --style`, rendered by citeproc-py, with a second-hand
citation composed in the Chicago Manual's "quoted in" form (17th ed., 14.260)."""

from __future__ import annotations

import pytest

# Chicago 14.260: the cited work with its locator, ", quoted in ", the reporting work with its locator. Here the
# paper (already cited in note 1, so shortened) reports the newspaper issue of 3 August 1953 on its p. 340; the
# issue's own locator is its date and number as the paper prints them.
ZERI_NOTE = ("Zëri i Popullit, August 3, 1953, 3 gusht 1953, nr. 135, quoted in Lala, “Disruption of "
             "Albanian-Soviet Relations”, 2014, 340.")


def _chronology(cli, url, *args):
    result = cli(url, "chronology", "--year", "1953", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.replace("\n    ", " ")  # (each entry and note, wrapped at the width, on one line again)


def test_chicago_note_prints_the_quoted_in_form(cli, seeded_url):
    text = _chronology(cli, seeded_url, "--style", "chicago-note")
    notes = dict(line.split("] ", 1) for line in text.split("\nNotes\n")[1].split("\n\n")[0].splitlines())
    assert ZERI_NOTE in notes.values()
    assert notes["[1"] == ("Brisejda Lala, “Disruption of Albanian-Soviet Relations”, Academic Journal of "
                           "Interdisciplinary Studies 3, no. 3 (2014): 340, doi:10.5901/ajis.2014.v3n3p340.")
    bibliography = text.split("\nBibliography\n")[1].splitlines()
    assert "Duka" not in text  # (only the works the 1953 events cite)
    assert [line.split(".")[0] for line in bibliography] == ["FBI Documents", "Hoxha, E", "Lala, Brisejda",
                                                             "Smirnova, N", "Zavalani, T", "Zëri i Popullit"]
    assert len(bibliography) == len({line for line in bibliography}) == 6


def test_a_note_after_a_quoted_in_note_names_its_work(cli, seeded_url):
    """Chicago's "ibid." stands for the one work of the note before: after a note that names two works (a
    second-hand citation) the next note names its work again, here the paper's own p. 341 after the Hoxha memoir
    quoted in the paper's p. 340."""
    text = _chronology(cli, seeded_url, "--style", "chicago-note")
    notes = text.split("\nNotes\n")[1].split("\n\n")[0].splitlines()
    after = [note for before, note in zip(notes, notes[1:], strict=False) if "quoted in" in before]
    assert after and not [note for note in after if "ibid" in note.lower()], after
    assert "[5] Lala, “Disruption of Albanian-Soviet Relations”, 2014, 341." in notes


def test_author_date_puts_the_quoted_in_form_in_one_parenthesis(cli, seeded_url):
    text = _chronology(cli, seeded_url, "--style", "chicago-author-date")
    assert "(FBI Documents 1962, quoted in Lala 2014, 341)" in text


def test_the_plain_chronology_is_unchanged_and_entries_are_the_same(cli, seeded_url):
    plain = _chronology(cli, seeded_url)
    styled = _chronology(cli, seeded_url, "--style", "chicago-note")
    assert "[1] Lala 2014, p. 340." in plain
    assert plain.split("\nNotes\n")[0] == styled.split("\nNotes\n")[0]


@pytest.mark.parametrize("args, words", [(("--style", "no-such-style"), "no citation style 'no-such-style'"),
                                         (("--style", "chicago-note", "-f", "markdown"), "--citations pandoc")])
def test_a_bad_style_is_refused(cli, seeded_url, args, words):
    result = cli(seeded_url, "chronology", "--year", "1953", *args)
    assert result.exit_code == 1 and words in result.stderr and result.stdout == ""
