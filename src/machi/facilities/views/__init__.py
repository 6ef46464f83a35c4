"""The facilities pages, a module per audience: booking (residents and groups), manage (managers), lottery."""
