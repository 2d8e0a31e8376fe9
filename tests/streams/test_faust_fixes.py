"""The consumer guards of streams.faust_fixes on a stand-in for faust's Consumer.

The stand-in has the few methods the guards wrap, with faust's meaning: `perform_seek`
sets each partition's read offset to its committed offset, `getmany` yields what the
broker hands over (here: what the test queued), `seek` moves a partition and `ack`
records the offsets faust would commit. The two-worker drills in bench/drills show the
guards against the real broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Set
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest

from streams import faust_fixes


class TP(NamedTuple):
    topic: str
    partition: int


@dataclass(eq=False)
class Message:
    tp: TP
    offset: int
    generation_id: int | None = 1
    acked: bool = False


class FlowControl:
    active = True

    def is_active(self) -> bool:
        return self.active


class App:
    consumer_generation_id = 1

    def __init__(self) -> None:
        self.flow_control = FlowControl()


class StandInConsumer:
    def __init__(self, committed: dict[TP, int | None]) -> None:
        self.app = App()
        self.committed = committed
        self.ends: dict[TP, int] = {}
        self.starts: dict[TP, int] = {}
        self.flow_active = True
        self._committed_offset: dict[TP, int | None] = dict(committed)
        self._acked: dict[TP, list[int]] = {}
        self._gap: dict[TP, object] = {}
        self._buffered_partitions: set[TP] = set()
        self._paused_partitions: set[TP] = set()
        self._active: set[TP] = set(committed)
        self._read_offset: dict[TP, int | None] = {}
        self._unacked_messages: set[Message] = set()
        self.batches: list[list[Message]] = []
        self.seeks: list[tuple[TP, int]] = []
        self.acked: list[tuple[TP, int]] = []
        self.revoked: list[TP] = []

    async def perform_seek(self) -> None:
        # As faust: the committed offsets (None where never committed) become the read
        # offsets, and the known ones the committed offsets.
        self._read_offset.update(self.committed)
        self._committed_offset = {tp: c for tp, c in self.committed.items() if c}

    async def earliest_offsets(self, *partitions: TP) -> dict[TP, int]:
        return {tp: self.starts.get(tp, 0) for tp in partitions}

    async def seek(self, partition: TP, offset: int) -> None:
        self.seeks.append((partition, offset))
        self._read_offset[partition] = offset

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        for partition, offset in partitions.items():
            await self.seek(partition, offset)

    async def on_partitions_revoked(self, revoked: Set[TP]) -> None:
        self.revoked.extend(revoked)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        for message in self.batches.pop(0) if self.batches else []:
            yield message.tp, message

    def _new_offset(self, tp: TP) -> int | None:
        """faust's rule, off by one: it checks ``min(acked) - committed > 1`` only."""
        acked = sorted(self._acked.get(tp, []))
        committed = self._committed_offset.get(tp)
        if not acked or (committed and min(acked) - committed > 1):
            return None
        run = [acked[0]]
        for offset in acked[1:]:
            if offset != run[-1] + 1:
                break
            run.append(offset)
        return run[-1] + 1

    def assignment(self) -> set[TP]:
        return set(self.committed)

    async def highwaters(self, *partitions: TP) -> dict[TP, int]:
        return {tp: self.ends.get(tp, 0) for tp in partitions}

    def _get_active_partitions(self) -> set[TP]:
        return self._active

    def ack(self, message: Message) -> bool:
        message.acked = True
        self.acked.append((message.tp, message.offset))
        return True


class Guarded(StandInConsumer):
    pass


RAW = TP("articles.raw", 0)
CHANGELOG = TP("surge-buckets-changelog", 0)
faust_fixes.patch(Guarded, {"articles.raw"})


def fetch(consumer: Guarded, *offsets: int, tp: TP = RAW) -> list[int]:
    consumer.batches.append([Message(tp, offset) for offset in offsets])

    async def handed() -> list[int]:
        return [message.offset async for _, message in consumer.getmany(1.0)]

    return asyncio.run(handed())


def test_records_in_order_pass_and_a_jump_is_read_again_from_the_missing_offset() -> None:
    consumer = Guarded({RAW: 10})
    asyncio.run(consumer.perform_seek())
    assert fetch(consumer, 10, 11) == [10, 11]
    # 12 and 13 never came: 14 onwards is held back and the partition seeked to 12.
    assert fetch(consumer, 14, 15, 16) == []
    assert consumer.seeks == [(RAW, 12)]
    assert consumer._read_offset[RAW] == 12  # faust will not drop 12 and 13 as already read
    assert fetch(consumer, 12, 13, 14, 15, 16) == [12, 13, 14, 15, 16]


def test_a_record_past_the_committed_offset_after_a_rebalance_is_not_handed_on() -> None:
    # The drills' case: committed 10, and the first record fetched is 12.
    consumer = Guarded({RAW: 10})
    asyncio.run(consumer.perform_seek())
    assert fetch(consumer, 12) == []
    assert consumer.seeks == [(RAW, 10)]
    assert fetch(consumer, 10, 11, 12) == [10, 11, 12]


def test_a_partition_never_committed_starts_where_the_broker_keeps_its_first_record() -> None:
    consumer = Guarded({RAW: None})
    consumer.starts[RAW] = 3  # 0 to 2 deleted by retention
    asyncio.run(consumer.perform_seek())
    assert fetch(consumer, 3, 4) == [3, 4]
    assert fetch(consumer, 6) == []
    assert consumer.seeks == [(RAW, 3), (RAW, 5)]


def test_records_gone_from_the_broker_are_let_through_after_repeated_tries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consumer = Guarded({RAW: 10})
    asyncio.run(consumer.perform_seek())
    for _ in range(faust_fixes.MAX_SAME_JUMP - 1):
        assert fetch(consumer, 20) == []
    with caplog.at_level(logging.ERROR, logger="flashpoint.worker.offsets"):
        assert fetch(consumer, 20, 21) == [20, 21]
    assert "offsets 10 to 19 are gone from the broker" in caplog.text
    assert len(consumer.seeks) == faust_fixes.MAX_SAME_JUMP - 1


def test_unguarded_topics_such_as_changelogs_keep_their_gaps() -> None:
    consumer = Guarded({CHANGELOG: 0})
    asyncio.run(consumer.perform_seek())
    assert fetch(consumer, 0, 5, 9, tp=CHANGELOG) == [0, 5, 9]
    assert consumer.seeks == []


def test_a_revoked_partition_is_forgotten_until_the_next_seek() -> None:
    consumer = Guarded({RAW: 10})
    asyncio.run(consumer.perform_seek())
    asyncio.run(consumer.on_partitions_revoked({RAW}))
    assert consumer.revoked == [RAW]
    assert fetch(consumer, 30) == [30]


def test_a_record_from_before_the_rebalance_is_not_acked_into_the_new_generation() -> None:
    consumer = Guarded({RAW: 10})
    old, new = Message(RAW, 10, generation_id=1), Message(RAW, 11, generation_id=2)
    consumer._unacked_messages.update({old, new})
    consumer.app.consumer_generation_id = 2
    assert consumer.ack(old) is False
    assert old.acked and old not in consumer._unacked_messages  # shutdown need not wait
    assert consumer.ack(new) is True
    assert consumer.acked == [(RAW, 11)]


def test_install_patches_fausts_consumer_once_and_guards_the_named_topics() -> None:
    from faust.transport.consumer import Consumer

    faust_fixes.install(["articles.raw"])
    wrapped: Any = Consumer.getmany
    faust_fixes.install(["articles.classified"])
    assert Consumer.getmany is wrapped
    assert {"articles.raw", "articles.classified"} <= faust_fixes._guarded_topics


def test_a_record_done_while_flow_is_stopped_for_a_rebalance_is_not_acked() -> None:
    consumer = Guarded({RAW: 10})
    skipped = Message(RAW, 10)
    consumer.app.flow_control.active = False
    assert consumer.ack(skipped) is False
    consumer.app.flow_control.active = True
    assert consumer.ack(Message(RAW, 11)) is True
    assert consumer.acked == [(RAW, 11)]


def watch(consumer: Guarded, *times: float) -> list[list[str]]:
    faust_fixes._guarded_topics.add(RAW.topic)
    return [asyncio.run(faust_fixes.unstall(consumer, now=at)) for at in times]


def test_a_hole_that_lasts_is_read_again_from_the_committed_offset() -> None:
    # Offsets 11 to 15 were done, 10 never was: the commit cannot move past it.
    consumer = Guarded({RAW: 10})
    asyncio.run(consumer.perform_seek())
    fetch(consumer, 10, 11, 12, 13, 14, 15)
    consumer.ends[RAW] = 16
    consumer._acked[RAW] = [11, 12, 13, 14, 15]
    wait = faust_fixes.STALLED_AFTER_S
    first, early, late = watch(consumer, 0.0, wait - 1, wait + 1)
    assert first == early == []
    [said] = late
    assert said.startswith("articles.raw[0]: a hole at 10 of 16")
    assert consumer.seeks == [(RAW, 10)]
    assert fetch(consumer, 10, 11) == [10, 11]


def test_records_never_handed_on_are_read_again() -> None:
    consumer = Guarded({RAW: 10})
    asyncio.run(consumer.perform_seek())
    consumer.ends[RAW] = 14
    wait = faust_fixes.STALLED_AFTER_S
    assert watch(consumer, 0.0, wait + 1)[1][0].startswith("articles.raw[0]: unread at 10")
    assert consumer.seeks == [(RAW, 10)]


def test_progress_backpressure_and_rebalances_are_not_stalls() -> None:
    wait = faust_fixes.STALLED_AFTER_S
    moving = Guarded({RAW: 10})
    asyncio.run(moving.perform_seek())
    moving.ends[RAW] = 30
    assert watch(moving, 0.0) == [[]]
    fetch(moving, 10, 11)  # handed on: it moves
    assert watch(moving, wait + 1) == [[]]
    full = Guarded({RAW: 10})
    full.ends[RAW] = 30
    full._buffered_partitions.add(RAW)  # the stream's buffer is full: it waits its turn
    assert watch(full, 0.0, wait + 1) == [[], []]
    rebalancing = Guarded({RAW: 10})
    rebalancing.ends[RAW] = 30
    rebalancing.app.flow_control.active = False
    assert watch(rebalancing, 0.0, wait + 1) == [[], []]
    assert moving.seeks == full.seeks == rebalancing.seeks == []


def test_a_missing_record_right_after_the_committed_offset_is_not_committed_past() -> None:
    # The drills' lost email: 0 done and committed (1), 1 dropped, 2 and 3 done. faust's
    # check (min(acked) - committed > 1) lets 4 be committed; the guard waits for 1.
    consumer = Guarded({RAW: 1})
    asyncio.run(consumer.perform_seek())
    consumer._acked[RAW] = [2, 3]
    assert StandInConsumer._new_offset(consumer, RAW) == 4  # what faust alone would commit
    assert consumer._new_offset(RAW) is None
    consumer._acked[RAW] = [1, 2, 3]
    assert consumer._new_offset(RAW) == 4


def test_a_partition_never_committed_waits_for_the_first_record_it_handed_on() -> None:
    consumer = Guarded({RAW: None})
    asyncio.run(consumer.perform_seek())
    assert fetch(consumer, 0, 1, 2) == [0, 1, 2]
    consumer._acked[RAW] = [1, 2]  # 0 dropped
    assert consumer._new_offset(RAW) is None
    consumer._acked[RAW] = [0, 1, 2]
    assert consumer._new_offset(RAW) == 3


def test_after_a_rebalance_a_partition_never_committed_is_read_from_its_beginning() -> None:
    consumer = Guarded({RAW: None})
    consumer.starts[RAW] = 0
    asyncio.run(consumer.perform_seek())
    assert consumer.seeks == [(RAW, 0)]
    assert fetch(consumer, 0, 1) == [0, 1]
    assert fetch(consumer, 3) == []  # and it is guarded from there
