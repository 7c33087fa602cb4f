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
