"""The gates' engines: they read the repository, the index or an environment and return
data (reports, releases, scan results); they never print."""
