"""What ``verify_run`` says of a path that is not a run folder: one line (an InputError) naming
the path and what it is, with the right article ("an uncertainty folder", "a respond folder"),
nothing verified (issue 16: the mutation run's survivors of ``verify_run``, whose lines no
oracle case reaches and the CLI test reads only in part)."""

import pytest

from borderflow.data.errors import InputError, display_path
from borderflow.runfolder import write_marker
from borderflow.verify import NOT_A_RUN, verify_run

NOT_A_RUN_LINE = "not a run folder (no summary.json, run.json or marker)"


@pytest.mark.parametrize("what", ["empty folder", "file", "nothing"])
def test_a_path_without_a_run_is_refused_naming_it(tmp_path, what):
    path = tmp_path / what
    if what == "empty folder":
        path.mkdir()
    elif what == "file":
        path.write_text("")
    with pytest.raises(InputError) as err:
        verify_run(path)
    assert str(err.value) == f"{display_path(path)}: {NOT_A_RUN_LINE}"


@pytest.mark.parametrize("kind, article", [("uncertainty", "an"), ("respond", "a"),
                                           ("calibration", "a")])
def test_a_folder_of_another_kind_is_named_with_its_article(tmp_path, kind, article):
    folder = tmp_path / kind
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    write_marker(folder, kind)
    with pytest.raises(InputError) as err:
        verify_run(folder)
    assert str(err.value) == (f"{display_path(folder)}: is {article} {kind} folder, not a run "
                              f"folder: {NOT_A_RUN[kind](folder)}")
