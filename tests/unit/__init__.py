"""Unit tests of the sync clients, run against respx mocks and canned transports."""
