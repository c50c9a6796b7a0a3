"""Plain nn.Modules, each with its config dataclass and `build(config: dict)` for the registry."""
