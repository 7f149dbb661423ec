"""Writes of the labour app, one module per area: shortages, hires, agencies and pairings (`supply`), drives
(`drives`), complaints about the HR market (`complaints`) and labour disputes (`disputes`)."""
