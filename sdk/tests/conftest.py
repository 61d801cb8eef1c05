pytest_plugins = ["shopkit.testing.plugin"]
