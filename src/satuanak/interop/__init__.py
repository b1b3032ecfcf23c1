"""Talking to the systems around the platform: the HTTP API (api/), FHIR R4 for SATUSEHAT
(fhir/) and DHIS2 aggregates (dhis2/). Outbound adapters and the API's own tokens; the data
itself stays with the apps that own it, read through their selectors."""
