"""deltasnap.httpx and the openai SDK against the real loopback server, over real sockets."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import deltasnap
import deltasnap.httpx
from deltasnap.testing import RecordedRequest, ReplayServer

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
    from deltasnap.testing import Reply

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
    openai = pytest.importorskip("openai")
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
