"""Translatable messages for the pure modules, which must not import Django.

A message is written ``_("outside China: %(bounds)s", bounds=...)`` with ``lazy_message``
imported as ``_`` (the name makemessages extracts; the msgids and their zh-hans translations are
in gis_data/locale). It keeps the English msgid and its named parameters, and is put into words
only when shown (``str()``), in the language active then: a refusal raised inside an import
reads in whatever language the command or request later prints it in.

The translator is Django's ``gettext``, installed by ``GisDataConfig.ready``; without Django
(scripts, a bare ``python -c``) messages read in English, their msgids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


def _untranslated(msgid: str) -> str:
    return msgid


_translate: Callable[[str], str] = _untranslated


def install_translator(translate: Callable[[str], str]) -> None:
    """Route every message through `translate` (Django's gettext) from now on."""
    global _translate
    _translate = translate


@dataclass(frozen=True)
class Message:
    """An English msgid with named %(placeholders)s, and the values that fill them."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        text = _translate(self.msgid)
        # Values may be Messages themselves; "%s" renders them in the same language.
        return text % self.params if self.params else text


def lazy_message(msgid: str, /, **params: object) -> Message:
    return Message(msgid, params)
