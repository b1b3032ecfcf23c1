"""Children's participation (issue 14): Forum Anak as "Pelopor dan Pelapor" (2P) — trained members
report a concern in their community, the responsible agency triages and answers it — and Forum
Anak's proposals in the Musrenbang planning rounds with their outcome."""
