"""The SQL statements the app sends on a test's connection, for tests that count what a page reads.

Left out: the savepoints only the tests make, and the expired-session housekeeping that Flask-Session runs before
about one request in 500 at random (it belongs to no page)."""

from sqlalchemy import event

_TEST_ONLY = ("SAVEPOINT", "RELEASE", "ROLLBACK TO", "BEGIN")
_HOUSEKEEPING = "DELETE FROM web_session WHERE web_session.expires_at <="


def counted(statement: str) -> bool:
    text = statement.lstrip()
    return not text.upper().startswith(_TEST_ONLY) and not text.startswith(_HOUSEKEEPING)


class Statements:
    """Records the counted statements on a connection until stopped."""

    def __init__(self, connection):
        self.texts: list[str] = []
        self.connection = connection
        event.listen(connection, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        if counted(statement):
            self.texts.append(statement)

    def during(self, client, url: str) -> list[str]:
        self.texts = []
        assert client.get(url).status_code == 200, url
        return list(self.texts)

    def stop(self):
        event.remove(self.connection, "before_cursor_execute", self._seen)
