from .boms import (
    LineInput,
    bom_approve,
    bom_create,
    bom_disable,
    bom_line_add,
    bom_line_delete,
    bom_line_update,
    bom_low_level_codes_update,
    bom_new_version,
    bom_update,
    next_version,
)
from .ecn import EcnLineInput, ecn_approve, ecn_cancel, ecn_create, ecn_line_add, ecn_line_delete

__all__ = [
    "EcnLineInput",
    "LineInput",
    "bom_approve",
    "bom_create",
    "bom_disable",
    "bom_line_add",
    "bom_line_delete",
    "bom_line_update",
    "bom_low_level_codes_update",
    "bom_new_version",
    "bom_update",
    "ecn_approve",
    "ecn_cancel",
    "ecn_create",
    "ecn_line_add",
    "ecn_line_delete",
    "next_version",
]
