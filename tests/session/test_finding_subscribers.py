"""Finding subscribers by phone, name or pinyin, and ordering names by pinyin (telbill.session.finding)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.errors import ValidationError
from telbill.lists.linked import LinkedList
from telbill.rules.records import User
from telbill.session.finding import NameIndex, name_keys, pinyin_match, readings

NAMES = ["Zhang Qiang", "张强", "欧阳 小明", "曾国藩", "单田芳", "吕布", "Li Na", "李娜", "张强华", "Ｗａｎｇ Ｆａｎｇ"]
USERS = [User(f"8347{i:04d}", name, 0, 0) for i, name in enumerate(NAMES)]


def found(query: str, users: list[User] = USERS) -> list[str]:
    return [u.name for u in NameIndex().find(users, query).users]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("zhangqiang", ["Zhang Qiang", "张强", "张强华"]),      # whole pinyin; a Latin name by its letters
        ("zq", ["Zhang Qiang", "张强", "张强华"]),              # initials
        ("ZQ", ["Zhang Qiang", "张强", "张强华"]),              # any case
        ("zhangq", ["Zhang Qiang", "张强", "张强华"]),          # a whole syllable, then an initial
        ("zqh", ["张强华"]),
        ("qiang", ["Zhang Qiang", "张强", "张强华"]),           # from any syllable on
        ("欧阳小明", ["欧阳 小明"]),                            # a name without its spaces
        ("阳 小", ["欧阳 小明"]),                               # part of one, spaces as typed
        ("oyxm", ["欧阳 小明"]),
        ("xiaoming", ["欧阳 小明"]),
        ("zeng", ["曾国藩"]),                                   # 多音字: the surname reading...
        ("ceng", ["曾国藩"]),                                   # ... and the other one
        ("shantianfang", ["单田芳"]),
        ("dtf", ["单田芳"]),
        ("lvbu", ["吕布"]),                                     # ü typed as v
        ("lubu", ["吕布"]),                                     # ... or as u
        ("lina", ["Li Na", "李娜"]),
        ("wang fang", ["Ｗａｎｇ Ｆａｎｇ"]),                    # full-width letters are letters
        ("张强", ["张强", "张强华"]),                           # the whole name first, then the rest
        ("nobody", []),
        ("iang", ["Zhang Qiang"]),                              # part of a Latin name; not mid-syllable pinyin
    ],
)
def test_find_by_any_name(query: str, names: list[str]) -> None:
    """A name or part of one, its pinyin, initials or a mix, any case, spaces or none."""
    assert found(query) == names


def test_a_whole_phone_names_one_subscriber() -> None:
    """Digits find every phone containing them; a whole phone is that subscriber alone."""
    index = NameIndex()
    users = [User("83470001", "A", 0, 0), User("834700012", "B", 0, 0)]
    assert [u.name for u in index.find(users, "8347000").users] == ["A", "B"]
    exact = index.find(users, " 83470001 ")
    assert exact.exact and [u.name for u in exact.users] == ["A"]


def test_an_empty_query_is_refused() -> None:
    """Nothing but spaces is not a query."""
    with pytest.raises(ValidationError) as info:
        NameIndex().find(USERS, "   ")
    assert info.value.key == "menu.error.find_empty"


def test_readings_of_a_heteronym_and_of_other_characters() -> None:
    """Every reading of a 多音字, most common first; none for a character that is not Chinese."""
    assert readings("曾") == ("ceng", "zeng")
    assert readings("A") == () and readings("1") == ()


def test_names_sort_by_their_latin_letters() -> None:
    """Chinese names by pinyin (surnames by their surname reading), Latin names by their letters,
    any case: 张强 sorts next to Zhang Qiang; 曾 is zeng, 单 is shan."""
    names = ["冯小刚", "司马光明", "周杰", "唐国强", "张强", "徐丽", "Zhang Qiang", "li na", "Li Ming",
             "曾国藩", "单田芳", "欧阳娜娜", "Cao Yu", "陈静"]
    ll = LinkedList(names)
    ll.sort(key=lambda n: name_keys(n).order)
    assert list(ll) == ["Cao Yu", "陈静", "冯小刚", "Li Ming", "li na", "欧阳娜娜", "单田芳", "司马光明",
                        "唐国强", "徐丽", "曾国藩", "Zhang Qiang", "张强", "周杰"]


def test_the_index_works_out_each_name_once() -> None:
    """Keys are kept per distinct name."""
    index = NameIndex()
    users = [User(str(100 + i), "张强" if i % 2 else "Li Na", 0, 0) for i in range(1000)]
    assert len(index.find(users, "zq").users) == 500
    assert len(index) == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["zhang", "qiang", "zeng", "ceng", "guo", "li", "na"]), min_size=1, max_size=4),
       st.data())
def test_any_run_of_syllable_beginnings_matches(syllables: list[str], data: st.DataObject) -> None:
    """A query made of consecutive syllables, each cut to any non-empty beginning, always matches."""
    parts = tuple((s,) for s in syllables)
    first = data.draw(st.integers(0, len(parts) - 1))
    last = data.draw(st.integers(first, len(parts) - 1))
    query = "".join(s[:data.draw(st.integers(1, len(s)))] for s in syllables[first:last + 1])
    assert pinyin_match(query, parts)
