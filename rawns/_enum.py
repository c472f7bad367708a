"""Build the generated kernel enums (``rawns/_*_consts.py``) faster than ``enum._simple_enum``.

A generated module writes ``class RTA(_IntEnum): DST = 1 ...``. At run time ``_IntEnum`` is
:data:`INT_ENUM` (``_IntFlag`` is :data:`INT_FLAG`), whose metaclass turns the class body's
namespace straight into a real ``enum.IntEnum`` / ``enum.IntFlag`` subclass: no throwaway
class and no decorator. For mypy the bases are ``IntEnum`` / ``IntFlag`` themselves.

On CPython 3.11, 3.12 and 3.13 :func:`build` replays what ``enum._simple_enum`` does for these
two bases: the same class dict keys and values, members, aliases, flag masks, iteration order
and method fix-ups. It leaves out that function's per-member overhead (the no-op
``Enum.__init__`` call, an ``enum.property`` redirect object, ``EnumType.__setattr__``) and
puts each member straight into the class dict, as 3.13's ``_simple_enum`` and the ordinary
``EnumType`` of 3.12+ do, so ``RTA.DST`` is a dict lookup rather than a Python-level
descriptor call. Anything else (another interpreter or base, a value that is not an int, a
name the enum machinery owns, a sunder) is handed to ``enum._simple_enum`` itself.
``tests/unit/test_enum_build.py`` compares the two on every generated class.
"""

from __future__ import annotations

import enum
import sys

TYPE_CHECKING = False  # not typing's: this module is on every import path
if TYPE_CHECKING:
    from typing import Any

__all__ = ["INT_ENUM", "INT_FLAG", "build", "build_stdlib"]

#: The interpreters whose ``enum._simple_enum`` :func:`build` replays (their code was read).
_REPLAYED = ((3, 11), (3, 12), (3, 13))
_FAST = sys.implementation.name == "cpython" and sys.version_info[:2] in _REPLAYED

#: The dunders a class statement puts in its namespace, in order, that ``_simple_enum`` copies
#: from the made class's dict into the enum's body (``__qualname__`` is not in that dict).
_BODY = ("__module__", "__firstlineno__", "__doc__", "__static_attributes__")
_NOT_MEMBERS = frozenset([*_BODY, "__qualname__"])


def build_stdlib(etype: type[enum.Enum], name: str, ns: dict[str, object]) -> type[enum.Enum]:
    """Make the enum as the stdlib does: ``enum._simple_enum`` (else the functional API)."""
    body = {k: v for k, v in ns.items() if k != "__qualname__"}
    simple = getattr(enum, "_simple_enum", None)
    if simple is not None:
        made: type[enum.Enum] = simple(etype)(type(name, (), body))
        return made
    functional: Any = etype  # the functional API's overloads want literal arguments
    members = [(k, v) for k, v in body.items() if k[:2] != "__"]
    made = functional(name, members, module=body["__module__"])
    made.__doc__ = str(body.get("__doc__") or "An enumeration.")
    return made


class _Plan:
    """What ``_simple_enum`` computes the same way for every class of one base."""

    __slots__ = ("fixups", "flag", "head", "new", "ok", "taken")

    def __init__(self, etype: type[enum.Enum]) -> None:
        base: Any = etype  # enum's sunder attributes are not in the stubs
        member_type = base._member_type_
        head: dict[str, object] = {
            "_new_member_": member_type.__new__,
            "_use_args_": base._use_args_,
            "_generate_next_value_": base._generate_next_value_,
            "_member_names_": None,
            "_member_map_": None,
            "_value2member_map_": None,
            "_unhashable_values_": None,
        }
        if sys.version_info >= (3, 13):
            head["_unhashable_values_map_"] = None
        head["_member_type_"] = member_type
        head["_value_repr_"] = base._value_repr_
        self.flag = issubclass(etype, enum.Flag)
        if self.flag:
            head["_boundary_"] = base._boundary_
            head["_flag_mask_"] = head["_all_bits_"] = head["_singles_mask_"] = None
            head["_inverted_"] = None
            for op in ("__or__", "__xor__", "__and__", "__ror__", "__rxor__", "__rand__"):
                head[op] = getattr(enum.Flag, op)
            head["__invert__"] = enum.Flag.__invert__
        self.head = head
        self.new = member_type.__new__
        # _simple_enum's "repr and friends are not the mixin's" loop: while the body defines
        # none of the four, its outcome depends on the base alone.
        self.fixups = [
            (n, getattr(etype, n))
            for n in ("__repr__", "__str__", "__format__", "__reduce_ex__")
            if getattr(etype, n) in (getattr(member_type, n), getattr(object, n))
        ]
        # Names the enum machinery owns somewhere in the MRO (name, value, mro, __repr__...):
        # a member so named needs enum.property's redirect, so its class takes the stdlib path.
        self.taken = frozenset([*(k for c in etype.__mro__ for k in vars(c)), *_NOT_MEMBERS])
        # What the replay takes for granted: members made by int.__new__(cls, value), and an
        # Enum.__init__ that does nothing (the replay does not call it).
        self.ok = member_type is int and base._use_args_ and etype.__init__ is enum.Enum.__init__


_PLANS: dict[type[enum.Enum], _Plan] = {}
if _FAST:
    _is_dunder: Any = enum._is_dunder  # type: ignore[attr-defined] # reason: private helper
    _is_sunder: Any = enum._is_sunder  # type: ignore[attr-defined] # reason: private helper
    _is_private: Any = enum._is_private  # type: ignore[attr-defined] # reason: private helper


def build(etype: type[enum.Enum], name: str, ns: dict[str, object]) -> type[enum.Enum]:
    """Make the ``etype`` subclass ``name`` from a class body's namespace, as ``_simple_enum``."""
    if not _FAST or (etype is not enum.IntEnum and etype is not enum.IntFlag):
        return build_stdlib(etype, name, ns)
    plan = _PLANS.get(etype)
    if plan is None:
        plan = _PLANS[etype] = _Plan(etype)
    if not plan.ok:
        return build_stdlib(etype, name, ns)
    body = plan.head.copy()  # same keys, same order as _simple_enum's body
    member_names: list[str] = []
    member_map: dict[str, Any] = {}
    value2member: dict[int, Any] = {}
    body["_member_names_"] = member_names
    body["_member_map_"] = member_map
    body["_value2member_map_"] = value2member
    body["_unhashable_values_"] = []
    if "_unhashable_values_map_" in body:
        body["_unhashable_values_map_"] = {}
    for key in _BODY:
        if key in ns:
            body[key] = ns[key]
    if body.get("__doc__") is None:
        body["__doc__"] = "An enumeration."
    cls: Any = type.__new__(enum.EnumType, name, (etype,), body)
    setattr_ = type.__setattr__  # EnumType.__setattr__ only guards names not yet in the map
    for n, method in plan.fixups:
        setattr_(cls, n, method)
    new = plan.new
    flag = plan.flag
    taken = plan.taken
    single = multi = 0
    for key, value in ns.items():
        if type(value) is not int or key in taken:
            if key in _NOT_MEMBERS:
                continue
            return build_stdlib(etype, name, ns)  # cls is dropped: nothing refers to it
        if key[0] == "_" and (_is_dunder(key) or _is_sunder(key) or _is_private(name, key)):
            return build_stdlib(etype, name, ns)
        member = value2member.get(value)
        if member is None:  # else an alias: one more name for the first member of that value
            member = new(cls, value)
            member._value_ = value
            member._name_ = key
            member.__objclass__ = cls
            member._sort_order_ = len(member_names)
            value2member[value] = member
            if not flag:
                member_names.append(key)
            elif value and not value & (value - 1):  # enum._is_single_bit
                member_names.append(key)
                single |= value
            else:  # a flag's 0 or multi-bit value: a member, but not iterated
                multi |= value
        member_map[key] = member
    # Into the class dict only now: a class setattr drops the type's attribute cache, which
    # the member attribute sets above lean on.
    for key, member in member_map.items():
        setattr_(cls, key, member)
    if flag:
        setattr_(cls, "_flag_mask_", single | multi)
        setattr_(cls, "_singles_mask_", single)
        setattr_(cls, "_all_bits_", 2 ** ((single | multi).bit_length()) - 1)
        listed = [member_map[n]._value_ for n in member_names]
        if listed != sorted(listed):
            setattr_(cls, "_iter_member_", cls._iter_member_by_def_)
    setattr_(cls, "__new__", enum.Enum.__new__)
    made: type[enum.Enum] = cls
    return made


class _EnumBody(type):
    """The metaclass of :data:`INT_ENUM` and :data:`INT_FLAG`: a class statement builds the enum."""

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, object]) -> Any:
        return build(bases[0].__dict__["etype"], name, ns)


def _body_base(name: str, etype: type[enum.Enum]) -> type:
    # type.__new__ itself: _EnumBody.__new__ is for the generated class statements.
    return type.__new__(_EnumBody, name, (), {"etype": etype, "__module__": __name__})


#: The run-time base of a generated ``IntEnum`` class body.
INT_ENUM = _body_base("INT_ENUM", enum.IntEnum)
#: The run-time base of a generated ``IntFlag`` class body.
INT_FLAG = _body_base("INT_FLAG", enum.IntFlag)
