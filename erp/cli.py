"""Language of command-line output: the shell's locale (LC_ALL, LC_MESSAGES, LANG), English
unless it is Chinese. The web follows each user's choice; scripts and operators get plain,
greppable messages such as `boms.csv line 17: component_code 'X-99' is not an item`."""

import os

from django.utils import translation


def cli_language() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


def cli_translation():
    return translation.override(cli_language())
