"""What contacts contributes to the core's contracts: report sources, webhook
payloads and calendar entries (the REST API's resources are in api/)."""
