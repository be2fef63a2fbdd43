"""One way to make an HTTP request: a session with bumpguard's User-Agent, a timeout on
every request, retries with one backoff on transient failures, and bodies read only up to
a limit. The package index client and ``policy fetch`` both use it; each turns the
failures below into its own message.

``requests`` is imported here, so only commands that go online pay for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import requests

from guard import __version__
from guard.errors import GuardError

#: Seconds before the 1st, 2nd, ... retry (the last one repeats).
BACKOFF = (0.2, 0.5, 1.0, 2.0)
CHUNK = 64 * 1024


class HttpFailure(GuardError):
    """A request that produced no answer; ``why`` completes "HOST ..." in a message."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Unreachable(HttpFailure):
    """No answer after the retries (refused, not found, timed out, 5xx, dropped)."""


class TlsFailed(HttpFailure):
    """The TLS connection failed: retrying would not help."""


class RequestFailed(HttpFailure):
    """``requests`` refused the request itself (an invalid URL, too many redirects);
    ``why`` is the exception's name."""


class TooLarge(HttpFailure):
    """The body is larger than the caller's limit."""


@dataclass(frozen=True)
class Reply:
    """An answer: the final URL, the status, the content type and, for a 200, the body."""

    url: str
    status: int
    content_type: str
    body: bytes


def session() -> requests.Session:
    """A session that names bumpguard and its version."""
    http = requests.Session()
    http.headers["User-Agent"] = f"bumpguard/{__version__}"
    return http


def get(
    http: requests.Session,
    url: str,
    *,
    limit: int,
    timeout: float,
    retries: int,
    headers: dict[str, str] | None = None,
) -> Reply:
    """GET ``url``, retrying on 429, 5xx, timeouts and dropped connections. A refused
    connection or an unknown host is not retried. Other statuses are answers (no body)."""
    failure = "did not answer"
    for attempt in range(max(0, retries) + 1):
        if attempt:
            time.sleep(BACKOFF[min(attempt - 1, len(BACKOFF) - 1)])
        try:
            with http.get(url, headers=headers, timeout=timeout, stream=True) as resp:
                status = resp.status_code
                if status == 429 or 500 <= status <= 599:
                    failure = f"answered {status}"
                    continue
                body = read(resp, limit) if status == 200 else b""
                return Reply(resp.url or url, status, resp.headers.get("Content-Type", ""), body)
        except requests.exceptions.SSLError:
            raise TlsFailed("TLS connection failed (certificate not trusted?)") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            failure = describe(exc, timeout)
            if failure in (REFUSED, NOT_FOUND):
                break
        except requests.exceptions.ChunkedEncodingError:
            failure = "dropped the connection"
        except requests.RequestException as exc:
            raise RequestFailed(type(exc).__name__) from None
    raise Unreachable(failure)


def read(resp: requests.Response, limit: int) -> bytes:
    """The body of ``resp``, refused (:class:`TooLarge`) beyond ``limit`` bytes, whatever
    Content-Length claims."""
    too_big = TooLarge(f"is larger than {limit} bytes; refused")
    length = resp.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise too_big
    chunks, size = [], 0
    for chunk in resp.iter_content(CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


REFUSED = "refused the connection"
NOT_FOUND = "could not be found (name resolution failed)"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception linked to it (cause, context, reason, args)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(current.args)
        stack.extend(e for e in linked if isinstance(e, BaseException))


def describe(exc: BaseException, timeout: float) -> str:
    """Why a request failed, in words that complete "HOST ..."."""
    import urllib3.exceptions as u3

    chain = list(_chain(exc))
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return REFUSED
    if any(isinstance(e, u3.NameResolutionError) for e in chain):
        return NOT_FOUND
    timeouts = (requests.Timeout, u3.TimeoutError, TimeoutError)
    if any(isinstance(e, timeouts) and not isinstance(e, u3.NewConnectionError) for e in chain):
        return f"did not answer (timeout after {timeout:g}s)"
    if any(isinstance(e, ConnectionResetError | u3.ProtocolError) for e in chain):
        return "dropped the connection"
    return f"could not be reached ({type(exc).__name__})"
