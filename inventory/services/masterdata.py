"""Writes of master data from the pages (tree writes serialized by an advisory lock)."""

from django.db import transaction

from ..models import Item, ItemCategory, Warehouse
from .trees import tree_lock


@transaction.atomic
def warehouse_save(*, instance: Warehouse, user=None) -> Warehouse:
    tree_lock("inventory.warehouse")
    instance.save()
    return instance


@transaction.atomic
def category_save(*, instance: ItemCategory, user=None) -> ItemCategory:
    tree_lock("inventory.itemcategory")
    instance.save()
    return instance


@transaction.atomic
def item_save(*, instance: Item, user=None) -> Item:
    instance.save()
    return instance
