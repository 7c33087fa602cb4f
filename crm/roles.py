"""Who acts on CRM records from outside the sales role (erp.roles collects `GRANTS`).

The marketing role (市场, module marketing) runs campaigns: it creates and edits campaigns and
their cost lines, types and imports the campaign's leads, decides on possible duplicates (merge,
keep both, link a lead to the customer) and reads what the campaigns brought: leads,
opportunities, customers and sales orders (for attribution and ROI). It does not sell: no
customer, opportunity, quotation or order is created or changed by it.
"""

GRANTS = {
    "市场": [
        "crm.view_campaign",
        "crm.add_campaign",
        "crm.change_campaign",
        "crm.view_campaigncost",
        "crm.add_campaigncost",
        "crm.view_campaigntouch",
        "crm.add_campaigntouch",
        "crm.view_duplicatedecision",
        "crm.add_duplicatedecision",
        "crm.view_lead",
        "crm.add_lead",
        "crm.change_lead",
        "crm.view_customer",
        "crm.view_opportunity",
        "crm.view_salesorder",
        "crm.view_followup",
    ],
}
