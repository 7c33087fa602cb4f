"""Writes of master data from the pages and the admin. Categories and warehouses are mptt trees:
every write of them (save, delete, admin import) takes the tree's advisory lock first."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Model

from erp.types import User

from ..models import Item, ItemCategory, Warehouse
from .trees import tree_lock


@contextmanager
def tree_write(model: type[Model]) -> Iterator[None]:
    """A transaction holding the tree lock of `model` (ItemCategory or Warehouse), for writes
    that save nodes themselves (the admin's import of a file)."""
    with transaction.atomic():
        tree_lock(model._meta.label_lower)
        yield


@transaction.atomic
def warehouse_save(*, instance: Warehouse, user: User | None = None) -> Warehouse:
    tree_lock("inventory.warehouse")
    instance.save()
    return instance


@transaction.atomic
def category_save(*, instance: ItemCategory, user: User | None = None) -> ItemCategory:
    tree_lock("inventory.itemcategory")
    instance.save()
    return instance


@transaction.atomic
def tree_nodes_delete(*, nodes: Iterable[ItemCategory | Warehouse], user: User | None = None) -> int:
    """Delete categories or warehouses (a protected one with children or stock refuses: ProtectedError);
    the tree fields are recomputed once at the end."""
    nodes = list(nodes)
    if not nodes:
        return 0
    model = type(nodes[0])
    tree_lock(model._meta.label_lower)
    if len(nodes) == 1:
        nodes[0].delete()
        return 1
    with model._tree_manager.delay_mptt_updates():
        for node in nodes:
            node.delete()
    return len(nodes)


@transaction.atomic
def item_save(*, instance: Item, user: User | None = None) -> Item:
    instance.save()
    return instance
