"""Available-to-promise (可承诺日期): scheduled receipts come from other apps.

Purchasing (open PO lines) and production (open work orders) register at startup:

    from crm.atp import register_supply_provider
    register_supply_provider(open_po_receipts)

A supply provider is `fn(item_ids) -> list[tuple[item_id, date, qty]]`: quantities still to be
received per item and expected date, in one bulk query. `crm.services.atp.promise_dates`
combines them with free stock and lead times.
"""

_supply_providers: list = []


def register_supply_provider(fn) -> None:
    if fn not in _supply_providers:
        _supply_providers.append(fn)


def unregister_supply_provider(fn) -> None:
    if fn in _supply_providers:
        _supply_providers.remove(fn)


def scheduled_receipts(item_ids) -> list[tuple[int, object, object]]:
    rows = []
    ids = list(item_ids)
    if not ids:
        return rows
    for fn in list(_supply_providers):
        rows.extend(fn(ids) or [])
    return rows


# Capable to promise (docs/mrp.md §5): MRP registers a provider at startup (mrp.apps) answering
# `fn(requests, d0) -> {key: {"date", "kind" (atp|ctp|none), "limiting_item", "chain"}}` for
# requests [(key, item_id, qty)], each a new demand alone, from a what-if plan that writes nothing.
# Without MRP installed crm shows ATP only.
_ctp_providers: list = []


def register_ctp_provider(fn) -> None:
    if fn not in _ctp_providers:
        _ctp_providers.append(fn)


def unregister_ctp_provider(fn) -> None:
    if fn in _ctp_providers:
        _ctp_providers.remove(fn)


def capable_to_promise(requests, d0=None) -> dict:
    """{key: answer} from the first provider; {} when none is registered or nothing is asked."""
    requests = list(requests)
    if not requests:
        return {}
    for fn in list(_ctp_providers):
        return fn(requests, d0) or {}
    return {}


def attach_ctp(lines, d0=None) -> list:
    """Lines (with item_id, qty) get `.ctp` = the provider's answer or None (pages: one call)."""
    lines = list(lines)
    answers = capable_to_promise([(ln.pk, ln.item_id, ln.qty) for ln in lines], d0)
    for ln in lines:
        ln.ctp = answers.get(ln.pk)
    return lines
