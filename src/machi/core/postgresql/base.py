"""Django's PostgreSQL backend, with a health check that costs no round trip.

Before a request reuses a kept connection (`CONN_HEALTH_CHECKS`), Django asks the server `SELECT 1`:
one more round trip on every request. A connection the server has ended (a restart,
`pg_terminate_backend`, `idle_session_timeout`) has something to read on its socket while it is
idle, the server's last message or the end of the stream; a live idle one has nothing. So the check
looks whether the socket is readable, without waiting, as urllib3 checks the connections it keeps.
Anything to read on an idle connection retires it: a new one costs a connect, never a request.
Mid-transaction, or where the system has no poll(), the server is asked as Django does.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if not hasattr(select, "poll") or connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        socket = select.poll()
        socket.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not socket.poll(0)
