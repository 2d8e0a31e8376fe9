"""Two guards on faust-streaming's consumer so a rebalance never skips a record.

What the two-worker drills showed (bench/drills, docs/BENCHMARKS.md): after a rebalance,
faust's consumer sometimes hands a stream a record *past* the partition's committed
offset — "offset 12 after a seek to 10" — fetched before the seek. faust then treats the
records in between as a gap that needs no processing (`Consumer._add_gap` marks them
acked), commits past them, and they are never read again: an alert lost with every
offset committed. Or it drops the older records as already read, and the committed offset
stops behind them for good: a stalled partition.

Our own topics are never compacted and never written in transactions, so their offsets
are contiguous: a record after an unseen offset is always such a jump. The guards:

- **No jumps.** For the worker's input topics, the consumer remembers the next offset each
  partition must deliver (set by faust's seeks, advanced by each record). A record beyond
  it is not handed on; the partition is seeked back to the missing offset and read again
  in order. A jump that repeats unchanged (the records are gone from the broker, deleted by
  retention) is let through after `MAX_SAME_JUMP` tries, with an error in the log.
- **No commit past a missing head.** faust commits the first run of consecutive acked
  offsets, after checking that it starts right after the committed offset with
  ``min(acked) - committed > 1``; but the committed offset is already the *next* offset
  to read, so one missing record there (acked 2, 3 with 1 committed) is committed past,
  and a partition never committed is not checked at all. The guard waits for the record
  at the committed offset (or, never committed, the first one the partition handed on).
- **Never committed, read from the start.** After a rebalance faust seeks each partition
  back to its committed offset; one the group never committed keeps its fetch position,
  past records handed on before the rebalance and never done. The guard seeks it to its
  beginning.
- **No acks during a rebalance.** A record fetched before a rebalance and finished after
  it, or one a stream skips because flow is stopped for the rebalance, is not acked
  (faust acks both, and may then commit past records nobody processed); the seek to the
  committed offset that follows every rebalance reads it again. Reprocessing is safe:
  every stage is idempotent (the delivery ledger refuses a second send of a delivery key).

Installed once per process by `streams.app.create_app`; both wrap methods of faust's
base `Consumer` class, which every transport's consumer inherits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection, Set
from typing import Any

from aiokafka.errors import KafkaError
from faust.transport import consumer as faust_consumer

log = logging.getLogger("flashpoint.worker.offsets")

MAX_SAME_JUMP = 5
# A partition with records on the broker and none handed on for this long is stalled.
STALLED_AFTER_S = 20.0

_guarded_topics: set[str] = set()


def install(topics: Collection[str]) -> None:
    """Guard these topics (the worker's own, never compacted) from now on, in this process."""
    first = not _guarded_topics
    _guarded_topics.update(topics)
    if first:
        patch(faust_consumer.Consumer, _guarded_topics)


def patch(consumer_class: Any, guarded_topics: Set[str]) -> None:
    """Wrap `consumer_class`'s methods with the guards, for the topics named in
    `guarded_topics` (read on each record, so names added later are guarded too)."""
    original_getmany = consumer_class.getmany
    original_ack = consumer_class.ack
    original_seek = consumer_class.seek
    original_perform_seek = consumer_class.perform_seek
    original_revoked = consumer_class.on_partitions_revoked
    original_new_offset = consumer_class._new_offset

    def expected_of(consumer: Any) -> dict[Any, int]:
        table: dict[Any, int] | None = getattr(consumer, "_flashpoint_expected", None)
        if table is None:
            table = consumer._flashpoint_expected = {}
            consumer._flashpoint_jumps = {}
            consumer._flashpoint_heads = {}
        return table

    def heads_of(consumer: Any) -> dict[Any, int]:
        expected_of(consumer)
        heads: dict[Any, int] = consumer._flashpoint_heads
        return heads

    def _new_offset(self: Any, tp: Any) -> int | None:
        acked = self._acked.get(tp)
        if acked and tp.topic in guarded_topics and not self._gap.get(tp):
            committed = self._committed_offset.get(tp)
            head = committed if committed is not None else heads_of(self).get(tp)
            if head is not None and min(acked) > head:
                return None  # the record at `head` is not done yet (or was dropped)
        offset: int | None = original_new_offset(self, tp)
        return offset

    async def seek(self: Any, partition: Any, offset: int) -> None:
        await original_seek(self, partition, offset)
        expected_of(self)[partition] = offset
        heads_of(self)[partition] = offset

    async def reread(self: Any, partition: Any, offset: int) -> None:
        # `seek_wait` seeks in the consumer's own thread (as faust's recovery does); a
        # plain `seek` from this thread can leave aiokafka's fetcher waiting for ever.
        await self.seek_wait({partition: offset})
        self._read_offset[partition] = offset
        expected_of(self)[partition] = offset
        heads_of(self)[partition] = offset

    async def perform_seek(self: Any) -> None:
        await original_perform_seek(self)
        expected, heads = expected_of(self), heads_of(self)
        expected.clear()
        heads.clear()
        # faust keeps each partition's committed offset (the next to read) as its read
        # offset after this seek; None where the group never committed.
        for tp, offset in self._read_offset.items():
            if offset is not None and tp.topic in guarded_topics:
                expected[tp] = heads[tp] = offset
        # A partition the group never committed has no offset to seek back to, so faust
        # leaves it where its fetcher was, past records handed on before the rebalance
        # and never done. Nothing of it is known done: read it from its beginning.
        never = [
            tp
            for tp in self.assignment()
            if tp.topic in guarded_topics and self._committed_offset.get(tp) is None
        ]
        if never:
            starts = dict(await self.earliest_offsets(*never))
            await self.seek_wait(starts)
            for tp, start in starts.items():
                self._read_offset[tp] = start
                expected[tp] = heads[tp] = start

    async def on_partitions_revoked(self: Any, revoked: Set[Any]) -> None:
        expected = expected_of(self)
        for tp in revoked:
            expected.pop(tp, None)
            self._flashpoint_jumps.pop(tp, None)
            self._flashpoint_heads.pop(tp, None)
        await original_revoked(self, revoked)

    async def getmany(self: Any, timeout: float) -> AsyncIterator[Any]:
        expected = expected_of(self)
        jumps: dict[Any, tuple[int, int, int]] = self._flashpoint_jumps
        reseeked: set[Any] = set()
        async for tp, message in original_getmany(self, timeout):
            if tp.topic not in guarded_topics:
                yield tp, message
                continue
            if tp in reseeked:
                continue  # the rest of a batch fetched before the partition was seeked back
            offset = message.offset
            want = expected.get(tp)
            if want is not None and offset > want:
                seen = jumps.get(tp)
                times = seen[2] + 1 if seen is not None and seen[:2] == (want, offset) else 1
                jumps[tp] = (want, offset, times)
                if times < MAX_SAME_JUMP:
                    log.warning(
                        "%s[%d]: offset %d arrived before %d; reading again from %d",
                        tp.topic,
                        tp.partition,
                        offset,
                        want,
                        want,
                    )
                    reseeked.add(tp)
                    await reread(self, tp, want)
                    continue
                log.error(
                    "%s[%d]: offsets %d to %d are gone from the broker; going on from %d",
                    tp.topic,
                    tp.partition,
                    want,
                    offset - 1,
                    offset,
                )
            if want is None:
                heads_of(self).setdefault(tp, offset)  # where a never-committed one starts
            if want is None or offset >= want:
                expected[tp] = offset + 1
            yield tp, message

    def ack(self: Any, message: Any) -> bool:
        current = self.app.consumer_generation_id
        stale = message.generation_id is not None and message.generation_id != current
        if stale or not self.app.flow_control.is_active():
            log.info(
                "%s[%d]@%d done during a rebalance: not acked, it is read again",
                message.tp.topic,
                message.tp.partition,
                message.offset,
            )
            # Done with, so shutdown does not wait for it; but no offset to commit.
            message.acked = True
            self._unacked_messages.discard(message)
            return False
        return bool(original_ack(self, message))

    consumer_class.getmany = getmany
    consumer_class.ack = ack
    consumer_class.seek = seek
    consumer_class.perform_seek = perform_seek
    consumer_class.flashpoint_reread = reread
    consumer_class._new_offset = _new_offset
    consumer_class.on_partitions_revoked = on_partitions_revoked


async def unstall(consumer: Any, *, now: float) -> list[str]:
    """Find guarded partitions stuck for `STALLED_AFTER_S`, say what faust's consumer
    thinks of each, and read each again from the first record not done. Returns what it
    said, one line a partition. Called by the worker's timer (every few seconds).

    Two kinds of stuck, both seen in the two-worker drills after a rebalance:

    - **unread**: records wait on the broker and none is handed on (a backpressured
      partition, whose stream buffer is full, excepted);
    - **a hole**: later records were done (acked) but the one at the committed offset
      never was, so the commit cannot move past it: faust dropped it. Agents take each
      partition's records in order, so a hole that lasts is never work in progress.
    """
    if not consumer.flow_active or not consumer.app.flow_control.is_active():
        return []  # a rebalance is under way
    tps = [tp for tp in consumer.assignment() if tp.topic in _guarded_topics]
    if not tps:
        return []
    try:
        ends = await asyncio.wait_for(consumer.highwaters(*tps), timeout=STALLED_AFTER_S / 3)
    except (TimeoutError, KafkaError) as error:
        line = f"the consumer cannot read the broker's end offsets: {error!r}"
        log.error(line)
        return [line]
    expected = getattr(consumer, "_flashpoint_expected", {})
    heads = getattr(consumer, "_flashpoint_heads", {})
    seen: dict[Any, tuple[tuple[int, int | None], float]] = consumer.__dict__.setdefault(
        "_flashpoint_seen", {}
    )
    said = []
    for tp in tps:
        committed = consumer._committed_offset.get(tp)
        acked = consumer._acked.get(tp) or []
        # The next offset to hand on; what the group committed is handed on already.
        want = max(expected.get(tp, 0), committed or 0)
        end = ends.get(tp)
        unread = end is not None and end > want and tp not in consumer._buffered_partitions
        head = committed if committed is not None else heads.get(tp)
        hole = head is not None and bool(acked) and min(acked) > head
        if not (unread or hole):
            seen.pop(tp, None)
            continue
        marker = (want, committed)
        first = seen.get(tp)
        if first is None or first[0] != marker:
            seen[tp] = (marker, now)
            continue
        if now - first[1] < STALLED_AFTER_S:
            continue
        start = head if hole and head is not None else want
        line = (
            f"{tp.topic}[{tp.partition}]: {'a hole' if hole else 'unread'} at {start}"
            f" of {end} for {now - first[1]:.0f} s (handed on to {want},"
            f" committed {committed}, acked from {min(acked) if acked else None},"
            f" active {tp in consumer._get_active_partitions()},"
            f" paused {tp in consumer._paused_partitions}); reading again from {start}"
        )
        log.error(line)
        said.append(line)
        consumer._paused_partitions.discard(tp)
        consumer._get_active_partitions().add(tp)
        await consumer.flashpoint_reread(tp, start)
        seen[tp] = (marker, now)
    return said
