"""deltasnap.httpx and the openai SDK against the real loopback server, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import pickle
import subprocess
import sys
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

import deltasnap
import deltasnap.httpx
from deltasnap.testing import RecordedRequest, ReplayServer, Reply

from conftest import MESSAGE_STREAMS, STREAM_NAMES, expected, stream_path

BODY = {"assistant_id": "asst_1", "stream": True}


def by_thread(request: RecordedRequest) -> bytes:
    """Serve the capture named by the thread id (``thread_<name>``)."""
    name = (request.thread_id or "").removeprefix("thread_")
    if name.startswith("gen"):
        return _generated(int(name[3:]))
    return stream_path(name).read_bytes()


def _generated(seed: int) -> bytes:
    from deltasnap.testing.generate import generate_stream

    return generate_stream(
        n_deltas=60, n_messages=3, annotation_every=7, images=True, seed=seed
    ).data


def final(acc: deltasnap.Accumulator) -> dict[str, Any]:
    """Every message snapshot in JSON shape."""
    return {mid: deltasnap.unstructure(msg) for mid, msg in acc.messages.items()}


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    """A replay server choosing the capture by thread id, in small random chunks."""
    with ReplayServer(by_thread, chunk_size=17, seed=3) as srv:
        yield srv


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
@pytest.mark.parametrize("use_completed", [True, False])
def test_httpx_sync(server: ReplayServer, name: str, use_completed: bool) -> None:
    """An httpx.Client streaming response reduces to the capture's expected messages."""
    with httpx.Client(base_url=server.base_url) as client:
        with client.stream("POST", f"/threads/thread_{name}/runs", json=BODY) as response:
            acc = deltasnap.httpx.accumulate_response(response, use_completed=use_completed)
    assert final(acc) == expected(name)
    assert acc.done and not acc.truncated and acc.reports == []


def test_httpx_live_updates(server: ReplayServer) -> None:
    """iter_updates yields text pieces while the response streams."""
    acc = deltasnap.Accumulator()
    pieces = []
    with httpx.Client(base_url=server.base_url) as client:
        with client.stream("POST", "/threads/thread_two-messages/runs", json=BODY) as response:
            for update in deltasnap.httpx.iter_updates(response, acc):
                if update.kind == "text" and update.message_id == "msg_b":
                    pieces.append(update.text)
    assert "".join(pieces) == "one two three"


def test_httpx_async(server: ReplayServer) -> None:
    """An httpx.AsyncClient streaming response reduces to the expected messages."""

    async def main() -> deltasnap.Accumulator:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            async with client.stream("POST", "/threads/thread_rich/runs", json=BODY) as response:
                return await deltasnap.httpx.aaccumulate_response(response)

    assert final(asyncio.run(main())) == expected("rich")


def test_two_hundred_concurrent_streams() -> None:
    """200 streams at once in one asyncio loop each reduce to their own messages."""
    from deltasnap.testing.generate import generate_stream

    streams = {
        f"thread_{i}": generate_stream(
            n_deltas=40, n_messages=3, annotation_every=7, images=True, seed=i
        )
        for i in range(200)
    }

    async def one(client: httpx.AsyncClient, i: int) -> bool:
        async with client.stream("POST", f"/threads/thread_{i}/runs", json=BODY) as response:
            acc = await deltasnap.httpx.aaccumulate_response(response, use_completed=False)
        return final(acc) == streams[f"thread_{i}"].expected and not acc.reports

    async def main(srv: ReplayServer) -> list[bool]:
        limits = httpx.Limits(max_connections=20)
        clients = [
            httpx.AsyncClient(base_url=srv.base_url, limits=limits, timeout=60) for _ in range(10)
        ]
        try:
            return await asyncio.gather(*(one(clients[i % 10], i) for i in range(200)))
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    source = lambda request: streams[request.thread_id or ""].data  # noqa: E731
    with ReplayServer(source, chunk_size=1024, seed=1) as srv:
        results = asyncio.run(main(srv))
    assert all(results) and len(results) == 200


@pytest.mark.parametrize("cut", [100, 700, 1500])
def test_cut_connection_keeps_snapshots(cut: int) -> None:
    """A connection cut mid-stream leaves the snapshots so far and a clear truncation report."""
    data = stream_path("basic").read_bytes()
    with ReplayServer(data, chunk_size=50, cut_after=cut) as srv:
        with httpx.Client(base_url=srv.base_url) as client:
            with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                acc = deltasnap.httpx.accumulate_response(response)
    assert acc.truncated
    kinds = [r.kind for r in acc.reports]
    assert kinds[0] == "transport_error" and kinds[-1] == "truncated"
    whole = deltasnap.accumulate(data[:cut])
    assert final(acc) == final(whole)


def test_http_error_status_raises_server_error() -> None:
    """An HTTP error status becomes a ServerError carrying the API's error body."""
    body = b'{"error": {"message": "no such run", "type": "invalid_request_error", "code": null}}'
    with ReplayServer(lambda _: Reply(body, status=404)) as srv:
        with httpx.Client(base_url=srv.base_url) as client:
            with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                with pytest.raises(deltasnap.ServerError, match="no such run"):
                    deltasnap.httpx.accumulate_response(response)


# -- the openai SDK --------------------------------------------------------------------------


@pytest.fixture
def openai_client(server: ReplayServer) -> Any:
    """The real openai client pointed at the local server."""
    return openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0, timeout=10)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_openai_sdk_events(openai_client: Any, name: str) -> None:
    """The SDK's runs.stream() events fed to accumulate() give the server's completed messages."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with openai_client.beta.threads.runs.stream(
            thread_id=f"thread_{name}", assistant_id="asst_1"
        ) as stream:
            acc = deltasnap.accumulate(stream, use_completed=False)
    if name == "run-steps":
        assert {k: deltasnap.unstructure(v) for k, v in acc.reducer.run_steps.items()} == expected(
            name
        )
    else:
        assert final(acc) == expected(name)
    assert [r.kind for r in acc.reports] == []


def test_openai_sdk_interleaved_where_its_own_snapshots_are_wrong(openai_client: Any) -> None:
    """With interleaved messages the SDK's mid-stream snapshot is wrong; deltasnap's is right."""
    acc = deltasnap.Accumulator()
    sdk_wrong = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with openai_client.beta.threads.runs.stream(
            thread_id="thread_two-messages", assistant_id="asst_1"
        ) as stream:
            for event in stream:
                acc.feed_event(event.event, event.data)
                if event.event == "thread.message.delta" and acc.event_counts[event.event] == 6:
                    sdk_wrong = stream.current_message_snapshot
                    ours = {mid: m.content[0].text.value for mid, m in acc.messages.items()}  # type: ignore[union-attr]
    assert ours == {"msg_a": "alpha beta gamma", "msg_b": "one two three"}
    assert sdk_wrong is not None
    assert sdk_wrong.content[0].text.value != "one two three"  # the SDK merged both into one
    acc.done = True
    acc.close()
    assert final(acc) == expected("two-messages")


# -- bounded error bodies ----------------------------------------------------------------------

BIG = 64 * 1024 * 1024


class Counted:
    """A 64 MiB response body in 64 KiB pieces that counts how many bytes were pulled."""

    def __init__(self, piece: bytes = b"x" * 65536) -> None:
        self.piece = piece
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        """Yield the pieces, counting."""
        for _ in range(BIG // len(self.piece)):
            self.pulled += len(self.piece)
            yield self.piece

    async def __aiter__(self) -> Any:
        """Async form of __iter__."""
        for piece in self:
            yield piece


def counted_client(
    body: Counted, status: int, content_type: str, *, asynchronous: bool = False
) -> Any:
    """An httpx client whose every response has ``status`` and the counted body."""

    def handler(request: httpx.Request) -> httpx.Response:
        stream: Any = body.__aiter__() if asynchronous else iter(body)
        return httpx.Response(status, headers={"content-type": content_type}, content=stream)

    transport = httpx.MockTransport(handler)
    if asynchronous:
        return httpx.AsyncClient(transport=transport, base_url="http://api.test/v1")
    return httpx.Client(transport=transport, base_url="http://api.test/v1")


def assert_bounded(message: str, body: Counted) -> None:
    """The exception text and the bytes read are bounded, whatever the body's size."""
    limit = deltasnap.httpx.ERROR_BODY_LIMIT
    assert body.pulled <= limit + len(body.piece)
    assert len(message) < 2 * deltasnap.httpx.EXCERPT_CHARS
    assert f"first {limit} bytes" in message


@pytest.mark.parametrize("helper", ["accumulate_response", "iter_updates", "connect_sse"])
def test_a_huge_error_body_is_read_only_up_to_the_limit(helper: str) -> None:
    """A 500 with a 64 MiB body reads at most ERROR_BODY_LIMIT bytes; the message is short."""
    body = Counted()
    with counted_client(body, 500, "text/plain") as client:
        with pytest.raises(deltasnap.ServerError) as caught:
            if helper == "connect_sse":
                with deltasnap.httpx.connect_sse(client, "POST", "/threads/t/runs", json=BODY):
                    pass
            else:
                with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                    if helper == "iter_updates":
                        list(deltasnap.httpx.iter_updates(response, deltasnap.Accumulator()))
                    else:
                        deltasnap.httpx.accumulate_response(response)
    assert "HTTP 500" in str(caught.value)
    assert_bounded(str(caught.value), body)
    assert len(caught.value.data) == deltasnap.httpx.ERROR_BODY_LIMIT


def test_a_huge_error_body_is_bounded_async() -> None:
    """The async helpers read at most ERROR_BODY_LIMIT bytes of a 64 MiB error body too."""
    body = Counted()

    async def main() -> None:
        async with counted_client(body, 503, "text/html", asynchronous=True) as client:
            async with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                await deltasnap.httpx.aaccumulate_response(response)

    with pytest.raises(deltasnap.ServerError) as caught:
        asyncio.run(main())
    assert_bounded(str(caught.value), body)


def test_a_long_api_error_message_is_excerpted() -> None:
    """An API error JSON within the limit keeps its data whole; its message text is excerpted."""
    error = {"error": {"message": "m" * 20_000, "type": "server_error", "code": "boom"}}
    with ReplayServer(lambda _: Reply(json.dumps(error).encode(), status=500)) as srv:
        with httpx.Client(base_url=srv.base_url) as client:
            with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                with pytest.raises(deltasnap.ServerError) as caught:
                    deltasnap.httpx.accumulate_response(response)
    message = str(caught.value)
    assert "server error [boom]: mmm" in message and "20000 characters in all" in message
    assert len(message) < 2 * deltasnap.httpx.EXCERPT_CHARS
    assert caught.value.data == error and caught.value.code == "boom"


# -- bodies that end early: dropped, timed out, undecodable -----------------------------------


def broken_gzip(data: bytes, cut: int) -> bytes:
    """``data[:cut]`` gzip-compressed and flushed so it decodes, then bytes that do not."""
    compressor = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
    return compressor.compress(data[:cut]) + compressor.flush(zlib.Z_SYNC_FLUSH) + b"\xff" * 64


@pytest.fixture(scope="module")
def broken_server() -> Iterator[ReplayServer]:
    """Serves the basic capture gzip-encoded, with the encoding broken after 900 bytes."""
    body = broken_gzip(stream_path("basic").read_bytes(), 900)
    reply = Reply(body, headers={"content-encoding": "gzip"})
    with ReplayServer(lambda _: reply, chunk_size=64) as srv:
        yield srv


def arrived(acc: deltasnap.Accumulator) -> dict[str, Any]:
    """The messages the bytes ``acc`` received (a prefix of the basic capture) give alone."""
    assert 0 < acc.bytes_received < len(stream_path("basic").read_bytes())
    return final(deltasnap.accumulate(stream_path("basic").read_bytes()[: acc.bytes_received]))


@pytest.mark.parametrize("helper", ["accumulate_response", "iter_updates", "connect_sse"])
def test_a_broken_content_encoding_keeps_what_arrived(
    broken_server: ReplayServer, helper: str
) -> None:
    """httpx.DecodingError midway is handled like a dropped connection: snapshots stay, reported."""
    acc = deltasnap.Accumulator()
    with httpx.Client(base_url=broken_server.base_url) as client:
        if helper == "connect_sse":
            with deltasnap.httpx.connect_sse(
                client, "POST", "/threads/t/runs", json=BODY, accumulator=acc
            ) as stream:
                updates = list(stream)
        else:
            with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                if helper == "iter_updates":
                    updates = list(deltasnap.httpx.iter_updates(response, acc))
                else:
                    deltasnap.httpx.accumulate_response(response, accumulator=acc)
                    updates = []
    assert final(acc) == arrived(acc) != {}
    kinds = [r.kind for r in acc.reports]
    assert kinds[0] == "transport_error" and kinds[-1] == "truncated" and acc.truncated
    assert "DecodingError" in acc.reports[0].reason
    assert helper == "accumulate_response" or [u.kind for u in updates[-2:]] == ["truncated", "end"]


def test_a_broken_content_encoding_keeps_what_arrived_async(broken_server: ReplayServer) -> None:
    """The async helpers handle httpx.DecodingError like a dropped connection too."""

    async def main() -> tuple[deltasnap.Accumulator, deltasnap.Accumulator]:
        async with httpx.AsyncClient(base_url=broken_server.base_url) as client:
            async with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                first = await deltasnap.httpx.aaccumulate_response(response)
            second = deltasnap.Accumulator()
            async with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                async for _ in deltasnap.httpx.aiter_updates(response, second):
                    pass
        return first, second

    for acc in asyncio.run(main()):
        assert final(acc) == arrived(acc) != {}
        assert [r.kind for r in acc.reports][::2] == ["transport_error", "truncated"]


@pytest.mark.parametrize("cause", ["decoding", "cut", "timeout"])
def test_strict_mode_raises_transport_errors_after_keeping_what_arrived(
    broken_server: ReplayServer, cause: str
) -> None:
    """strict=True: a broken encoding, a dropped connection or a read timeout raise
    StreamInterrupted once what arrived is applied (the accumulator is then closed)."""
    data = stream_path("basic").read_bytes()
    options: dict[str, Any] = {"chunk_size": 100}
    if cause == "cut":
        options["cut_after"] = 900
    if cause == "timeout":
        options["delay"] = 5  # the client times out waiting for the second piece
    with contextlib.ExitStack() as stack:
        srv = broken_server
        if cause != "decoding":
            srv = stack.enter_context(ReplayServer(data, **options))
        timeout = httpx.Timeout(10, read=0.5)
        client = stack.enter_context(httpx.Client(base_url=srv.base_url, timeout=timeout))
        with pytest.raises(deltasnap.httpx.StreamInterrupted) as caught:
            with deltasnap.httpx.connect_sse(
                client, "POST", "/threads/t/runs", json=BODY, strict=True
            ) as stream:
                acc = stream.accumulator
                for _ in stream:
                    pass
    assert isinstance(caught.value, deltasnap.DeltasnapError)
    assert final(acc) == arrived(acc)
    assert acc.closed and acc.truncated
    assert [r.kind for r in acc.reports][::2] == ["transport_error", "truncated"]


def test_lenient_read_timeout_is_a_report() -> None:
    """Lenient (default): a read timeout mid-stream keeps the snapshots and is reported."""
    data = stream_path("basic").read_bytes()
    with ReplayServer(data, chunk_size=100, delay=5) as srv:
        timeout = httpx.Timeout(10, read=0.5)
        with httpx.Client(base_url=srv.base_url, timeout=timeout) as client:
            with deltasnap.httpx.connect_sse(client, "POST", "/threads/t/runs", json=BODY) as s:
                acc = s.accumulate()
    assert final(acc) == arrived(acc)
    assert "ReadTimeout" in acc.reports[0].reason and acc.truncated


# -- connect_sse -------------------------------------------------------------------------------


def test_connect_sse_sets_headers_and_yields_updates(server: ReplayServer) -> None:
    """connect_sse asks for an event stream, yields updates and keeps the snapshots."""
    with httpx.Client(base_url=server.base_url) as client:
        with deltasnap.httpx.connect_sse(
            client, "POST", "/threads/thread_two-messages/runs", json=BODY
        ) as stream:
            assert stream.response.headers["content-type"] == "text/event-stream"
            pieces = [u.text for u in stream if u.kind == "text" and u.message_id == "msg_b"]
    assert "".join(pieces) == "one two three"  # type: ignore[arg-type]
    assert final(stream.accumulator) == expected("two-messages")
    request = server.requests[-1]
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["cache-control"] == "no-store"


def test_connect_sse_keeps_headers_given(server: ReplayServer) -> None:
    """Headers passed to connect_sse are sent; an Accept given explicitly is not replaced."""
    headers = {"Authorization": "Bearer sk-x", "Accept": "text/event-stream; q=1"}
    with httpx.Client(base_url=server.base_url) as client:
        with deltasnap.httpx.connect_sse(
            client, "POST", "/threads/thread_basic/runs", json=BODY, headers=headers
        ) as stream:
            acc = stream.accumulate()
    assert final(acc) == expected("basic") and acc.done
    request = server.requests[-1]
    assert request.headers["authorization"] == "Bearer sk-x"
    assert request.headers["accept"] == "text/event-stream; q=1"


def test_aconnect_sse_yields_updates(server: ReplayServer) -> None:
    """aconnect_sse: async with / async for, with the snapshots in .accumulator."""

    async def main() -> tuple[list[str], deltasnap.Accumulator]:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            async with deltasnap.httpx.aconnect_sse(
                client, "POST", "/threads/thread_rich/runs", json=BODY, use_completed=False
            ) as stream:
                kinds = [update.kind async for update in stream]
        return kinds, stream.accumulator

    kinds, acc = asyncio.run(main())
    assert final(acc) == expected("rich") and kinds[-2:] == ["done", "end"]
    assert server.requests[-1].headers["accept"] == "text/event-stream"


def test_a_json_response_is_not_an_event_stream() -> None:
    """A 200 JSON body (no "stream": true) raises NotAnEventStream on entering, with an excerpt."""
    run = json.dumps({"id": "run_1", "object": "thread.run", "pad": "p" * 100_000}).encode()
    reply = Reply(run, headers={"content-type": "application/json"})
    with ReplayServer(lambda _: reply, chunk_size=4096) as srv:
        with httpx.Client(base_url=srv.base_url) as client:
            with pytest.raises(deltasnap.httpx.NotAnEventStream) as caught:
                with deltasnap.httpx.connect_sse(client, "POST", "/threads/t/runs", json=BODY):
                    pytest.fail("entered a JSON response")
            with client.stream("POST", "/threads/t/runs", json=BODY) as response:
                with pytest.raises(deltasnap.httpx.NotAnEventStream):
                    deltasnap.httpx.accumulate_response(response)
    error = caught.value
    assert isinstance(error, deltasnap.DeltasnapError)
    assert '"stream": true' in str(error) and '{"id": "run_1"' in str(error)
    assert error.content_type == "application/json"
    assert len(str(error)) < 2 * deltasnap.httpx.EXCERPT_CHARS
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.excerpt) == (type(error), str(error), error.excerpt)


def test_connect_sse_refuses_other_content_types() -> None:
    """connect_sse wants text/event-stream exactly; text/plain is refused too."""
    reply = Reply(b"data: {}\n\n", headers={"content-type": "text/plain"})
    with ReplayServer(lambda _: reply) as srv:
        with httpx.Client(base_url=srv.base_url) as client:
            with pytest.raises(deltasnap.httpx.NotAnEventStream, match="text/plain"):
                with deltasnap.httpx.connect_sse(client, "POST", "/threads/t/runs", json=BODY):
                    pass


def test_connect_sse_error_status_raises_server_error() -> None:
    """An error status on connect_sse / aconnect_sse raises ServerError with the API's fields."""
    body = b'{"error": {"message": "no such thread", "type": "invalid_request_error"}}'
    with ReplayServer(lambda _: Reply(body, status=404)) as srv:
        with httpx.Client(base_url=srv.base_url) as client:
            with pytest.raises(deltasnap.ServerError, match=r"HTTP 404.*no such thread") as caught:
                with deltasnap.httpx.connect_sse(client, "POST", "/threads/t/runs", json=BODY):
                    pass

        async def main() -> None:
            async with httpx.AsyncClient(base_url=srv.base_url) as client:
                async with deltasnap.httpx.aconnect_sse(
                    client, "POST", "/threads/t/runs", json=BODY
                ):
                    pass

        with pytest.raises(deltasnap.ServerError, match="no such thread"):
            asyncio.run(main())
    assert caught.value.type == "invalid_request_error"


def test_stream_interrupted_pickles() -> None:
    """StreamInterrupted keeps its reason and location through pickle."""
    error = deltasnap.httpx.StreamInterrupted("connection lost: x", byte_offset=7)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.reason, again.byte_offset) == (type(error), error.reason, 7)


def test_import_without_httpx_names_the_extra() -> None:
    """import deltasnap.httpx without httpx installed says which extra to install."""
    code = "import sys; sys.modules['httpx'] = None; import deltasnap.httpx"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "ImportError" in result.stderr
    assert deltasnap.httpx.INSTALL_HINT in result.stderr


def test_aconnect_sse_strict_raises_after_keeping_what_arrived() -> None:
    """aconnect_sse with strict=True raises StreamInterrupted at a dropped connection, after
    applying the bytes that arrived."""
    data = stream_path("basic").read_bytes()

    async def main(srv: ReplayServer) -> deltasnap.Accumulator:
        async with httpx.AsyncClient(base_url=srv.base_url) as client:
            async with deltasnap.httpx.aconnect_sse(
                client, "POST", "/threads/t/runs", json=BODY, strict=True
            ) as stream:
                with pytest.raises(deltasnap.httpx.StreamInterrupted, match="connection lost"):
                    await stream.accumulate()
        return stream.accumulator

    with ReplayServer(data, chunk_size=100, cut_after=900) as srv:
        acc = asyncio.run(main(srv))
    assert acc.bytes_received == 900 and final(acc) == arrived(acc) != {}
    assert acc.closed and acc.truncated
