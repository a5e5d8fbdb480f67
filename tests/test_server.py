"""The replay server: byte-exact HTTP/1.1 streaming for httpx, raw sockets and the openai SDK."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import openai
import pytest

import deltasnap
from deltasnap.testing import RecordedRequest, ReplayOptions, ReplayServer, Reply
from deltasnap.testing.server import main

from conftest import STREAM_NAMES, simple_events, stream_path

CAPTURES = {name: stream_path(name).read_bytes() for name in STREAM_NAMES}
RUN_BODY = {"assistant_id": "asst_1", "stream": True}
TIMEOUT = httpx.Timeout(5.0)
KEEPALIVE = b": keep-alive"
# The SDK marks the whole Assistants API deprecated; silence that here only.
SDK_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:The Assistants API is deprecated:DeprecationWarning"
)


def run_async(coro: Any, timeout: float = 10.0) -> Any:
    """Run a coroutine in a fresh event loop, bounded by ``timeout`` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def capture_names(name: str) -> list[str]:
    """A capture's event names, without the final ``done`` (the SDK stops there)."""
    return [event for event, _ in simple_events(name)]


def read_until_error(response: httpx.Response) -> tuple[bytes, Exception | None]:
    """All body bytes a client got, and the error that ended the body early (if any)."""
    got = bytearray()
    try:
        for piece in response.iter_raw():
            got += piece
    except httpx.HTTPError as exc:
        return bytes(got), exc
    return bytes(got), None


def post_run(client: httpx.Client, srv: ReplayServer, thread_id: str = "thread_1") -> bytes:
    """POST a streamed run and return the whole body."""
    url = f"{srv.base_url}/threads/{thread_id}/runs"
    with client.stream("POST", url, json=RUN_BODY) as response:
        assert response.status_code == 200
        return response.read()


@pytest.fixture(scope="session")
def sdk() -> ModuleType:
    """The openai package (installed by the test extra)."""
    return openai


@pytest.fixture(scope="session")
def capture_server() -> Iterator[ReplayServer]:
    """One server for the session: the thread id (or metadata ``capture``) names the capture."""

    def source(request: RecordedRequest) -> bytes:
        if request.endpoint == "threads.create_and_run":
            return CAPTURES[request.json["metadata"]["capture"]]
        if request.endpoint == "runs.submit_tool_outputs":
            return CAPTURES["basic"]
        assert request.thread_id is not None
        return CAPTURES[request.thread_id]

    with ReplayServer(source) as srv:
        yield srv


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """A plain httpx client with bounded timeouts."""
    with httpx.Client(timeout=TIMEOUT) as client:
        yield client


# -- byte-exact replay -------------------------------------------------------------------------


@pytest.mark.parametrize("name", STREAM_NAMES)
@pytest.mark.parametrize(
    "options",
    [{"chunk_size": 1}, {"chunk_size": 7}, {}, {"chunk_size": 4096}, {"chunk_size": 50, "seed": 3}],
    ids=["1", "7", "default", "4096", "seeded"],
)
def test_httpx_sync_byte_exact(http: httpx.Client, name: str, options: dict[str, Any]) -> None:
    """A sync httpx client gets each capture byte-exact, whatever the chunking."""
    with ReplayServer(stream_path(name), **options) as srv:
        assert post_run(http, srv) == CAPTURES[name]
        assert srv.errors == []


def test_stream_response_headers(http: httpx.Client, capture_server: ReplayServer) -> None:
    """A stream is a chunked 200 text/event-stream with no-cache, and keeps the connection."""
    url = f"{capture_server.base_url}/threads/basic/runs"
    with http.stream("POST", url, json=RUN_BODY) as response:
        response.read()
    assert response.status_code == 200
    assert response.http_version == "HTTP/1.1"
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["connection"] == "keep-alive"
    assert "content-length" not in response.headers


def test_each_write_is_one_http_chunk() -> None:
    """On the wire, every write is one HTTP chunk of chunk_size bytes, then the 0 chunk."""
    body = CAPTURES["refusal"]
    with (
        ReplayServer(body, chunk_size=500) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock,
    ):
        payload = json.dumps(RUN_BODY).encode()
        sock.sendall(
            b"POST /v1/threads/t/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload)
        )
        raw = bytearray()
        while data := sock.recv(65536):
            raw += data
    head, _, wire = bytes(raw).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nconnection: close" in head
    expected = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 500]), body[i : i + 500])
        for i in range(0, len(body), 500)
    )
    assert wire == expected + b"0\r\n\r\n"


def test_seeded_chunking_is_random_but_reproducible() -> None:
    """A seed gives varied piece sizes (1..chunk_size), the same ones for every reply."""
    body = CAPTURES["basic"]

    def sizes() -> list[int]:
        with (
            ReplayServer(body, chunk_size=40, seed=11) as srv,
            socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock,
        ):
            sock.sendall(
                b"POST /v1/threads/t/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Content-Length: 16\r\n\r\n" + b'{"stream": true}'
            )
            with sock.makefile("rb") as stream:
                while stream.readline() != b"\r\n":
                    pass
                out = []
                while (size := int(stream.readline(), 16)) != 0:
                    out.append(size)
                    stream.read(size + 2)
                return out

    first = sizes()
    assert first == sizes()
    assert sum(first) == len(body)
    assert len(set(first)) > 5 and max(first) <= 40


def test_httpx_async_byte_exact() -> None:
    """An httpx AsyncClient gets each capture byte-exact from a server in the same loop."""

    async def scenario() -> None:
        for chunk_size in (1, 13, 64, 8192):
            async with (
                ReplayServer(lambda r: CAPTURES[r.thread_id or ""], chunk_size=chunk_size) as srv,
                httpx.AsyncClient(timeout=TIMEOUT) as client,
            ):
                for name in STREAM_NAMES:
                    url = f"{srv.base_url}/threads/{name}/runs"
                    async with client.stream("POST", url, json=RUN_BODY) as response:
                        got = b"".join([piece async for piece in response.aiter_bytes()])
                    assert got == CAPTURES[name], (name, chunk_size)
                assert srv.errors == []

    run_async(scenario())


def test_two_hundred_concurrent_async_streams() -> None:
    """200 concurrent streams in one loop each get their own thread's bytes."""
    base = CAPTURES["basic"]
    bodies = {f"thread_{i}": base.replace(b"thread_1", f"thread_{i}".encode()) for i in range(200)}

    async def scenario() -> None:
        # 10 clients x 20 connections: httpcore's pool scans all its connections for every
        # request, which makes one 200-connection pool (not the server) cost seconds here.
        ssl_context = ssl.create_default_context()
        async with contextlib.AsyncExitStack() as stack:
            srv = await stack.enter_async_context(
                ReplayServer(lambda r: bodies[r.thread_id or ""], chunk_size=256, seed=5)
            )
            limits = httpx.Limits(max_connections=20)
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(timeout=TIMEOUT, limits=limits, verify=ssl_context)
                )
                for _ in range(10)
            ]

            async def one(number: int, thread_id: str) -> bytes:
                url = f"{srv.base_url}/threads/{thread_id}/runs"
                client = clients[number % len(clients)]
                async with client.stream("POST", url, json=RUN_BODY) as response:
                    return b"".join([piece async for piece in response.aiter_bytes()])

            got = await asyncio.gather(*(one(n, t) for n, t in enumerate(bodies)))
            assert dict(zip(bodies, got, strict=True)) == bodies
            assert sorted(r.thread_id or "" for r in srv.requests) == sorted(bodies)
            assert len({r.connection for r in srv.requests}) == 200  # truly concurrent
            assert srv.errors == []

    run_async(scenario())


# -- options: truncation, keep-alive comments, delay -------------------------------------------


@pytest.mark.parametrize("cut", [0, 1, 63, 64, 100, 2558, 2559, 10_000])
def test_cut_after_truncates_then_server_keeps_working(http: httpx.Client, cut: int) -> None:
    """cut_after sends exactly that prefix, then a client-visible error; the next request works."""
    body = CAPTURES["basic"]
    assert len(body) == 2559

    def source(request: RecordedRequest) -> Reply:
        options = ReplayOptions(cut_after=cut) if request.thread_id == "cut" else None
        return Reply(body, options=options)

    with ReplayServer(source) as srv:
        for _ in range(2):  # cut twice: a cut connection must not wedge the server
            with http.stream("POST", f"{srv.base_url}/threads/cut/runs", json=RUN_BODY) as resp:
                got, error = read_until_error(resp)
            assert got == body[:cut]
            assert isinstance(error, httpx.RemoteProtocolError)
            assert resp.headers["connection"] == "close"
        assert post_run(http, srv, "whole") == body
        assert srv.errors == []


def test_cut_after_on_the_server_cuts_every_reply(http: httpx.Client) -> None:
    """A server-wide cut_after cuts each reply at the same byte."""
    with ReplayServer(CAPTURES["rich"], cut_after=500) as srv:
        for _ in range(3):
            with http.stream("POST", f"{srv.base_url}/threads/t/runs", json=RUN_BODY) as resp:
                got, error = read_until_error(resp)
            assert (got, type(error)) == (CAPTURES["rich"][:500], httpx.RemoteProtocolError)
        assert len(srv.requests) == 3


def test_close_framing_makes_a_cut_invisible(http: httpx.Client) -> None:
    """With connection-close framing a cut body ends cleanly: why chunked is the default."""
    with ReplayServer(CAPTURES["basic"], framing="close", cut_after=300) as srv:
        with http.stream("POST", f"{srv.base_url}/threads/t/runs", json=RUN_BODY) as resp:
            got, error = read_until_error(resp)
        assert "transfer-encoding" not in resp.headers
        assert (got, error) == (CAPTURES["basic"][:300], None)
        assert post_run(http, srv) == CAPTURES["basic"][:300]  # looks complete, every time


def event_ends(raw: bytes, newline: bytes) -> list[int]:
    """Offsets just after the blank line of each real (non-comment) event in ``raw``."""
    ends, offset = [], 0
    for block in raw.split(newline + newline)[:-1]:
        offset += len(block) + 2 * len(newline)
        if not block.startswith(b":"):
            ends.append(offset)
    return ends


@pytest.mark.parametrize("name", STREAM_NAMES)
@pytest.mark.parametrize("every", [1, 2, 5])
def test_keepalive_comments_only_between_events(http: httpx.Client, name: str, every: int) -> None:
    """keepalive_every adds a comment after every N-th event (never inside one), else byte-exact."""
    original = CAPTURES[name]
    newline = b"\r\n" if b"\r\n" in original else b"\n"
    comment = KEEPALIVE + newline + newline
    with ReplayServer(original, keepalive_every=every, chunk_size=16) as srv:
        got = post_run(http, srv)
    ends = event_ends(original, newline)
    expected_at = [e for n, e in enumerate(ends, 1) if n % every == 0 and e < len(original)]
    assert expected_at  # each capture has enough events to exercise this
    expected = b"".join(
        original[a:b] + (comment if b in expected_at else b"")
        for a, b in itertools.pairwise([0, *expected_at, len(original)])
    )
    assert got == expected


@SDK_DEPRECATION
def test_keepalives_do_not_disturb_the_sdk(sdk: ModuleType) -> None:
    """The SDK parser skips the inserted comments: same events as the plain capture."""
    with ReplayServer(CAPTURES["basic"], keepalive_every=1, chunk_size=32) as srv:
        names = sdk_event_names(sdk, srv, "t")
    assert names == capture_names("basic")


def test_delay_paces_the_writes(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """delay sleeps between writes (not before the first): counted sleeps, never a timed check."""
    body = CAPTURES["refusal"]  # 1323 bytes: 3 writes of 500, so 2 pauses
    pauses: list[float] = []
    original = asyncio.sleep

    async def counting_sleep(seconds: float, *args: Any) -> Any:
        pauses.append(seconds)
        return await original(seconds, *args)

    monkeypatch.setattr(asyncio, "sleep", counting_sleep)
    with ReplayServer(body, chunk_size=500, delay=0.05) as srv:
        assert post_run(http, srv) == body
    assert pauses.count(0.05) == 2


def test_stop_ends_a_stream_in_progress() -> None:
    """stop() returns promptly while a client is mid-stream; the client sees a truncated body."""

    async def scenario() -> None:
        srv = ReplayServer(CAPTURES["basic"], chunk_size=16, delay=30)
        await srv.start()
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            url = f"{srv.base_url}/threads/t/runs"
            async with client.stream("POST", url, json=RUN_BODY) as response:
                pieces = response.aiter_raw()
                assert await anext(pieces) == CAPTURES["basic"][:16]
                await asyncio.wait_for(srv.stop(), 2)
                with pytest.raises(httpx.RemoteProtocolError):
                    await anext(pieces)

    run_async(scenario())


def test_options_are_validated() -> None:
    """Impossible options and non-loopback hosts are refused up front."""
    for bad in (
        {"chunk_size": 0},
        {"delay": -1},
        {"delay": float("nan")},
        {"cut_after": -1},
        {"keepalive_every": 0},
    ):
        with pytest.raises(ValueError):
            ReplayServer(b"", **bad)
    with pytest.raises(ValueError, match="loopback"):
        ReplayServer(b"", host="0.0.0.0")
    with pytest.raises(ValueError, match="framing"):
        ReplayServer(b"", framing="length")  # type: ignore[arg-type]
    assert ReplayServer(b"", host="localhost").host == "127.0.0.1"


# -- routing, errors and records ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/models"),
        ("POST", "/v1/threads"),
        ("POST", "/v1/threads/t/messages"),
        ("GET", "/v1/threads/t/runs"),
        ("POST", "/v1/threads/t/runs/r/cancel"),
        ("POST", "/v2/threads/t/runs"),
        ("POST", "/threads/t/runs"),
    ],
)
def test_unknown_paths_get_a_404_json_error(
    http: httpx.Client, capture_server: ReplayServer, method: str, path: str
) -> None:
    """Anything but the three streaming endpoints gets the API's 404 error JSON."""
    url = capture_server.base_url.removesuffix("/v1") + path
    response = http.request(method, url, json=RUN_BODY)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {
            "message": f"Invalid URL ({method} {path})",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert capture_server.requests[-1].endpoint is None


@pytest.mark.parametrize(
    ("content", "message"),
    [(b'{"assistant_id": "a"}', "stream"), (b'{"stream": false}', "stream"), (b"{", "JSON")],
)
def test_non_streaming_or_bad_bodies_get_a_400(
    http: httpx.Client, capture_server: ReplayServer, content: bytes, message: str
) -> None:
    """Only streamed runs are replayed; a missing "stream": true or bad JSON is a 400."""
    response = http.post(f"{capture_server.base_url}/threads/basic/runs", content=content)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_requests_are_recorded(http: httpx.Client) -> None:
    """Each request is kept with method, path, query, parsed body, ids and its connection."""
    with ReplayServer(CAPTURES["basic"]) as srv:
        post_run(http, srv, "thread_a")
        url = f"{srv.base_url}/threads/thread_a/runs/run_9/submit_tool_outputs?x=1"
        with http.stream("POST", url, json={"stream": True, "tool_outputs": []}) as response:
            response.read()
        http.post(f"{srv.base_url}/threads/runs", json={"stream": True, "thread": {}}).read()
        first, second, third = srv.requests
    assert (first.index, first.method, first.path, first.endpoint) == (
        0,
        "POST",
        "/v1/threads/thread_a/runs",
        "runs.create",
    )
    assert (first.thread_id, first.run_id, first.json) == ("thread_a", None, RUN_BODY)
    assert first.headers["content-type"] == "application/json"
    assert (second.endpoint, second.thread_id, second.run_id, second.query) == (
        "runs.submit_tool_outputs",
        "thread_a",
        "run_9",
        "x=1",
    )
    assert second.json == {"stream": True, "tool_outputs": []}
    assert (third.endpoint, third.thread_id) == ("threads.create_and_run", None)
    assert first.connection == second.connection == third.connection  # kept alive


def test_reply_can_set_status_and_headers(http: httpx.Client) -> None:
    """A callable source can answer with an error status and headers instead of a stream."""
    body = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}}).encode()
    with ReplayServer(lambda r: Reply(body, status=429, headers={"retry-after": "0"})) as srv:
        response = http.post(f"{srv.base_url}/threads/t/runs", json=RUN_BODY)
    assert (response.status_code, response.headers["retry-after"]) == (429, "0")
    assert response.json()["error"]["message"] == "slow down"


def test_a_failing_source_gives_500_and_is_recorded(http: httpx.Client) -> None:
    """A source that raises gets a non-retryable 500; the exception is kept on the server."""

    def source(request: RecordedRequest) -> bytes:
        raise KeyError(request.thread_id)

    with ReplayServer(source) as srv:
        response = http.post(f"{srv.base_url}/threads/nope/runs", json=RUN_BODY)
        errors = srv.errors
    assert response.status_code == 500
    assert response.headers["x-should-retry"] == "false"
    assert [type(e) for e in errors] == [KeyError]


# -- the openai SDK ------------------------------------------------------------------------------


def sdk_client(sdk: ModuleType, srv: ReplayServer, **options: Any) -> Any:
    """An ``openai.OpenAI`` client for the server: no retries, 5 s timeouts."""
    options = {"max_retries": 0, "timeout": 5} | options
    return sdk.OpenAI(api_key="test", base_url=srv.base_url, **options)


def sdk_event_names(sdk: ModuleType, srv: ReplayServer, thread_id: str) -> list[str]:
    """The ``event.event`` names the SDK's runs.stream helper yields."""
    with (
        sdk_client(sdk, srv) as client,
        client.beta.threads.runs.stream(thread_id=thread_id, assistant_id="asst_1") as stream,
    ):
        return [event.event for event in stream]


@SDK_DEPRECATION
@pytest.mark.parametrize("name", STREAM_NAMES)
def test_openai_runs_stream_iterates_each_capture(
    sdk: ModuleType, capture_server: ReplayServer, name: str
) -> None:
    """OpenAI().beta.threads.runs.stream yields every event of each capture, in order."""
    assert sdk_event_names(sdk, capture_server, name) == capture_names(name)
    request = capture_server.requests[-1]
    assert (request.method, request.path) == ("POST", f"/v1/threads/{name}/runs")
    assert request.json == {"assistant_id": "asst_1", "stream": True}
    assert request.headers["openai-beta"] == "assistants=v2"
    assert request.headers["x-stainless-stream-helper"] == "threads.runs.create_and_stream"
    assert request.headers["authorization"] == "Bearer test"


@SDK_DEPRECATION
def test_openai_final_messages_match_expected(
    sdk: ModuleType, capture_server: ReplayServer
) -> None:
    """The SDK's final messages equal each capture's completed messages (the server is faithful)."""
    for name in ("basic", "rich", "refusal", "two-messages"):
        with (
            sdk_client(sdk, capture_server) as client,
            client.beta.threads.runs.stream(thread_id=name, assistant_id="asst_1") as stream,
        ):
            final = {m.id: m.model_dump(mode="json") for m in stream.get_final_messages()}
        completed = {
            data["id"]: data
            for event, data in simple_events(name)
            if event in ("thread.message.completed", "thread.message.incomplete")
        }
        assert {k: v["content"] for k, v in final.items()} == {
            k: v["content"] for k, v in completed.items()
        }


@SDK_DEPRECATION
def test_openai_async_runs_stream(sdk: ModuleType) -> None:
    """AsyncOpenAI's runs.stream yields every event against a server in the same loop."""

    async def scenario() -> list[list[str]]:
        async with (
            ReplayServer(lambda r: CAPTURES[r.thread_id or ""]) as srv,
            sdk.AsyncOpenAI(
                api_key="test", base_url=srv.base_url, max_retries=0, timeout=5
            ) as client,
        ):
            out = []
            for name in STREAM_NAMES:
                async with client.beta.threads.runs.stream(
                    thread_id=name, assistant_id="asst_1"
                ) as stream:
                    out.append([event.event async for event in stream])
            assert len({r.connection for r in srv.requests}) == 1  # drained, kept alive
            return out

    got = run_async(scenario())
    assert got == [capture_names(name) for name in STREAM_NAMES]


@SDK_DEPRECATION
def test_openai_create_and_run_stream(sdk: ModuleType, capture_server: ReplayServer) -> None:
    """threads.create_and_run_stream posts to /v1/threads/runs and gets the stream."""
    with (
        sdk_client(sdk, capture_server) as client,
        client.beta.threads.create_and_run_stream(
            assistant_id="asst_1", metadata={"capture": "two-messages"}
        ) as stream,
    ):
        names = [event.event for event in stream]
    assert names == capture_names("two-messages")
    request = capture_server.requests[-1]
    assert (request.path, request.endpoint) == ("/v1/threads/runs", "threads.create_and_run")
    assert request.headers["x-stainless-stream-helper"] == "threads.create_and_run_stream"


@SDK_DEPRECATION
def test_openai_submit_tool_outputs_stream(sdk: ModuleType, capture_server: ReplayServer) -> None:
    """A requires_action run continues through submit_tool_outputs_stream: a second segment."""
    with sdk_client(sdk, capture_server) as client:
        with client.beta.threads.runs.stream(
            thread_id="run-steps", assistant_id="asst_1"
        ) as stream:
            (step,) = stream.get_final_run_steps()
            run = stream.current_run
        assert run is not None and run.status == "requires_action"
        call = step.step_details.tool_calls[0]
        with client.beta.threads.runs.submit_tool_outputs_stream(
            thread_id=run.thread_id,
            run_id=run.id,
            tool_outputs=[{"tool_call_id": call.id, "output": "18C"}],
        ) as stream:
            names = [event.event for event in stream]
    assert names == capture_names("basic")
    request = capture_server.requests[-1]
    assert request.path == f"/v1/threads/{run.thread_id}/runs/{run.id}/submit_tool_outputs"
    assert request.json == {
        "tool_outputs": [{"tool_call_id": call.id, "output": "18C"}],
        "stream": True,
    }


@SDK_DEPRECATION
def test_openai_sees_a_cut_stream_as_an_error(sdk: ModuleType) -> None:
    """A cut stream surfaces in the SDK helper as the transport's RemoteProtocolError."""
    with ReplayServer(CAPTURES["basic"], cut_after=1000) as srv:
        with pytest.raises(Exception, match="incomplete chunked read") as info:
            sdk_event_names(sdk, srv, "t")
        assert len(srv.requests) == 1  # not retried mid-stream
    assert type(info.value).__name__ == "RemoteProtocolError"


@SDK_DEPRECATION
def test_openai_unknown_path_is_not_found(sdk: ModuleType, capture_server: ReplayServer) -> None:
    """An SDK call the server does not implement raises NotFoundError (not retried)."""
    before = len(capture_server.requests)
    with (
        sdk_client(sdk, capture_server, max_retries=2) as client,
        pytest.raises(sdk.NotFoundError, match="Invalid URL"),
    ):
        client.beta.threads.create()
    assert [r.path for r in capture_server.requests[before:]] == ["/v1/threads"]


# -- command line ---------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and select() on pipes are POSIX")
def test_cli_serves_until_interrupted(http: httpx.Client, tmp_path: Path) -> None:
    """python -m deltasnap.testing.server FILE prints the base URL, serves, and exits 0 on ^C."""
    capture = tmp_path / "c.sse"
    capture.write_bytes(CAPTURES["rich"])
    command = [sys.executable, "-m", "deltasnap.testing.server", str(capture), "--port", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            assert ready, "the server printed no URL within 10 s"
            base_url = proc.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
            with http.stream("POST", f"{base_url}/threads/t/runs", json=RUN_BODY) as response:
                assert response.read() == CAPTURES["rich"]
        finally:
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=5)
    assert proc.returncode == 0, stderr
    assert "POST /v1/threads/t/runs -> 200" in stderr
    assert "Warning" not in stderr


def test_cli_refuses_remote_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI refuses a non-loopback --host unless --allow-remote is given."""
    assert main(["x.sse", "--host", "0.0.0.0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert main(["/nonexistent/x.sse", "--port", "0"]) == 1
    assert "No such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x.sse", "--port", "99999"], "99999 is not in 0..65535"),
        (["x.sse", "--port", "-1"], "-1 is not in 0..65535"),
        (["x.sse", "--chunk-size", "0"], "0 is not in >= 1"),
        (["x.sse", "--delay", "-1"], "-1 is not a finite number >= 0"),
        (["x.sse", "--delay", "nan"], "nan is not a finite number >= 0"),
        ([], "give a capture FILE or --sample"),
        (["x.sse", "--sample"], "give a capture FILE or --sample"),
    ],
)
def test_cli_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """An out-of-range port or size, or no capture, is a usage error (exit 2), no traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith("python -m deltasnap.testing.server: error:")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and select() on pipes are POSIX")
def test_cli_serve_sample_exits_quietly_on_interrupt(http: httpx.Client) -> None:
    """deltasnap serve --sample serves the bundled sample; ^C mid-stream exits 0, no traceback."""
    sample = (Path(deltasnap.__file__).parent / "samples" / "sample.sse").read_bytes()
    command = [sys.executable, "-m", "deltasnap", "serve", "--sample", "--port", "0"]
    command += ["--chunk-size", "100", "--delay", "0.5"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            assert ready, "the server printed no URL within 10 s"
            base_url = proc.stdout.readline().strip()
            with http.stream("POST", f"{base_url}/threads/t/runs", json=RUN_BODY) as response:
                assert next(response.iter_raw()) == sample[:100]
                proc.send_signal(signal.SIGINT)  # while the reply is still being written
                _, stderr = proc.communicate(timeout=5)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and "Error" not in stderr


# -- bounded in size and time -----------------------------------------------------------------


def raw_exchange(srv: ReplayServer, request: bytes) -> bytes:
    """Send raw bytes, half-close, and return everything the server answers."""
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = bytearray()
        while piece := sock.recv(65536):
            answer += piece
    return bytes(answer)


HEAD = b"POST /v1/threads/t/runs HTTP/1.1\r\nhost: x\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (HEAD + "content-length: ²\r\n\r\n".encode("latin-1"), b"400"),
        (HEAD + b"content-length: " + b"9" * 5000 + b"\r\n\r\n", b"413"),
        (HEAD + b"content-length: +5\r\n\r\n", b"400"),
        (HEAD + b"transfer-encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", b"400"),
        (HEAD + b"transfer-encoding: chunked\r\n\r\n 0x1\r\nx\r\n0\r\n\r\n", b"400"),
        (HEAD + b"transfer-encoding: chunked\r\n\r\n" + b"0" * 70_000 + b"1\r\nx\r\n", b"400"),
        (HEAD + b"transfer-encoding: chunked\r\n\r\n" + b"f" * 5000 + b"\r\n", b"400"),
        (HEAD + b"transfer-encoding: chunked\r\n\r\n0\r\n" + b"x: y\r\n" * 20_000, b"431"),
    ],
    ids=["superscript", "5000-digits", "plus", "minus-one", "0x", "long-line", "huge", "trailers"],
)
def test_malformed_framing_gets_an_http_answer(request_bytes: bytes, status: bytes) -> None:
    """Bad Content-Length or chunk-size lines get a 4xx JSON answer, never an internal error."""
    with ReplayServer(CAPTURES["basic"]) as srv:
        answer = raw_exchange(srv, request_bytes)
        errors = srv.errors
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b'"error"' in answer and b"connection: close" in answer
    assert errors == []


def test_request_body_timeout_gets_a_408() -> None:
    """A request body that stops arriving is answered 408 after read_timeout, not waited on."""
    with ReplayServer(CAPTURES["basic"], read_timeout=0.2) as srv:
        with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
            sock.sendall(HEAD + b"content-length: 100\r\n\r\n{")
            answer = sock.recv(65536)
        errors = srv.errors
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert errors == []


def test_a_client_that_never_reads_is_dropped_after_write_timeout() -> None:
    """Writes to a client that reads nothing give up after write_timeout; the server goes on."""
    dropped = threading.Event()

    def log(line: str) -> None:
        if "read nothing" in line:
            dropped.set()

    body = b"data: {}\n\n" * (4 * 1024 * 1024)  # 40 MiB: far more than the socket buffers
    with ReplayServer(body, chunk_size=1024 * 1024, write_timeout=0.2, log=log) as srv:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((srv.host, srv.port))
            sock.sendall(HEAD + b"content-length: 16\r\n\r\n" + b'{"stream": true}')
            assert dropped.wait(10), "the server still waits on a client that never reads"
        with httpx.Client(timeout=TIMEOUT) as client:  # and it still serves others
            assert post_run(client, srv)[:10] == body[:10]


def test_records_are_bounded_by_count() -> None:
    """Only the last keep_requests requests are kept; requests_dropped counts the others."""
    with ReplayServer(CAPTURES["basic"], keep_requests=3) as srv:
        with httpx.Client(timeout=TIMEOUT) as client:
            for i in range(5):
                post_run(client, srv, f"thread_{i}")
        kept, dropped = srv.requests, srv.requests_dropped
    assert [r.thread_id for r in kept] == ["thread_2", "thread_3", "thread_4"]
    assert [r.index for r in kept] == [2, 3, 4] and dropped == 2


def test_records_are_bounded_by_body_bytes() -> None:
    """Kept request bodies stay within keep_request_bytes (the newest request is always kept)."""
    body = {"stream": True, "pad": "x" * 600}
    with ReplayServer(CAPTURES["basic"], keep_request_bytes=1000) as srv:
        with httpx.Client(timeout=TIMEOUT) as client:
            for i in range(4):
                url = f"{srv.base_url}/threads/thread_{i}/runs"
                with client.stream("POST", url, json=body) as response:
                    response.read()
        kept, dropped = srv.requests, srv.requests_dropped
    assert [r.thread_id for r in kept] == ["thread_3"] and dropped == 3
    assert kept[0].json == body  # parsed on access from the kept bytes


def test_limits_of_the_server_are_validated() -> None:
    """A port out of range, negative record bounds and non-positive timeouts are refused."""
    for bad in (
        {"port": 99999},
        {"port": -1},
        {"keep_requests": -1},
        {"keep_request_bytes": -1},
        {"read_timeout": 0},
        {"write_timeout": -1},
    ):
        with pytest.raises(ValueError):
            ReplayServer(b"", **bad)


def test_records_do_not_hold_parsed_json() -> None:
    """A kept request holds its body's bytes and small fields, never the ~20x of its parsed JSON
    (sizes of what each record holds: process-wide tracemalloc counts other tests' threads too)."""
    content = b'{"stream": true, "items": [' + b"{}," * 350_000 + b"{}]}"  # ~1 MiB
    with ReplayServer(CAPTURES["basic"]) as srv:
        with httpx.Client(timeout=TIMEOUT) as client:
            url = f"{srv.base_url}/threads/t/runs"
            for _ in range(5):
                assert client.post(url, content=content).status_code == 200
        assert len(srv.requests) == 5
        for request in srv.requests:
            fields = dataclasses.fields(request)
            held = {field.name: getattr(request, field.name) for field in fields}
            containers = {name for name, value in held.items() if isinstance(value, Mapping | list)}
            assert containers == {"headers"}  # the parsed body is not one of them
            assert all(isinstance(value, str) for value in request.headers.values())
            assert sum(sys.getsizeof(value) for value in held.values()) < 2 * len(content)
            assert request.json["stream"] is True  # parsed on access, from the bytes
