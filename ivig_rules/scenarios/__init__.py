"""Scenario files: patients with the recommendation a clinician expects, run as the QA tool
(``ivig-rules run``), with a report (text, JSON, JUnit) and the coverage of rules and arrows."""
