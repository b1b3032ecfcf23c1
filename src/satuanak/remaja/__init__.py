"""REMAJA CAKAP / PKPR: adolescent-friendly puskesmas services against their standard, Posyandu
Remaja per desa, counselling visits by topic, and anaemia screening with weekly iron tablets
(TTD) at schools (issue 13, health seed sections 3.2-3.3)."""
