"""One module per attribution vendor: payloads to registry models, httpx clients, webhook signatures."""
