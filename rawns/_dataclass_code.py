"""``__init__`` templates of the dataclass shapes on first-use paths (generated).

Written by ``python tests/unit/test_dataclass_fast.py`` from
``rawns._dataclass_init._HOT`` (its test fails when this is not current); read, when
one of these shapes is first needed, instead of compiling its text.
"""

# mypy: ignore-errors
# (placeholder names: each class renames a copy of the code)


def _pp_plain(_o):
    def __init__(
        self,
        _0,
        _1,
    ):
        self._0 = _0
        self._1 = _1

    return __init__


def _dkk_frozen_post(_o, _d0):
    def __init__(
        self,
        *,
        _1,
        _2,
    ):
        _o.__setattr__(self, "_0", _d0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        self.__post_init__()

    return __init__


def _dkkk_frozen_post(_o, _d0):
    def __init__(
        self,
        *,
        _1,
        _2,
        _3,
    ):
        _o.__setattr__(self, "_0", _d0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        self.__post_init__()

    return __init__


def _dkkkkkkk_frozen_post(_o, _d0):
    def __init__(
        self,
        *,
        _1,
        _2,
        _3,
        _4,
        _5,
        _6,
        _7,
    ):
        _o.__setattr__(self, "_0", _d0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        _o.__setattr__(self, "_4", _4)
        _o.__setattr__(self, "_5", _5)
        _o.__setattr__(self, "_6", _6)
        _o.__setattr__(self, "_7", _7)
        self.__post_init__()

    return __init__


def _dkkkkkkkk_frozen_post(_o, _d0):
    def __init__(
        self,
        *,
        _1,
        _2,
        _3,
        _4,
        _5,
        _6,
        _7,
        _8,
    ):
        _o.__setattr__(self, "_0", _d0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        _o.__setattr__(self, "_4", _4)
        _o.__setattr__(self, "_5", _5)
        _o.__setattr__(self, "_6", _6)
        _o.__setattr__(self, "_7", _7)
        _o.__setattr__(self, "_8", _8)
        self.__post_init__()

    return __init__


def _kkkkkkkkk_frozen_post(_o):
    def __init__(
        self,
        *,
        _0,
        _1,
        _2,
        _3,
        _4,
        _5,
        _6,
        _7,
        _8,
    ):
        _o.__setattr__(self, "_0", _0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        _o.__setattr__(self, "_4", _4)
        _o.__setattr__(self, "_5", _5)
        _o.__setattr__(self, "_6", _6)
        _o.__setattr__(self, "_7", _7)
        _o.__setattr__(self, "_8", _8)
        self.__post_init__()

    return __init__


def _kkkkkkkkkk_frozen_post(_o):
    def __init__(
        self,
        *,
        _0,
        _1,
        _2,
        _3,
        _4,
        _5,
        _6,
        _7,
        _8,
        _9,
    ):
        _o.__setattr__(self, "_0", _0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        _o.__setattr__(self, "_4", _4)
        _o.__setattr__(self, "_5", _5)
        _o.__setattr__(self, "_6", _6)
        _o.__setattr__(self, "_7", _7)
        _o.__setattr__(self, "_8", _8)
        _o.__setattr__(self, "_9", _9)
        self.__post_init__()

    return __init__


def _kkkkkkkkkkkkkkk_frozen_post(_o):
    def __init__(
        self,
        *,
        _0,
        _1,
        _2,
        _3,
        _4,
        _5,
        _6,
        _7,
        _8,
        _9,
        _10,
        _11,
        _12,
        _13,
        _14,
    ):
        _o.__setattr__(self, "_0", _0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        _o.__setattr__(self, "_4", _4)
        _o.__setattr__(self, "_5", _5)
        _o.__setattr__(self, "_6", _6)
        _o.__setattr__(self, "_7", _7)
        _o.__setattr__(self, "_8", _8)
        _o.__setattr__(self, "_9", _9)
        _o.__setattr__(self, "_10", _10)
        _o.__setattr__(self, "_11", _11)
        _o.__setattr__(self, "_12", _12)
        _o.__setattr__(self, "_13", _13)
        _o.__setattr__(self, "_14", _14)
        self.__post_init__()

    return __init__


def _kkkkkkkkkkkkkkkkkkkk_frozen(_o):
    def __init__(
        self,
        *,
        _0,
        _1,
        _2,
        _3,
        _4,
        _5,
        _6,
        _7,
        _8,
        _9,
        _10,
        _11,
        _12,
        _13,
        _14,
        _15,
        _16,
        _17,
        _18,
        _19,
    ):
        _o.__setattr__(self, "_0", _0)
        _o.__setattr__(self, "_1", _1)
        _o.__setattr__(self, "_2", _2)
        _o.__setattr__(self, "_3", _3)
        _o.__setattr__(self, "_4", _4)
        _o.__setattr__(self, "_5", _5)
        _o.__setattr__(self, "_6", _6)
        _o.__setattr__(self, "_7", _7)
        _o.__setattr__(self, "_8", _8)
        _o.__setattr__(self, "_9", _9)
        _o.__setattr__(self, "_10", _10)
        _o.__setattr__(self, "_11", _11)
        _o.__setattr__(self, "_12", _12)
        _o.__setattr__(self, "_13", _13)
        _o.__setattr__(self, "_14", _14)
        _o.__setattr__(self, "_15", _15)
        _o.__setattr__(self, "_16", _16)
        _o.__setattr__(self, "_17", _17)
        _o.__setattr__(self, "_18", _18)
        _o.__setattr__(self, "_19", _19)

    return __init__


TEMPLATES = {
    ("pp", False, False): _pp_plain,
    ("dkk", True, True): _dkk_frozen_post,
    ("dkkk", True, True): _dkkk_frozen_post,
    ("dkkkkkkk", True, True): _dkkkkkkk_frozen_post,
    ("dkkkkkkkk", True, True): _dkkkkkkkk_frozen_post,
    ("kkkkkkkkk", True, True): _kkkkkkkkk_frozen_post,
    ("kkkkkkkkkk", True, True): _kkkkkkkkkk_frozen_post,
    ("kkkkkkkkkkkkkkk", True, True): _kkkkkkkkkkkkkkk_frozen_post,
    ("kkkkkkkkkkkkkkkkkkkk", True, False): _kkkkkkkkkkkkkkkkkkkk_frozen,
}
