"""Halo Remaja Bengkayang: a confidential counselling channel. An adolescent opens a
conversation anonymously (a private code to return, no personal data required); counsellors on
the rota answer; urgent situations escalate to a supervisor and, with consent, to a referral."""
