"""The exchange area: the family's record as FHIR for the EHR, instruments as Questionnaires.

It reads the families, screenings, referrals and directory tables and never writes to them.
"""
