"""Partnerships and money (issue 14): public satisfaction with services (IKM surveys), APSAI
member companies and their commitments, and programme funding by source, planned vs spent,
read beside programme results (cost per child covered and improved)."""
