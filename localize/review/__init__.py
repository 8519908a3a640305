"""The translator's review round trip: drafts out as XLIFF 2.1 or XLSX with every hint a reviewer needs,
edited files back in (checked unit by unit before anything changes), post-edit effort measured for billing."""
