"""Let pydantic build aiogram's Telegram types on first use instead of all at import.

aiogram declares its ~450 types with ``defer_build=True``, then ``aiogram/types/__init__.py``
calls ``model_rebuild()`` on every one of them so that their string annotations resolve against
the package namespace. That builds every validator and serializer up front: about 100 MB of
memory held by pydantic-core for types this bot never sees (passports, payments, gifts, ...).

``install()`` runs before aiogram is imported. While ``aiogram.types`` executes that loop, the
rebuild call is replaced by something cheap that leaves each type deferred but resolvable: the
names its annotations use (``ChatIdUnion``, ``Message``, ...) are added to the globals of the
module that defines it, which is where pydantic looks when it builds the type on first use, also
when the type is built as part of another model (a method, ``Response[Message]``, ``Update``).
Types already complete and every other model are untouched.

If aiogram was imported before ``install()`` (nothing to defer any more) or a future aiogram
changes that loop, nothing here takes effect and aiogram builds eagerly as before.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from pydantic import BaseModel

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: How many aiogram types were left to be built on first use (0: aiogram built them all).
deferred_types = 0


def _annotation_names(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        for annotation in vars(klass).get("__annotations__", {}).values():
            if isinstance(annotation, str):
                names.update(_IDENTIFIER.findall(annotation))
    return names


def _expose_names(cls: type, namespace: dict[str, Any]) -> None:
    """Put what the annotations of ``cls`` (and its bases) name into their modules' globals."""
    wanted = _annotation_names(cls)
    for klass in cls.__mro__:
        module = sys.modules.get(klass.__module__)
        if module is None or not klass.__module__.startswith("aiogram."):
            continue
        module_globals = vars(module)
        for name in wanted:
            if name not in module_globals and name in namespace:
                module_globals[name] = namespace[name]


def install() -> bool:
    """Import ``aiogram.types`` with deferred building; return whether it took effect."""
    if "aiogram.types" in sys.modules:
        return False
    global deferred_types
    original = BaseModel.__dict__["model_rebuild"]
    deferred = 0

    def model_rebuild(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        nonlocal deferred
        namespace = kwargs.get("_types_namespace")
        if (
            namespace is not None
            and not args
            and set(kwargs) == {"_types_namespace"}
            and cls.__module__.startswith("aiogram.types.")
            and cls.model_config.get("defer_build")
            and not cls.__pydantic_complete__
        ):
            _expose_names(cls, namespace)
            deferred += 1
            return None
        return original.__func__(cls, *args, **kwargs)

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[assignment,method-assign]
    try:
        import aiogram.types  # noqa: F401  (the import is the point)
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
    deferred_types = deferred
    return deferred > 0
