"""A read-only FHIR R4 view of the store (docs/fhir.md): resources are built from records the
caller may read, through the same services and datasets as the rest of the API."""
