"""Costs: a tamper-evident ledger of what localizing a series cost, launch records, and subsidy claims.

Modules: ``money`` (Decimal parsing within bounds, rounding, exchange rates), ``chain`` (the SHA-256 hash
chain shared by the ledger and the launch records), ``ledger`` (cost entries and invoices), ``launches`` (overseas
launch evidence), ``policies`` (subsidy measures as data and the claim computation).
"""
