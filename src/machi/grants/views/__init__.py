"""The grant pages, a module per audience: applicant (the public programmes and a group's applications), staff.

Thin views: forms check what was typed, `grants.actions` decides and writes, and an
action's refusal is shown on the page in its own Japanese words.
"""
