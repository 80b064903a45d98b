"""Services: what the shells (CLI, HTTP API, web page) call. Each takes a session or a
session factory; the caller owns the transaction, so a list load and its re-screen, or a
review action and its audit event, can be one unit."""
