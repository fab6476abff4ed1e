"""Check a Dask scheduler address before anything is solved or written.

``distributed.Client("tcp://127.0.0.1:1")`` waits its whole connect timeout (30 s by default)
and then raises a traceback; ``Client("not a url")`` fails deep inside Dask. A sweep given
``--scheduler`` calls :func:`probe_scheduler` first: the address is parsed with Dask's own
parser and a TCP connection is opened with a short timeout, so a wrong address ends in one
line naming the option, within :data:`PROBE_TIMEOUT_S` seconds, with nothing written.
"""

from __future__ import annotations

import socket

from borderflow.data.errors import InputError, Problem

#: seconds to wait for the scheduler to accept a TCP connection
PROBE_TIMEOUT_S = 5.0
#: Dask transports whose address is host:port over TCP (``inproc``: looked up in this process)
TCP_SCHEMES = ("tcp", "tls", "ws", "wss")


def _problem(address: str, message: str, option: str) -> InputError:
    return InputError(Problem("command line", None, option, f"{address!r}: {message}"))


def parse_scheduler(address: str, option: str = "--scheduler") -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a Dask scheduler address (``tcp://10.0.0.5:8786``,
    ``10.0.0.5:8786``, ``tls://[::1]:8786``).

    Raises
    ------
    InputError
        Not an address Dask can connect to.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    example = "expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    if not address or not address.strip() or any(c.isspace() for c in address):
        raise _problem(address, f"not a scheduler address ({example})", option)
    try:
        scheme, location = parse_address(address)
    except ValueError as err:
        raise _problem(address, f"not a scheduler address: {err} ({example})", option) from None
    if scheme not in TCP_SCHEMES:
        raise _problem(address, f"unknown transport '{scheme}://' (Dask speaks "
                       f"{', '.join(s + '://' for s in TCP_SCHEMES)})", option)
    try:
        host, port = parse_host_port(location)
    except ValueError as err:
        raise _problem(address, f"not a scheduler address: {err} ({example})", option) from None
    if not host or not 0 < int(port) < 65536:
        raise _problem(address, f"port {port} is not between 1 and 65535", option)
    return scheme, host, int(port)


def probe_scheduler(address: str, timeout_s: float = PROBE_TIMEOUT_S,
                    option: str = "--scheduler") -> str:
    """Check that a Dask scheduler listens at ``address``; return the address normalised.

    Parameters
    ----------
    address : str
        As given with ``--scheduler``.
    timeout_s : float
        Seconds to wait for the connection.
    option : str
        Option named in messages.

    Returns
    -------
    str
        ``scheme://host:port``.

    Raises
    ------
    InputError
        Not an address, the host is unknown, or nothing accepts the connection in time.
    """
    if address.startswith("inproc://"):
        return _probe_inproc(address, option)
    scheme, host, port = parse_scheduler(address, option)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except socket.gaierror as err:
        raise _problem(address, f"unknown host '{host}' ({err.strerror})", option) from None
    except TimeoutError:
        raise _problem(address, f"no answer within {timeout_s:g} s: is the scheduler running "
                       "(dask scheduler) and reachable from here?", option) from None
    except OSError as err:
        raise _problem(address, f"cannot connect ({err.strerror or err}): is the scheduler "
                       "running (dask scheduler)? Or drop --scheduler to use a local cluster",
                       option) from None
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def _probe_inproc(address: str, option: str) -> str:
    """An in-process scheduler (``inproc://``: a LocalCluster of threads in this process, as
    tests and notebooks start): it must be listening in this process."""
    from distributed.comm.inproc import global_manager

    location = address[len("inproc://"):]
    try:
        listening = global_manager.get_listener_for(location) is not None
    except ValueError as err:
        raise _problem(address, f"not a scheduler address: {err}", option) from None
    if not listening:
        raise _problem(address, "no in-process scheduler listens there (inproc:// addresses "
                       "work only inside the process that started the cluster)", option)
    return address
